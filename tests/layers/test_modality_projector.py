import keras
import numpy as np
import pytest

from mmkeras.layers import ModalityProjector
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step


def test_is_a_two_layer_mlp_on_every_token(rng):
    layer = ModalityProjector(output_dim=6, hidden_dim=10, activation="relu")
    tokens = rng.normal(size=(2, 4, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(tokens))
    w1, b1, w2, b2 = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    np.testing.assert_allclose(out, np.maximum(tokens @ w1 + b1, 0) @ w2 + b2, rtol=1e-5, atol=1e-5)
    assert keras.ops.convert_to_numpy(layer(tokens[:, 0])).shape == (2, 6)


def test_serialization_saving_training_and_mask(rng, tmp_path):
    layer = ModalityProjector(8)
    tokens = rng.normal(size=(2, 4, 3)).astype("float32")
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, layer(inputs))
    check_symbolic_matches_eager(model, tokens)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, tokens, tmp_path)
    check_training_step(model, tokens, np.zeros((2, 4, 8), "float32"))
    ids = keras.Input((5,), dtype="int32")
    projected = ModalityProjector(4)(keras.layers.Embedding(9, 3, mask_zero=True)(ids))
    assert projected._keras_mask is not None


def test_errors():
    with pytest.raises(ValueError, match="rank 2 or 3"):
        ModalityProjector(4)(np.zeros((1, 2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="hidden_dim=0"):
        ModalityProjector(4, hidden_dim=0)
