"""Backend-agnostic Keras layers for multimodal models (keras.ops only)."""

from mmkeras.layers.add_fusion import AddFusion
from mmkeras.layers.audio_encoder import AudioEncoder
from mmkeras.layers.attention_fusion import AttentionFusion
from mmkeras.layers.bahdanau_attention import BahdanauAttention
from mmkeras.layers.batch_groups import BatchGroups
from mmkeras.layers.bilinear_fusion import BilinearFusion
from mmkeras.layers.concat_fusion import ConcatFusion
from mmkeras.layers.contrastive_similarity import ContrastiveSimilarity
from mmkeras.layers.cross_attention_fusion import CrossAttentionFusion
from mmkeras.layers.fusion import Fusion
from mmkeras.layers.gated_fusion import GatedFusion
from mmkeras.layers.image_encoder import ImageEncoder
from mmkeras.layers.lstm_decoder import LSTMDecoder
from mmkeras.layers.masked_mean_pooling import MaskedMeanPooling
from mmkeras.layers.modality_dropout import ModalityDropout
from mmkeras.layers.modality_embedding import ModalityEmbedding
from mmkeras.layers.modality_projector import ModalityProjector
from mmkeras.layers.patch_embedding import PatchEmbedding
from mmkeras.layers.position_embedding import PositionEmbedding
from mmkeras.layers.sampling import Sampling
from mmkeras.layers.spatial_broadcast import SpatialBroadcast
from mmkeras.layers.text_encoder import TextEncoder
from mmkeras.layers.transformer_decoder import TransformerDecoder
from mmkeras.layers.transformer_encoder import TransformerEncoder
from mmkeras.layers.video_encoder import VideoEncoder
from mmkeras.layers.weighted_sum_fusion import WeightedSumFusion
