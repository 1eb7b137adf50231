"""PositionEmbedding and TransformerEncoder."""

import keras
import numpy as np
import pytest

from mmkeras.layers import PositionEmbedding
from mmkeras.layers import TransformerEncoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_position_embedding_adds_the_first_rows(tmp_path, rng):
    layer = PositionEmbedding(max_length=6)
    x = rng.random((2, 4, 3)).astype("float32")
    out = numpy(layer(x))
    np.testing.assert_allclose(out, x + numpy(layer.positions)[None, :4], rtol=1e-6)
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, layer(inputs))
    check_symbolic_matches_eager(model, x)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, x, tmp_path)
    check_training_step(model, x, np.zeros((2, 4, 3), "float32"))


def test_position_embedding_passes_the_mask_and_checks_length():
    tokens = keras.Input((5,), dtype="int32")
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    positioned = PositionEmbedding(5)(embedded)
    assert positioned._keras_mask is not None
    with pytest.raises(ValueError, match="max_length=4 and received a sequence of length 5"):
        PositionEmbedding(4)(np.zeros((1, 5, 2), "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        PositionEmbedding(4)(np.zeros((1, 5), "float32"))


def test_transformer_encoder_shapes_serialization_training(tmp_path, rng):
    layer = TransformerEncoder(num_heads=2, intermediate_dim=16, dropout=0.1)
    x = rng.random((2, 5, 8)).astype("float32")
    inputs = keras.Input((5, 8))
    model = keras.Model(inputs, layer(inputs))
    check_symbolic_matches_eager(model, x)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, x, tmp_path)
    check_training_step(model, x, np.zeros((2, 5, 8), "float32"))


def test_transformer_encoder_ignores_padding(rng):
    block = TransformerEncoder(num_heads=2, intermediate_dim=16)
    x = rng.random((1, 3, 8)).astype("float32")
    padded = np.concatenate([x, 50 * rng.random((1, 4, 8)).astype("float32")], axis=1)
    mask = np.array([[True] * 3 + [False] * 4])
    np.testing.assert_allclose(
        numpy(block(padded, padding_mask=mask))[:, :3], numpy(block(x)), rtol=1e-5, atol=1e-5
    )
    tokens = keras.Input((None,), dtype="int32")
    embedding = keras.layers.Embedding(20, 8, mask_zero=True)
    model = keras.Model(tokens, block(embedding(tokens)))
    short = numpy(model(np.array([[4, 5, 6]])))
    long = numpy(model(np.array([[4, 5, 6, 0, 0]])))
    np.testing.assert_allclose(long[:, :3], short, rtol=1e-5, atol=1e-5)


def test_transformer_encoder_returns_attention_weights_that_skip_padding(rng):
    block = TransformerEncoder(num_heads=2, intermediate_dim=16)
    x = rng.random((2, 5, 8)).astype("float32")
    mask = np.array([[True] * 5, [True] * 3 + [False] * 2])
    outputs, weights = block(x, padding_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(numpy(outputs), numpy(block(x, padding_mask=mask)), rtol=1e-5, atol=1e-6)
    weights = numpy(weights)
    assert weights.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(weights[1, :, :3, 3:] == 0)


def test_transformer_encoder_by_hand_without_attention_effect():
    # With one token, attention returns that token's value projection; zero
    # the value/output projections and the feed-forward, and the block
    # reduces to two layer norms of the input.
    block = TransformerEncoder(num_heads=1, intermediate_dim=4, layer_norm_epsilon=1e-6)
    x = np.array([[[1.0, 2.0, 3.0, 6.0]]], "float32")
    block(x)
    for weight in block.attention.value_dense.weights + block.output_dense.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    normed = (x - x.mean()) / np.sqrt(x.var() + 1e-6)
    np.testing.assert_allclose(numpy(block(x)), normed, rtol=1e-4, atol=1e-4)


def test_transformer_encoder_errors():
    with pytest.raises(ValueError, match="divisible by num_heads=3"):
        TransformerEncoder(3, 8)(np.zeros((1, 4, 8), "float32"))
    with pytest.raises(ValueError, match="`intermediate_dim` must be a positive int"):
        TransformerEncoder(2, 0)
    with pytest.raises(ValueError, match="rank 3"):
        TransformerEncoder(2, 8)(np.zeros((4, 8), "float32"))
