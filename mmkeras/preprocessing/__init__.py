"""Text and feature preprocessing that runs in `tf.data` (TensorFlow allowed here)."""

from mmkeras.preprocessing.audio import audio_backend
from mmkeras.preprocessing.audio import check_wav_file
from mmkeras.preprocessing.audio import decode_wav
from mmkeras.preprocessing.audio import log_mel_spectrogram
from mmkeras.preprocessing.audio import mfcc
from mmkeras.preprocessing.audio import normalize_features
from mmkeras.preprocessing.audio import spec_augment
from mmkeras.preprocessing.embeddings import embedding_matrix
from mmkeras.preprocessing.embeddings import load_word2vec_text
from mmkeras.preprocessing.embeddings import save_word2vec_text
from mmkeras.preprocessing.embeddings import train_word2vec
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.image_files import read_image
from mmkeras.preprocessing.masking import mask_tokens
from mmkeras.preprocessing.sequences import teacher_forcing_pair
from mmkeras.preprocessing.sentiment import correct_spelling
from mmkeras.preprocessing.sentiment import missing_textblob_corpora
from mmkeras.preprocessing.sentiment import require_textblob_corpora
from mmkeras.preprocessing.sentiment import sentiment_features
from mmkeras.preprocessing.tokenizer import RESERVED_TOKENS
from mmkeras.preprocessing.text_normalization import normalize_text
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.preprocessing.wordpiece import WORDPIECE_RESERVED_TOKENS
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
