"""Backend-agnostic Keras layers for multimodal models (keras.ops only)."""

from mmkeras.layers.add_fusion import AddFusion
from mmkeras.layers.attention_fusion import AttentionFusion
from mmkeras.layers.bahdanau_attention import BahdanauAttention
from mmkeras.layers.concat_fusion import ConcatFusion
from mmkeras.layers.image_encoder import ImageEncoder
from mmkeras.layers.lstm_decoder import LSTMDecoder
from mmkeras.layers.text_encoder import TextEncoder
