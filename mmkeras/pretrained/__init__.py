"""Pretrained models, loaded offline: a shipped package's folder, a local folder, or an hf:// name.

keras-hub builds the networks and reads Hugging Face weights; mmkeras
checks the files first, names what is missing, and makes each model's
preprocessing give the token ids of the runtime it was trained with.
"""

from mmkeras.pretrained.ctranslate2_reader import CTranslate2Model
from mmkeras.pretrained.ctranslate2_reader import read_ctranslate2_model
from mmkeras.pretrained.efficientnet_lite import efficientnet_lite0
from mmkeras.pretrained.efficientnet_lite import load_efficientnet_lite0
from mmkeras.pretrained.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer
from mmkeras.pretrained.hugging_face_bert_tokenizer import normalize_like_hugging_face
from mmkeras.pretrained.sources import SHIPPED_MODELS
from mmkeras.pretrained.sources import check_model_dir
from mmkeras.pretrained.sources import resolve_source
from mmkeras.pretrained.sources import shipped_model_dir
from mmkeras.pretrained.text_embedder import load_text_embedder
from mmkeras.pretrained.whisper import load_whisper_backbone
from mmkeras.pretrained.whisper_decoding import whisper_decoder_step
from mmkeras.pretrained.whisper_decoding import whisper_encoder
from mmkeras.pretrained.whisper_tokenizer import load_whisper_decoding_rules
from mmkeras.pretrained.whisper_tokenizer import load_whisper_tokenizer
from mmkeras.pretrained.weight_assigner import WeightAssigner
