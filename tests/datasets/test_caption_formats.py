import json
import pathlib

import numpy as np
import pytest

from mmkeras.datasets import all_texts
from mmkeras.datasets import export_caption_pairs
from mmkeras.datasets import export_coco_captions
from mmkeras.datasets import export_flickr8k
from mmkeras.datasets import load_caption_pairs
from mmkeras.datasets import load_coco_captions
from mmkeras.datasets import load_flickr8k
from mmkeras.datasets import make_scene_dataset
from mmkeras.datasets import make_scenes
from mmkeras.preprocessing import WordTokenizer

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "data" / "fixtures"
SCENES = make_scenes(4, seed=2024, image_size=64)


def load_every_fixture():
    return {
        "coco": load_coco_captions(FIXTURES / "coco" / "captions_val.json", FIXTURES / "coco" / "val"),
        "flickr8k": load_flickr8k(FIXTURES / "flickr8k" / "Flickr8k.token.txt",
                                  FIXTURES / "flickr8k" / "Flicker8k_Dataset"),
        "csv": load_caption_pairs(FIXTURES / "pairs" / "captions.csv"),
        "jsonl": load_caption_pairs(FIXTURES / "pairs" / "captions.jsonl"),
    }


def test_committed_fixtures_load_and_match_the_world():
    for records in load_every_fixture().values():
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
    for file_format in ("csv", "jsonl"):
        path = export_caption_pairs(scenes, tmp_path / file_format, file_format)
        assert load_caption_pairs(path).captions == scenes.captions


def test_every_format_feeds_the_same_teacher_forcing_batches_as_the_world():
    tokenizer = WordTokenizer.from_corpus(all_texts(SCENES))
    (expected_inputs, expected_targets), = make_scene_dataset(
        SCENES, tokenizer, task="caption", sequence_length=12, batch_size=64, shuffle=False)
    for name, records in load_every_fixture().items():
        (inputs, targets), = records.to_dataset(64, tokenizer, sequence_length=12, batch_size=64)
        np.testing.assert_array_equal(inputs["tokens"], expected_inputs["tokens"], err_msg=name)
        np.testing.assert_array_equal(targets, expected_targets, err_msg=name)
        np.testing.assert_allclose(inputs["image"], expected_inputs["image"], atol=1e-6, err_msg=name)
    images, captions = next(iter(load_every_fixture()["csv"].to_dataset(32, batch_size=3, shuffle=True)))
    assert images.shape == (3, 32, 32, 3) and captions.shape == (3,)
    assert 0.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="COCO captions annotation file not found"):
        load_coco_captions(tmp_path / "missing.json", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"images": []}))
    with pytest.raises(ValueError, match="no 'annotations' list"):
        load_coco_captions(bad, tmp_path)
    bad.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.png"}],
                               "annotations": [{"id": 7, "image_id": 2, "caption": "x"}]}))
    with pytest.raises(ValueError, match=r"annotations\[0\] \(id 7\) refers to image_id 2"):
        load_coco_captions(bad, tmp_path)
    bad.write_text('{"images": [],\n "annotations": [,]}')
    with pytest.raises(ValueError, match=r"bad\.json, line 2, column \d+: not valid JSON"):
        load_coco_captions(bad, tmp_path)
    bad.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.png"}],
                               "annotations": [{"id": 7, "image_id": 1, "caption": "x"}]}))
    with pytest.raises(FileNotFoundError, match=r"a\.png \(named in .*bad\.json, image id 1\)"):
        load_coco_captions(bad, tmp_path)
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("a.png a caption without the tab\n")
    with pytest.raises(ValueError, match="line 1: expected '<file_name>#<n><TAB><caption>'"):
        load_flickr8k(tokens, tmp_path)
    tokens.write_text("a.png#0\ta red circle\n")
    with pytest.raises(FileNotFoundError, match=r"a\.png \(named in .*tokens\.txt, line 1\)"):
        load_flickr8k(tokens, tmp_path)


def test_pairs_errors_name_the_file_and_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="Caption pairs file not found"):
        load_caption_pairs(tmp_path / "missing.csv")
    other = tmp_path / "pairs.txt"
    other.write_text("x")
    with pytest.raises(ValueError, match=r"\.csv or \.jsonl"):
        load_caption_pairs(other)
    table = tmp_path / "pairs.csv"
    table.write_text("path,text\na.png,a red circle\n")
    with pytest.raises(ValueError, match=r"line 1: the header needs the columns 'image' and 'caption'"):
        load_caption_pairs(table)
    table.write_text("image,caption\na.png,a red circle\nb.png,\n")
    with pytest.raises(ValueError, match=r"pairs\.csv, line 3: 'image' and 'caption' must be non-empty"):
        load_caption_pairs(table)
    table.write_text("image,caption\na.png,a red circle\n")
    with pytest.raises(FileNotFoundError, match=r"1 of 1 images not found.*a\.png \(named in .*pairs\.csv, line 2\)"):
        load_caption_pairs(table)
    lines = tmp_path / "pairs.jsonl"
    lines.write_text('{"image": "a.png", "caption": "a red circle"}\n{"image": "b.png", caption}\n')
    with pytest.raises(ValueError, match=r"pairs\.jsonl, line 2: not valid JSON"):
        load_caption_pairs(lines)
    lines.write_text('["a.png", "a red circle"]\n')
    with pytest.raises(ValueError, match=r"line 1: expected an object"):
        load_caption_pairs(lines)
    records = load_caption_pairs(FIXTURES / "pairs" / "captions.csv")
    with pytest.raises(ValueError, match="image_size"):
        records.to_dataset(image_size=0)


@pytest.mark.parametrize("damage", ["not an image", "cut short"])
def test_a_listed_file_that_is_not_an_image_is_named(tmp_path, damage):
    import tensorflow as tf

    export_caption_pairs(SCENES, tmp_path)
    records = load_caption_pairs(tmp_path / "captions.csv")
    broken = pathlib.Path(records.image_paths[2])
    png = broken.read_bytes()
    broken.write_bytes(b"<html>404</html>" if damage == "not an image" else png[: len(png) // 2])
    with pytest.raises(ValueError, match=rf"Cannot decode image .*{broken.name}"):
        records.load_images(32)
    # In the tf.data pipeline the error cannot be raised per example; its message names the file.
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"Cannot decode image\] \[[^\]]*{broken.name}\]"):
        for _ in records.to_dataset(32, batch_size=2, shuffle=False):
            pass
