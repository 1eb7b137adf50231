"""Tasks: a backbone (the network) and a preprocessor (raw inputs to the
backbone's inputs, with the vocabularies) in one `keras.Model` that trains
with `fit` on raw data and answers in words.

The rule for outputs: a task's forward pass (`task(inputs)`, `predict`)
returns probabilities (a float32 softmax) when the task chooses one of a
fixed set of labels (`VisualQuestionAnswerer`, `ProductClassifier`,
`ActionRecognizer`, and `MaskedLanguageModel` at every position; the loss
is `sparse_categorical_crossentropy`), and
logits otherwise: when it writes a sequence token by token (`Captioner`,
`Translator`, `SpeechTranslator`, `SpeechRecognizer`; the losses take logits) and when it scores pairs
(`DualEncoder`'s similarity logits). The text-to-image tasks
(`ConditionalVAE`, `ConditionalGAN`) return images in [0, 1], and
`generate` returns uint8 images. Its
readable methods (`generate`, `translate`, `answer`, `classify`) return Python
strings, with NumPy scores or probabilities when asked. A trained task is one
`.keras` file that reloads with
`keras.saving.load_model(path, safe_mode=True)`.
"""

from mmkeras.tasks.action_recognizer import ActionRecognizer
from mmkeras.tasks.action_recognizer_preprocessor import ActionRecognizerPreprocessor
from mmkeras.tasks.captioner import Captioner
from mmkeras.tasks.captioner_preprocessor import CaptionerPreprocessor
from mmkeras.tasks.conditional_gan import ConditionalGAN
from mmkeras.tasks.conditional_vae import ConditionalVAE
from mmkeras.tasks.dual_encoder import DualEncoder
from mmkeras.tasks.dual_encoder_preprocessor import DualEncoderPreprocessor
from mmkeras.tasks.image_text_classifier import ImageTextClassifier
from mmkeras.tasks.image_text_classifier_preprocessor import ImageTextClassifierPreprocessor
from mmkeras.tasks.masked_language_model import MaskedLanguageModel
from mmkeras.tasks.masked_language_model_preprocessor import MaskedLanguageModelPreprocessor
from mmkeras.tasks.presets import get_preset
from mmkeras.tasks.presets import list_presets
from mmkeras.tasks.presets import register_preset
from mmkeras.tasks.preprocessor import Preprocessor
from mmkeras.tasks.product_classifier import ProductClassifier
from mmkeras.tasks.speech_recognizer import SpeechRecognizer
from mmkeras.tasks.speech_recognizer_preprocessor import SpeechRecognizerPreprocessor
from mmkeras.tasks.speech_translator import SpeechTranslator
from mmkeras.tasks.speech_translator_preprocessor import SpeechTranslatorPreprocessor
from mmkeras.tasks.task import Task
from mmkeras.tasks.text_to_image import TextToImageTask
from mmkeras.tasks.text_to_image_preprocessor import TextToImagePreprocessor
from mmkeras.tasks.translator import Translator
from mmkeras.tasks.translator_preprocessor import TranslatorPreprocessor
from mmkeras.tasks.vision_language_model import VisionLanguageModel
from mmkeras.tasks.vision_language_preprocessor import VisionLanguagePreprocessor
from mmkeras.tasks.visual_question_answerer import VisualQuestionAnswerer
from mmkeras.tasks.whisper_transcriber import WhisperTranscriber
from mmkeras.tasks.whisper_transcriber_preprocessor import WhisperTranscriberPreprocessor
