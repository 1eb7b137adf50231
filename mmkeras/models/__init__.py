"""Task models assembled from `mmkeras.layers`."""

from mmkeras.models.vqa import FUSIONS
from mmkeras.models.vqa import build_vqa_model
