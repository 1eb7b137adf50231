"""Text and feature preprocessing that runs in `tf.data` (TensorFlow allowed here)."""

from mmkeras.preprocessing.tokenizer import RESERVED_TOKENS
from mmkeras.preprocessing.tokenizer import WordTokenizer
