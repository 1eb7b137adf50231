import keras
import numpy as np
import pytest

from mmkeras.layers import MaskedMeanPooling
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
SEQUENCE = RNG.normal(size=(3, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], bool)


def test_averages_only_the_real_positions():
    pooled = keras.ops.convert_to_numpy(MaskedMeanPooling()(SEQUENCE, mask=MASK))
    np.testing.assert_allclose(pooled[0], SEQUENCE[0, :2].mean(0), rtol=1e-6)
    np.testing.assert_allclose(pooled[1], SEQUENCE[1].mean(0), rtol=1e-6)
    np.testing.assert_array_equal(pooled[2], np.zeros(4))  # nothing real: zeros, not a division by zero


def test_without_a_mask_averages_every_position():
    pooled = keras.ops.convert_to_numpy(MaskedMeanPooling()(SEQUENCE))
    np.testing.assert_allclose(pooled, SEQUENCE.mean(1), rtol=1e-6)


def test_padding_does_not_change_the_sentence_vector():
    embedding = keras.layers.Embedding(10, 4, mask_zero=True)
    short, padded = np.array([[3, 7, 2]]), np.array([[3, 7, 2, 0, 0, 0, 0]])
    pool = MaskedMeanPooling()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pool(embedding(short))),
                               keras.ops.convert_to_numpy(pool(embedding(padded))), rtol=1e-6)


def test_in_a_model_takes_the_keras_mask_serializes_and_trains(tmp_path):
    ids = keras.Input((5,), dtype="int32")
    pooled = MaskedMeanPooling(name="pool")(keras.layers.Embedding(10, 4, mask_zero=True)(ids))
    model = keras.Model(ids, keras.layers.Dense(2)(pooled))
    inputs = RNG.integers(0, 10, (3, 5)).astype("int32")
    assert model.get_layer("pool").compute_output_shape((None, 5, 4)) == (None, 4)
    check_symbolic_matches_eager(model, inputs)
    check_config_round_trip(model.get_layer("pool"))
    check_saved_model_round_trip(model, inputs, tmp_path)
    check_training_step(model, inputs, np.zeros((3, 2), "float32"))


@pytest.mark.parametrize("shape", [(3, 4), (3, 5, 4, 2)])
def test_refuses_inputs_that_are_not_sequences(shape):
    with pytest.raises(ValueError, match=r"MaskedMeanPooling expects `inputs` of rank 3.*Received shape"):
        MaskedMeanPooling()(np.zeros(shape, "float32"))
