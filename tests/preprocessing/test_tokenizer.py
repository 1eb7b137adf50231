import numpy as np
import pytest
import tensorflow as tf

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

    assert any("Whitespace" in op for op in op_types(tokenizer))
    assert not any("Whitespace" in op for op in op_types(portable))
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
