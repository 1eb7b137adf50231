"""Parallel captions for translation: aligned, deterministic, and vague only where the image decides."""

import re

import numpy as np
import pytest

from mmkeras.datasets import chinese
from mmkeras.datasets import load_speech
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_translation_pairs
from mmkeras.datasets import data_path
from mmkeras.datasets.translation import make_vague

CHINESE_SHAPES = re.compile("圆形|正方形|三角形")


@pytest.fixture(scope="module")
def pairs():
    return make_translation_pairs(120, seed=4, vague_rate=0.5)


def test_pairs_are_deterministic_and_two_per_scene(pairs):
    again = make_translation_pairs(120, seed=4, vague_rate=0.5)
    assert again.sources == pairs.sources and again.targets == pairs.targets
    np.testing.assert_array_equal(again.images, pairs.images)
    assert len(pairs) == 240 and np.bincount(pairs.scene_index).tolist() == [2] * 120
    assert make_translation_pairs(120, seed=5, vague_rate=0.5).sources != pairs.sources


def test_each_pair_is_a_caption_of_its_scene_in_both_languages(pairs):
    english, chinese_scenes = make_scenes(120, seed=4, image_size=32), make_scenes(120, seed=4, image_size=32, language="zh")
    for source, target, vague, scene in zip(pairs.sources, pairs.targets, pairs.vague, pairs.scene_index):
        k = chinese_scenes.captions[scene].index(target)
        assert source == (make_vague(english.captions[scene][k]) if vague else english.captions[scene][k])
    np.testing.assert_array_equal(pairs.images, english.images[pairs.scene_index])


def test_only_scenes_of_one_object_are_vague_unless_asked(pairs):
    objects = np.asarray([len(o) for o in make_scenes(120, seed=4, image_size=32).objects])[pairs.scene_index]
    assert 0.35 < pairs.vague[objects == 1].mean() < 0.65 and not pairs.vague[objects > 1].any()
    every_scene = make_translation_pairs(120, seed=4, vague_rate=0.5, max_vague_objects=3)
    assert 0.35 < every_scene.vague[objects > 1].mean() < 0.65
    with pytest.raises(ValueError, match="max_vague_objects=0"):
        make_translation_pairs(4, max_vague_objects=0)


def test_vague_sentences_name_no_shape_but_their_translations_do(pairs):
    assert pairs.vague.any()
    for source, target, vague in zip(pairs.sources, pairs.targets, pairs.vague):
        named = re.findall(r"\b(circle|square|triangle)\b", source)
        if vague:
            assert not named and "shape" in source and CHINESE_SHAPES.search(target), (source, target)
        else:
            assert "shape" not in source and len(named) == len(CHINESE_SHAPES.findall(target)), (source, target)
    assert not make_translation_pairs(30, seed=4).vague.any()


def test_pairs_index_like_a_list(pairs):
    part = pairs[np.array([3, 1])]
    assert part.sources == [pairs.sources[3], pairs.sources[1]] and part.images.shape[0] == 2
    assert pairs[:5].targets == pairs.targets[:5]


@pytest.mark.parametrize(
    "arguments, message",
    [({"captions_per_scene": 0}, "captions_per_scene"), ({"captions_per_scene": 6}, "at least 5 captions"),
     ({"vague_rate": 1.5}, "vague_rate"), ({"vague_rate": True}, "vague_rate")],
)
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        make_translation_pairs(4, **arguments)


def test_every_spoken_phrase_has_a_chinese_translation():
    records = load_speech(data_path("speech"))
    translations = {text: chinese.phrase(text) for text in set(records.texts)}
    assert len(set(translations.values())) == len(translations)  # no two phrases share a translation
    assert all(not re.search("[A-Za-z]", text) for text in translations.values())
    assert translations["two circles"] == "两个圆形" and translations["two"] == "二"
    for bad in ("two", "red"), "a red circle", "eleven", "large two circle":
        with pytest.raises(ValueError, match="spoken phrases"):
            chinese.phrase(bad if isinstance(bad, str) else " ".join(bad))
