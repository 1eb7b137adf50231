import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mmkeras.preprocessing import RESERVED_TOKENS
from mmkeras.preprocessing import WordTokenizer

CORPUS = ["a red circle", "A blue square!", "a red square?"]


def test_vocabulary_is_frequency_then_alphabetical_after_reserved_tokens():
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    assert tokenizer.vocabulary == list(RESERVED_TOKENS) + ["a", "red", "square", "blue", "circle"]
    assert WordTokenizer.from_corpus(CORPUS, max_words=2).vocabulary_size == 6
    assert "blue" not in WordTokenizer.from_corpus(CORPUS, min_count=2).vocabulary


def test_ids_padding_truncation_and_unknown_words():
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    ids = tokenizer(["a red circle", "a green triangle"], sequence_length=6).numpy()
    np.testing.assert_array_equal(ids, [[2, 4, 5, 8, 3, 0], [2, 4, 1, 1, 3, 0]])
    truncated = tokenizer(["a red square blue circle"], sequence_length=4).numpy()
    np.testing.assert_array_equal(truncated, [[2, 4, 5, 3]])
    no_markers = tokenizer("Red, RED red", sequence_length=4, add_start_end=False).numpy()
    np.testing.assert_array_equal(no_markers, [5, 5, 5, 0])


def test_detokenize_inverts_tokenize_for_known_words():
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    ids = tokenizer(["a blue circle", "red"], sequence_length=8)
    assert [t.decode() for t in tokenizer.detokenize(ids).numpy()] == ["a blue circle", "red"]
    # Everything after [END] is ignored.
    assert tokenizer.detokenize([2, 4, 3, 5, 5]).numpy().decode() == "a"


def test_works_inside_tf_data():
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    ds = tf.data.Dataset.from_tensor_slices(CORPUS).batch(3).map(lambda t: tokenizer(t, 5))
    assert next(iter(ds)).shape == (3, 5)


def test_save_and_load_round_trip(tmp_path):
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    path = tmp_path / "vocab.txt"
    tokenizer.save(path)
    assert path.read_text().splitlines()[:4] == list(RESERVED_TOKENS)
    loaded = WordTokenizer.load(path)
    assert loaded.vocabulary == tokenizer.vocabulary
    np.testing.assert_array_equal(loaded(CORPUS, 6).numpy(), tokenizer(CORPUS, 6).numpy())


def test_portable_tokenizer_gives_the_same_ids_with_core_ops_only(tmp_path):
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    portable = WordTokenizer(tokenizer.vocabulary[len(RESERVED_TOKENS):], portable=True)
    awkward = ["  a\tred\n\ncircle  ", "Blue—square…", "ÉCLAIR red", "", "?!", "a\u00a0blue\u2003square"]
    np.testing.assert_array_equal(portable(awkward, 7).numpy(), tokenizer(awkward, 7).numpy())
    tokenizer.save(tmp_path / "vocab.txt")
    assert WordTokenizer.load(tmp_path / "vocab.txt", portable=True).portable

    def op_types(tok):
        graph = tf.function(lambda t: tok(t, 7)).get_concrete_function(tf.TensorSpec([None], tf.string)).graph
        return {op.type for op in graph.get_operations()}

    tensorflow_text_ops = {"NormalizeUTF8", "CaseFoldUTF8"}
    assert tensorflow_text_ops <= op_types(tokenizer)
    assert not tensorflow_text_ops & op_types(portable)
    with pytest.raises(TypeError, match="portable=1"):
        WordTokenizer(["red"], portable=1)


def test_errors(tmp_path):
    with pytest.raises(ValueError, match=r"bad entries: \['two words'\]"):
        WordTokenizer(["two words"])
    with pytest.raises(ValueError, match=r"duplicates: \['red'\]"):
        WordTokenizer(["red", "red"])
    with pytest.raises(TypeError, match="not a single string"):
        WordTokenizer.from_corpus("a red circle")
    with pytest.raises(ValueError, match="empty"):
        WordTokenizer.from_corpus([])
    tokenizer = WordTokenizer.from_corpus(CORPUS)
    with pytest.raises(ValueError, match="sequence_length=0"):
        tokenizer(CORPUS, 0)
    with pytest.raises(TypeError, match="Received dtype int32"):
        tokenizer(tf.constant([1, 2]), 4)
    with pytest.raises(TypeError, match="must be integers"):
        tokenizer.detokenize([[0.5]])
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        WordTokenizer.load(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("red\nblue\n")
    with pytest.raises(ValueError, match="not a vocabulary written by WordTokenizer.save"):
        WordTokenizer.load(bad)


CHINESE = ["一个红色的圆在蓝色方块的左边", "两个绿色的三角形", "一个大的红色圆"]
MIXED = ["A red 圆 and a Café", "Straße ＡＢＣ naïve 三角形", "l'été, à Paris!"]


def test_text_is_normalised_not_stripped_to_ascii():
    tokenizer = WordTokenizer.from_corpus(["café"])
    assert [t.decode() for t in tokenizer.normalize(MIXED).numpy()] == [
        "a red 圆 and a café",
        "strasse abc naïve 三角形",
        "l'été à paris",
    ]
    # Chinese is one word a character, accents are kept.
    words = WordTokenizer.from_corpus(CHINESE + MIXED).vocabulary
    assert {"圆", "红", "三", "café", "naïve", "l'été", "à"} <= set(words)
    assert "caf" not in words and "" not in words
    assert tokenizer(["CAFÉ", "Café"], 3).numpy().tolist() == [[2, 4, 3], [2, 4, 3]]


@pytest.mark.parametrize("texts", [CORPUS, CHINESE, MIXED], ids=["english", "chinese", "mixed"])
@pytest.mark.parametrize("portable", [False, True], ids=["tensorflow_text", "portable"])
def test_detokenize_of_tokenize_is_the_normalised_text(texts, portable):
    tokenizer = WordTokenizer.from_corpus(texts, portable=portable)
    back = tokenizer.detokenize(tokenizer(texts, sequence_length=40)).numpy()
    expected = tokenizer.normalize(texts).numpy()
    assert back.tolist() == expected.tolist()
    assert all(len(t) > 0 for t in back)
    if texts is CHINESE:
        # No spaces come back between Chinese characters.
        assert [t.decode() for t in back] == CHINESE


def test_vocabulary_entries_that_no_text_can_reach_are_refused():
    with pytest.raises(ValueError, match=r"Received: \['Red', '红色'\]"):
        WordTokenizer(["Red", "红色", "blue"])


def test_config_round_trips_through_json_with_its_vocabulary():
    tokenizer = WordTokenizer.from_corpus(CHINESE + CORPUS, sequence_length=9, name="words")
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(tokenizer)))
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.vocabulary == tokenizer.vocabulary and restored.sequence_length == 9
    np.testing.assert_array_equal(restored(CHINESE).numpy(), tokenizer(CHINESE).numpy())


def test_vocabulary_saves_inside_a_keras_file(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class HoldsATokenizer(keras.Model):
        def __init__(self, tokenizer, **kwargs):
            super().__init__(**kwargs)
            self.tokenizer = tokenizer
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "tokenizer": keras.saving.serialize_keras_object(self.tokenizer)}

        @classmethod
        def from_config(cls, config):
            config["tokenizer"] = keras.saving.deserialize_keras_object(config["tokenizer"])
            return cls(**config)

    model = HoldsATokenizer(WordTokenizer.from_corpus(CHINESE + MIXED, sequence_length=12))
    model(np.zeros((1, 2)))
    path = tmp_path / "model.keras"
    model.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
    restored = keras.saving.load_model(path, safe_mode=True)
    texts = ["一个红色的圆", "naïve Café"]
    assert restored.tokenizer.vocabulary == model.tokenizer.vocabulary
    np.testing.assert_array_equal(restored.tokenizer(texts).numpy(), model.tokenizer(texts).numpy())


@pytest.mark.parametrize("portable", [False, True], ids=["tensorflow_text", "portable"])
@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Po", "So")), max_size=30))
def test_word_tokenizer_round_trips_any_text_to_its_normalised_form(portable, text):
    # Letters of every script, digits, spaces, punctuation and symbols (emoji among them).
    normalised = WordTokenizer(["x"], portable=portable).normalize([text]).numpy()[0]
    assume(normalised.strip())
    tokenizer = WordTokenizer.from_corpus([text], portable=portable)
    ids = tokenizer([text], sequence_length=len(text) + 2)
    assert tokenizer.detokenize(ids).numpy()[0] == normalised
