import json
import pathlib

import numpy as np
import pytest

from mmkeras.datasets import export_coco_captions
from mmkeras.datasets import export_flickr8k
from mmkeras.datasets import load_coco_captions
from mmkeras.datasets import load_flickr8k
from mmkeras.datasets import make_scenes

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "data" / "fixtures"
SCENES = make_scenes(4, seed=2024, image_size=64)


def test_committed_fixtures_load_and_match_the_world():
    coco = load_coco_captions(FIXTURES / "coco" / "captions_val.json", FIXTURES / "coco" / "val")
    flickr = load_flickr8k(FIXTURES / "flickr8k" / "Flickr8k.token.txt", FIXTURES / "flickr8k" / "Flicker8k_Dataset")
    for records in (coco, flickr):
        assert len(records) == 4
        assert records.captions == SCENES.captions
        np.testing.assert_array_equal(records.load_images(), SCENES.images)  # PNG is lossless


def test_round_trip_and_resize(tmp_path):
    scenes = make_scenes(3, seed=5, image_size=48)
    annotations, images_dir = export_coco_captions(scenes, tmp_path / "coco", split="train")
    records = load_coco_captions(annotations, images_dir)
    assert records.captions == scenes.captions
    assert records.load_images(image_size=32).shape == (3, 32, 32, 3)
    token_path, images_dir = export_flickr8k(scenes, tmp_path / "flickr")
    assert load_flickr8k(token_path, images_dir).captions == scenes.captions


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="COCO captions annotation file not found"):
        load_coco_captions(tmp_path / "missing.json", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"images": []}))
    with pytest.raises(ValueError, match="no 'annotations' list"):
        load_coco_captions(bad, tmp_path)
    bad.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.png"}],
                               "annotations": [{"id": 7, "image_id": 2, "caption": "x"}]}))
    with pytest.raises(ValueError, match="refers to image_id 2"):
        load_coco_captions(bad, tmp_path)
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("a.png a caption without the tab\n")
    with pytest.raises(ValueError, match="line 1: expected '<file_name>#<n><TAB><caption>'"):
        load_flickr8k(tokens, tmp_path)
    tokens.write_text("a.png#0\ta red circle\n")
    with pytest.raises(FileNotFoundError, match="Image named by the token file"):
        load_flickr8k(tokens, tmp_path)
