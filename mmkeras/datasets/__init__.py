"""Data for the book: the bundled world and `tf.data` pipelines over it."""

from mmkeras.datasets.scenes import ANSWERS
from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import QUESTION_TYPES
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import SceneObject
from mmkeras.datasets.scenes import Scenes
from mmkeras.datasets.scenes import make_scenes
from mmkeras.datasets.caption_formats import CaptionRecords
from mmkeras.datasets.caption_formats import export_caption_pairs
from mmkeras.datasets.caption_formats import export_coco_captions
from mmkeras.datasets.caption_formats import export_flickr8k
from mmkeras.datasets.caption_formats import load_caption_pairs
from mmkeras.datasets.caption_formats import load_coco_captions
from mmkeras.datasets.caption_formats import load_flickr8k
from mmkeras.datasets.shop import CATEGORIES
from mmkeras.datasets.shop import DEPARTMENTS
from mmkeras.datasets.shop import FORMS
from mmkeras.datasets.shop import Shop
from mmkeras.datasets.shop import make_shop
from mmkeras.datasets.pipelines import all_texts
from mmkeras.datasets.pipelines import make_mlm_dataset
from mmkeras.datasets.pipelines import make_scene_dataset
from mmkeras.datasets.pipelines import make_shop_dataset
from mmkeras.datasets.pipelines import teacher_forcing_pair
