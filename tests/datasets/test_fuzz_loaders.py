"""The loaders of people's own files, fed unusual text and encodings: the text kept exactly, or a clear error.

The broken files (missing columns, corrupt images, bad JSON, bad WAV) are
in test_caption_formats.py and test_speech.py; these are the files a
spreadsheet or another language writes.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

from mmkeras.datasets import load_caption_pairs
from mmkeras.datasets import load_flickr8k
from mmkeras.datasets import load_speech

UNUSUAL_CAPTIONS = [
    "一个红色的圆 🙂",
    "une étoile verte, près du « carré »",
    'a "quoted" caption, with a comma',
    "word " * 2000 + "end",
    "ＦＵＬＬ-width and\ttab",
]


def write_png(path):
    path.write_bytes(tf.io.encode_png(np.zeros((8, 8, 3), np.uint8)).numpy())


@pytest.fixture
def images(tmp_path):
    names = ["红色.png", "étoile.png", "a b.png", "long.png", "wide.png"]
    for name in names:
        write_png(tmp_path / name)
    return names


def test_unusual_captions_and_file_names_survive_csv_exactly(tmp_path, images):
    import csv

    with open(tmp_path / "pairs.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["image", "caption"])
        writer.writerows(zip(images, UNUSUAL_CAPTIONS))
    records = load_caption_pairs(str(tmp_path / "pairs.csv"))
    assert [c[0] for c in records.captions] == [c.strip() for c in UNUSUAL_CAPTIONS]
    assert [p.rsplit("/", 1)[-1] for p in records.image_paths] == images


def test_unusual_captions_survive_jsonl_exactly(tmp_path, images):
    lines = [json.dumps({"image": i, "caption": c}, ensure_ascii=False) for i, c in zip(images, UNUSUAL_CAPTIONS)]
    (tmp_path / "pairs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = load_caption_pairs(str(tmp_path / "pairs.jsonl"))
    assert [c[0] for c in records.captions] == [c.strip() for c in UNUSUAL_CAPTIONS]


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_header(tmp_path, images):
    (tmp_path / "pairs.csv").write_bytes("\ufeffimage,caption\n红色.png,一个红色的圆\n".encode("utf-8"))
    assert load_caption_pairs(str(tmp_path / "pairs.csv")).captions == [["一个红色的圆"]]


@pytest.mark.parametrize("caption", ["   ", "\t", ""], ids=["blank", "tab", "empty"])
def test_a_blank_caption_is_named_with_its_line(tmp_path, images, caption):
    (tmp_path / "pairs.csv").write_text(f"image,caption\n红色.png,ok\n红色.png,{caption}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.csv, line 3: 'image' and 'caption' must be non-empty text"):
        load_caption_pairs(str(tmp_path / "pairs.csv"))


def test_a_caption_file_in_another_encoding_is_named_with_its_line(tmp_path, images):
    (tmp_path / "pairs.csv").write_bytes("image,caption\n红色.png,ok\n".encode("utf-8") + "a b.png,café\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"pairs.csv, line 3: the caption pairs file must be UTF-8 text, "
                                         r"and byte 0xe9"):
        load_caption_pairs(str(tmp_path / "pairs.csv"))


def test_a_flickr8k_token_file_in_another_encoding_is_named(tmp_path, images):
    (tmp_path / "captions.token").write_bytes("a b.png#0\tcafé\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"captions.token, line 1: the Flickr8k token file must be UTF-8"):
        load_flickr8k(str(tmp_path / "captions.token"), str(tmp_path))


def test_a_transcript_table_in_another_encoding_is_named(tmp_path):
    (tmp_path / "transcripts.csv").write_bytes("path,text,speaker\na.wav,café,s1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"transcripts.csv, line 2: the transcript table must be UTF-8"):
        load_speech(str(tmp_path))
