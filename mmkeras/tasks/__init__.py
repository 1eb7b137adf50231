"""Tasks: a backbone (the network) and a preprocessor (raw inputs to the
backbone's inputs, with the vocabularies) in one `keras.Model` that trains
with `fit` on raw data and answers in words.

The rule for outputs: a task's forward pass (`task(inputs)`, `predict`)
returns probabilities (a float32 softmax) when the task chooses one of a
fixed set of labels (`VisualQuestionAnswerer`, `ProductClassifier`; the
loss is `sparse_categorical_crossentropy`), and logits when it writes a
sequence token by token (`Captioner`; the loss takes logits). Its
readable methods (`generate`, `answer`, `classify`) return Python
strings, with NumPy scores or probabilities when asked. A trained task is one
`.keras` file that reloads with `keras.saving.load_model(path,
safe_mode=True)`.
"""

from mmkeras.tasks.captioner import Captioner
from mmkeras.tasks.captioner_preprocessor import CaptionerPreprocessor
from mmkeras.tasks.image_text_classifier import ImageTextClassifier
from mmkeras.tasks.image_text_classifier_preprocessor import ImageTextClassifierPreprocessor
from mmkeras.tasks.presets import get_preset
from mmkeras.tasks.presets import list_presets
from mmkeras.tasks.presets import register_preset
from mmkeras.tasks.preprocessor import Preprocessor
from mmkeras.tasks.product_classifier import ProductClassifier
from mmkeras.tasks.task import Task
from mmkeras.tasks.visual_question_answerer import VisualQuestionAnswerer
