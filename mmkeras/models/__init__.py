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
