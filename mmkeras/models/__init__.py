"""Task models assembled from `mmkeras.layers`."""

from mmkeras.models.bert import build_bert_encoder
from mmkeras.models.bert import build_bert_text_tower
from mmkeras.models.bert import build_mlm_model
from mmkeras.models.captioner import build_captioner
from mmkeras.models.captioner import generate_captions
from mmkeras.models.classifier import FUSION_CHOICES
from mmkeras.models.dual_encoder import build_dual_encoder
from mmkeras.models.classifier import build_product_classifier
from mmkeras.models.vqa import FUSIONS
from mmkeras.models.vqa import build_vqa_model
from mmkeras.models.speech import build_speech_recognizer
from mmkeras.models.speech import transcribe
from mmkeras.models.video import build_action_recognizer
from mmkeras.models.cvae import build_attribute_classifier
from mmkeras.models.cvae import build_cvae
from mmkeras.models.cvae import generate_images
from mmkeras.models.cgan import build_cgan_discriminator
from mmkeras.models.cgan import build_cgan_generator
from mmkeras.models.single_stream import build_attention_probe
from mmkeras.models.single_stream import build_single_stream_classifier
from mmkeras.models.single_stream import build_single_stream_encoder
from mmkeras.models.single_stream import build_single_stream_pretrainer
from mmkeras.models.single_stream import pairwise_match_scores
from mmkeras.models.single_stream import text_offset
from mmkeras.models.vision_transformer import build_vit_encoder
