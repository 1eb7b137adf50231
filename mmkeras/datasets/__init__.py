"""Data for the book: the bundled world and `tf.data` pipelines over it.

The world is written in English and in Chinese (`language="en"` or
`"zh"`); `mmkeras.datasets.chinese` holds its Chinese words and grammar.
"""

from mmkeras.datasets.scenes import ANSWERS
from mmkeras.datasets.scenes import ANSWERS_ZH
from mmkeras.datasets.scenes import LANGUAGES
from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import QUESTION_TYPES
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import SceneObject
from mmkeras.datasets.scenes import answers
from mmkeras.datasets.scenes import Scenes
from mmkeras.datasets.scenes import make_scenes
from mmkeras.datasets.scenes import matching_pairs
from mmkeras.datasets.caption_formats import CaptionRecords
from mmkeras.datasets.clips import ACTIONS
from mmkeras.datasets.clips import Clips
from mmkeras.datasets.clips import make_clips
from mmkeras.datasets.fashion_mnist import FASHION_MNIST_CLASSES
from mmkeras.datasets.fashion_mnist import LabeledImages
from mmkeras.datasets.fashion_mnist import load_fashion_mnist
from mmkeras.datasets.objects import ObjectImages
from mmkeras.datasets.objects import make_object_images
from mmkeras.datasets.caption_formats import export_caption_pairs
from mmkeras.datasets.caption_formats import export_coco_captions
from mmkeras.datasets.caption_formats import export_flickr8k
from mmkeras.datasets.caption_formats import load_caption_pairs
from mmkeras.datasets.caption_formats import load_coco_captions
from mmkeras.datasets.caption_formats import load_flickr8k
from mmkeras.datasets.shop import CATEGORIES
from mmkeras.datasets.shop import CATEGORIES_ZH
from mmkeras.datasets.shop import DEPARTMENTS
from mmkeras.datasets.shop import FORMS
from mmkeras.datasets.shop import Shop
from mmkeras.datasets.shop import make_shop
from mmkeras.datasets.pipelines import all_texts
from mmkeras.datasets.pipelines import make_image_text_matching_dataset
from mmkeras.datasets.pipelines import make_mlm_dataset
from mmkeras.datasets.pipelines import make_scene_dataset
from mmkeras.datasets.pipelines import make_shop_dataset
from mmkeras.datasets.pipelines import teacher_forcing_pair
from mmkeras.datasets.speech import CHARACTERS
from mmkeras.datasets.speech import DIGIT_WORDS
from mmkeras.datasets.speech import SpeechRecords
from mmkeras.datasets.speech import decode_characters
from mmkeras.datasets.speech import encode_characters
from mmkeras.datasets.speech import load_fsdd
from mmkeras.datasets.speech import load_speech
from mmkeras.datasets.speech import make_speech_dataset
from mmkeras.datasets.speech import make_speech_translation_dataset
from mmkeras.datasets.instructions import SCENE_TASKS
from mmkeras.datasets.instructions import SHOP_TASKS
from mmkeras.datasets.instructions import Instructions
from mmkeras.datasets.instructions import make_instruction_dataset
from mmkeras.datasets.instructions import mix_instructions
from mmkeras.datasets.instructions import scene_instructions
from mmkeras.datasets.instructions import shop_instructions
from mmkeras.datasets.instructions import tokenize_instructions
from mmkeras.datasets.translation import TranslationPairs
from mmkeras.datasets.translation import make_translation_pairs
from mmkeras.datasets.paths import benchmark_path
from mmkeras.datasets.paths import data_path
