"""The world in Chinese: the same scenes as in English, natural Chinese, text the tokenizers keep."""

import re

import numpy as np
import pytest

from mmkeras.datasets import ANSWERS
from mmkeras.datasets import ANSWERS_ZH
from mmkeras.datasets import CATEGORIES_ZH
from mmkeras.datasets import answers
from mmkeras.datasets import chinese
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_shop
from mmkeras.preprocessing import WordTokenizer

LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def both():
    return make_scenes(200, seed=5, image_size=32, language="en"), make_scenes(200, seed=5, image_size=32, language="zh")


def test_the_chinese_world_is_deterministic():
    first, second = make_scenes(20, seed=9, image_size=32, language="zh"), make_scenes(20, seed=9, image_size=32, language="zh")
    assert first.captions == second.captions and first.questions == second.questions
    np.testing.assert_array_equal(first.images, second.images)
    assert make_scenes(20, seed=10, image_size=32, language="zh").captions != first.captions


def test_one_seed_gives_the_same_scenes_and_parallel_texts_in_both_languages(both):
    english, chinese_scenes = both
    np.testing.assert_array_equal(english.images, chinese_scenes.images)
    assert english.objects == chinese_scenes.objects
    assert [len(c) for c in english.captions] == [len(c) for c in chinese_scenes.captions]
    en_table, zh_table = english.qa_table(), chinese_scenes.qa_table()
    np.testing.assert_array_equal(en_table["answer_id"], zh_table["answer_id"])
    np.testing.assert_array_equal(en_table["type"], zh_table["type"])
    assert [ANSWERS_ZH[i] for i in zh_table["answer_id"]] == list(zh_table["answer"])
    assert chinese_scenes[3:5].language == "zh"


def test_chinese_texts_are_chinese_and_name_every_object(both):
    _, scenes = both
    for objects, captions, questions in zip(scenes.objects, scenes.captions, scenes.questions):
        texts = captions + [qa["question"] for qa in questions] + [qa["answer"] for qa in questions]
        assert not any(LATIN.search(text) for text in texts), texts
        for obj in objects:
            # Colour before the noun with 的, size fused to the shape: 红色的大圆形.
            assert f"{chinese.COLOR_WORDS[obj.color]}的{chinese.SIZE_WORDS[obj.size]}{chinese.SHAPE_WORDS[obj.shape]}" in captions[0]
        assert captions[2].startswith(chinese.COUNT_WORDS[len(objects)] + "物体：")
        assert all(qa["question"].endswith("？") for qa in questions)


def test_measure_words_and_yes_no_questions_read_as_chinese(both):
    _, scenes = both
    captions = [c for caps in scenes.captions for c in caps]
    questions = [qa for qs in scenes.questions for qa in qs]
    assert any("两个物体" in c for c in captions) and not any("二个" in c for c in captions)
    exists = [qa for qa in questions if qa["type"] == "exists"]
    assert exists and all(qa["question"].startswith("图中有") and qa["question"].endswith("吗？") for qa in exists)
    assert {qa["answer"] for qa in exists} == {"有", "没有"}


def test_chinese_texts_tokenize_into_characters_and_round_trip(both):
    _, scenes = both
    texts = [c for caps in scenes.captions for c in caps] + [qa["question"] for qs in scenes.questions for qa in qs]
    tokenizer = WordTokenizer.from_corpus(texts)
    ids = tokenizer(texts, sequence_length=40, add_start_end=False)
    decoded = [str(text, "utf-8") if isinstance(text, bytes) else text for text in tokenizer.detokenize(ids)]
    punctuation = re.compile(r"[，、：？]")
    assert decoded == [punctuation.sub("", text) for text in texts]
    # One token per character: the vocabulary is the world's characters, none unknown.
    characters = {ch for text in texts for ch in punctuation.sub("", text)}
    assert set(tokenizer.vocabulary) >= characters


def test_answers_keep_their_class_index_across_languages():
    assert len(ANSWERS_ZH) == len(ANSWERS) == len(set(ANSWERS_ZH))
    assert answers("zh")[ANSWERS.index("two")] == "两个"
    assert answers("en") is ANSWERS
    with pytest.raises(ValueError, match="language='fr'"):
        answers("fr")
    with pytest.raises(ValueError, match="language='english'"):
        make_scenes(1, language="english")


def test_the_shop_in_chinese_sells_the_same_products():
    english, shop = make_shop(60, seed=2, language="en"), make_shop(60, seed=2, language="zh")
    np.testing.assert_array_equal(english.images, shop.images)
    np.testing.assert_array_equal(english.categories, shop.categories)
    np.testing.assert_array_equal(english.ratings, shop.ratings)
    assert shop.category_names == [CATEGORIES_ZH[c] for c in english.categories]
    assert not any(LATIN.search(text) for text in shop.texts + shop.reviews)
    for text, obj in zip(shop.texts, shop.objects):
        assert chinese.COLOR_WORDS[obj.color] in text
    assert shop[:5].language == "zh"
    with pytest.raises(ValueError, match="language='zh-TW'"):
        make_shop(1, language="zh-TW")


def test_answer_word_refuses_what_is_not_an_answer():
    with pytest.raises(ValueError, match="'maybe' is not an answer"):
        chinese.answer_word("maybe")
