import subprocess
import sys

import numpy as np
import pytest

from mmkeras.layers import TextEncoder
from mmkeras.preprocessing import WordTokenizer
from mmkeras.preprocessing import embedding_matrix
from mmkeras.preprocessing import load_word2vec_text
from mmkeras.preprocessing import save_word2vec_text
from mmkeras.preprocessing import train_word2vec

SENTENCES = [
    "a red circle above a blue square".split(),
    "a green triangle left of a red circle".split(),
    "the blue square is large".split(),
] * 20


def test_same_seed_same_vectors_even_in_another_process(tmp_path):
    first = train_word2vec(SENTENCES, vector_size=8, epochs=5, seed=3)
    again = train_word2vec(SENTENCES, vector_size=8, epochs=5, seed=3)
    np.testing.assert_array_equal(first["circle"], again["circle"])
    assert not np.allclose(first["circle"], train_word2vec(SENTENCES, vector_size=8, epochs=5, seed=4)["circle"])
    # Python's str hash is salted per process; the vectors must not depend on it.
    script = (
        "from mmkeras.preprocessing import train_word2vec\n"
        f"print(repr(train_word2vec({SENTENCES!r}, vector_size=8, epochs=5, seed=3)['circle'].tolist()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "123", "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
    ).stdout.strip().splitlines()[-1]
    np.testing.assert_allclose(eval(out), first["circle"].tolist(), rtol=1e-6)


def test_skip_gram_and_cbow_differ_and_both_learn():
    skip_gram = train_word2vec(SENTENCES, skip_gram=True, vector_size=8, seed=0)
    cbow = train_word2vec(SENTENCES, skip_gram=False, vector_size=8, seed=0)
    assert not np.allclose(skip_gram["red"], cbow["red"])
    assert set(skip_gram.key_to_index) == set(cbow.key_to_index)


def test_matrix_rows_follow_the_tokenizer_ids():
    vectors = train_word2vec(SENTENCES, vector_size=8, epochs=2, seed=0)
    tokenizer = WordTokenizer(["circle", "red", "zebra"])
    matrix, found = embedding_matrix(vectors, tokenizer.vocabulary, unknown="zeros")
    assert matrix.shape == (7, 8) and matrix.dtype == np.float32
    # gensim's row 0 is its most frequent word; ours is padding.
    assert vectors.index_to_key[0] != "[PAD]"
    np.testing.assert_array_equal(matrix[0], 0.0)
    np.testing.assert_array_equal(matrix[tokenizer.vocabulary.index("circle")], vectors["circle"])
    np.testing.assert_array_equal(matrix[tokenizer.vocabulary.index("red")], vectors["red"])
    assert found.tolist() == [False, False, False, False, True, True, False]
    np.testing.assert_array_equal(matrix[6], 0.0)
    random_rows, _ = embedding_matrix(vectors, tokenizer.vocabulary, unknown="random", seed=1)
    assert np.abs(random_rows[6]).sum() > 0 and np.abs(random_rows[0]).sum() == 0


def test_text_format_round_trip_and_bad_file(tmp_path):
    vectors = train_word2vec(SENTENCES, vector_size=4, epochs=1)
    path = tmp_path / "vectors.txt"
    save_word2vec_text(vectors, path)
    assert path.read_text().splitlines()[0] == f"{len(vectors)} 4"
    loaded = load_word2vec_text(path)
    np.testing.assert_allclose(loaded["square"], vectors["square"], rtol=1e-5)
    glove_style = tmp_path / "glove.txt"
    glove_style.write_text("red 0.1 0.2\nblue 0.3 0.4\n")
    with pytest.raises(ValueError, match="no_header=True"):
        load_word2vec_text(glove_style)
    glove = load_word2vec_text(glove_style, no_header=True)
    np.testing.assert_allclose(glove["blue"], [0.3, 0.4], rtol=1e-6)
    assert glove.index_to_key == ["red", "blue"]


def test_text_encoder_takes_the_matrix_as_weights_frozen_or_not(tmp_path):
    vectors = train_word2vec(SENTENCES, vector_size=8, epochs=2)
    tokenizer = WordTokenizer.from_corpus([" ".join(s) for s in SENTENCES[:3]])
    matrix, _ = embedding_matrix(vectors, tokenizer.vocabulary)
    frozen = TextEncoder(tokenizer.vocabulary_size, 8, 4, freeze_embeddings=True)
    frozen.set_embedding_matrix(matrix)
    np.testing.assert_array_equal(frozen.embedding.embeddings.numpy(), matrix)
    assert "Constant" not in str(frozen.get_config())
    ids = tokenizer(["a red circle"], 6).numpy()
    import keras

    inputs = keras.Input((6,), dtype="int32")
    model = keras.Model(inputs, frozen(inputs))
    model.compile("adam", "mse")
    model.train_on_batch(ids, np.ones((1, 4)))
    np.testing.assert_array_equal(frozen.embedding.embeddings.numpy(), matrix)
    assert len(model.trainable_weights) == 3  # the LSTM only
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert len(reloaded.trainable_weights) == 3
    tuned = TextEncoder(tokenizer.vocabulary_size, 8, 4)
    tuned.set_embedding_matrix(matrix)
    assert len(tuned.trainable_weights) == 1  # built: the embedding, now trainable
    with pytest.raises(ValueError, match=r"shape \(\d+, 8\).*Received shape \(3, 8\)"):
        tuned.set_embedding_matrix(matrix[:3])


def test_errors():
    with pytest.raises(ValueError, match="list of token lists"):
        train_word2vec(["a red circle"])
    vectors = train_word2vec(SENTENCES, vector_size=4, epochs=1)
    with pytest.raises(ValueError, match="`unknown` must be"):
        embedding_matrix(vectors, ["[PAD]"], unknown="mean")
