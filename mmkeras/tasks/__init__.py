"""Tasks: a backbone (the network) and a preprocessor (raw inputs to the
backbone's inputs, with the vocabularies) in one `keras.Model` that trains
with `fit` on raw data and answers in words.

The rule for outputs: a task's forward pass (`task(inputs)`, `predict`)
returns what its backbone returns, and its readable methods (`generate`,
...) return Python strings and NumPy scores. A trained task is one
`.keras` file that reloads with `keras.saving.load_model(path,
safe_mode=True)`.
"""

from mmkeras.tasks.captioner import Captioner
from mmkeras.tasks.captioner_preprocessor import CaptionerPreprocessor
from mmkeras.tasks.presets import get_preset
from mmkeras.tasks.presets import list_presets
from mmkeras.tasks.presets import register_preset
from mmkeras.tasks.preprocessor import Preprocessor
from mmkeras.tasks.task import Task
