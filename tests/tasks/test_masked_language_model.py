import keras
import numpy as np
import pytest

from mmkeras.models import build_bert_encoder
from mmkeras.models import build_mlm_model
from mmkeras.preprocessing import WordPieceTokenizer
from mmkeras.tasks import MaskedLanguageModel
from mmkeras.tasks import MaskedLanguageModelPreprocessor

CORPUS = ["a red apple", "a yellow banana", "a green pear", "un citron jaune"] * 30


def small_task(mask_rate=0.5):
    tokenizer = WordPieceTokenizer.from_corpus(CORPUS, vocab_size=60)
    backbone = build_mlm_model(build_bert_encoder(tokenizer.vocabulary_size, 8, hidden_dim=32, num_layers=1,
                                                  num_heads=2, intermediate_dim=64, dropout=0.0))
    task = MaskedLanguageModel(backbone, MaskedLanguageModelPreprocessor(tokenizer, 8, mask_rate=mask_rate))
    task.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    return task


def test_fit_on_raw_texts_learns_to_fill_in_the_fruit_of_a_colour():
    task = small_task()
    task.fit(CORPUS, batch_size=40, epochs=30, verbose=0)
    filled, pieces = task.fill_mask(["a yellow [MASK]", "a [MASK] apple", "un citron [MASK]"], return_pieces=True)
    assert filled == ["a yellow banana", "a red apple", "un citron jaune"], (filled, pieces)
    assert pieces == [["banana"], ["red"], ["jaune"]]
    # The pretrained encoder goes on as a sentence-vector tower with the same weights.
    tower = task.text_tower()
    vectors = keras.ops.convert_to_numpy(tower(task.preprocessor.tokenize(["a red apple", "a green pear"])))
    assert vectors.shape == (2, 32) and not np.allclose(vectors[0], vectors[1])
    assert tower.get_layer("bert_encoder") is task.encoder


def test_masks_are_redrawn_every_call_and_only_regular_pieces_are_chosen():
    preprocessor = small_task(mask_rate=0.3).preprocessor
    first, original, weights = (t.numpy() for t in preprocessor(["a red apple a green pear"] * 50))
    second = preprocessor(["a red apple a green pear"] * 50)[0].numpy()
    assert not np.array_equal(first, second)
    regular = original >= 5
    assert weights[~regular].sum() == 0 and 0.2 < weights[regular].mean() < 0.4


def test_bad_inputs_are_named():
    task = small_task()
    with pytest.raises(ValueError, match="has no \\[MASK\\]"):
        task.fill_mask(["a red apple"])
    with pytest.raises(TypeError, match="wrap a single one"):
        task.fill_mask("a [MASK] apple")
    with pytest.raises(ValueError, match="pass no targets"):
        task.fit(CORPUS[:4], ["x"] * 4, epochs=1, verbose=0)
    with pytest.raises(TypeError, match="WordPieceTokenizer"):
        MaskedLanguageModelPreprocessor("not a tokenizer")
    with pytest.raises(ValueError, match="mask_rate=1.5"):
        MaskedLanguageModelPreprocessor(task.preprocessor.tokenizer, 8, mask_rate=1.5)
