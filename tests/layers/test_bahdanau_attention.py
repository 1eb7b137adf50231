import keras
import numpy as np
import pytest

from mmkeras.layers import BahdanauAttention
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
QUERY = RNG.random((2, 4)).astype("float32")
VALUES = RNG.random((2, 5, 3)).astype("float32")


def model_around(layer):
    query, values = keras.Input((4,)), keras.Input((5, 3))
    return keras.Model([query, values], layer(query, values))


def test_shapes_serialization_and_training(tmp_path):
    layer = BahdanauAttention(units=6)
    assert layer.compute_output_shape((2, 4), (2, 5, 3)) == ((2, 3), (2, 5))
    model = model_around(layer)
    check_symbolic_matches_eager(model, [QUERY, VALUES])
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, [QUERY, VALUES], tmp_path)
    check_training_step(model, [QUERY, VALUES], [np.zeros((2, 3)), np.zeros((2, 5))])


def test_hand_computed_scores():
    # W1 = W2 = identity-like, no bias, w = ones: score_n = sum(tanh(v_n + q)).
    layer = BahdanauAttention(units=2, use_bias=False)
    layer.build((1, 2), (1, 2, 2))
    layer.values_projection.kernel.assign(np.eye(2, dtype="float32"))
    layer.query_projection.kernel.assign(np.eye(2, dtype="float32"))
    layer.score.kernel.assign(np.ones((2, 1), "float32"))
    query = np.array([[0.5, -0.5]], "float32")
    values = np.array([[[1.0, 0.0], [0.0, 2.0]]], "float32")
    scores = np.tanh(values[0] + query[0]).sum(-1)
    weights = np.exp(scores) / np.exp(scores).sum()
    context, got = layer(query, values)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got)[0], weights, rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(context)[0], weights @ values[0], rtol=1e-5
    )


def test_weights_sum_to_one_and_masked_values_get_zero():
    layer = BahdanauAttention(units=4)
    mask = np.array([[True, True, False, False, False], [True, True, True, True, True]])
    context, weights = layer(QUERY, VALUES, mask=mask)
    weights = keras.ops.convert_to_numpy(weights)
    np.testing.assert_allclose(weights.sum(-1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(weights[0, 2:], 0.0)
    # Masked values must not leak into the context, whatever they hold.
    poisoned = VALUES.copy()
    poisoned[0, 2:] = 1e6
    context_poisoned, _ = layer(QUERY, poisoned, mask=mask)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(context_poisoned)[0],
        keras.ops.convert_to_numpy(context)[0],
        rtol=1e-5,
    )


def test_fully_masked_row_gives_zeros_not_nan():
    layer = BahdanauAttention(units=4)
    context, weights = layer(QUERY, VALUES, mask=np.zeros((2, 5), bool))
    assert np.all(keras.ops.convert_to_numpy(weights) == 0)
    assert np.all(keras.ops.convert_to_numpy(context) == 0)


def test_bad_inputs():
    with pytest.raises(ValueError, match="units=0"):
        BahdanauAttention(units=0)
    with pytest.raises(ValueError, match=r"`query` of rank 2.*Received shape \(2, 1, 4\)"):
        BahdanauAttention(4)(QUERY[:, None], VALUES)
    with pytest.raises(ValueError, match=r"`values` of rank 3.*Received shape \(2, 15\)"):
        BahdanauAttention(4)(QUERY, VALUES.reshape(2, 15))


def test_a_mask_or_query_that_does_not_fit_the_values_is_named():
    layer = BahdanauAttention(4)
    with pytest.raises(ValueError, match=r"`mask` of shape \(batch, num_values\).*values shape \(2, 5, 3\).*"
                                         r"Received mask shape \(2, 4\)"):
        layer(QUERY, VALUES, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"batch sizes must agree.*query shape \(3, 4\).*values shape \(2, 5, 3\)"):
        layer(np.ones((3, 4), "float32"), VALUES)
    # A mask that fits is still honoured.
    _, weights = layer(QUERY, VALUES, mask=np.array([[1, 1, 0, 0, 0]] * 2, bool))
    assert np.all(keras.ops.convert_to_numpy(weights)[:, 2:] == 0)
