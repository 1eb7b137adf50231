import keras
import numpy as np
import pytest

from mmkeras.layers import ModalityEmbedding
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_adds_the_row_of_each_tokens_modality(rng):
    layer = ModalityEmbedding(3)
    x = rng.normal(size=(2, 4, 5)).astype("float32")
    ids = np.array([[0, 0, 1, 2], [2, 1, 1, 0]], "int32")
    out = numpy(layer(x, modality=ids))
    table = numpy(layer.embeddings)
    np.testing.assert_allclose(out, x + table[ids], rtol=1e-6)
    np.testing.assert_allclose(numpy(layer(x, modality=1)), x + table[1], rtol=1e-6)


def test_serialization_saving_training_and_mask(rng, tmp_path):
    layer = ModalityEmbedding(2)
    x = rng.normal(size=(2, 4, 5)).astype("float32")
    ids = np.array([[0, 0, 1, 1]] * 2, "int32")
    features, modality = keras.Input((4, 5)), keras.Input((4,), dtype="int32")
    model = keras.Model([features, modality], layer(features, modality=modality))
    check_symbolic_matches_eager(model, [x, ids])
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, [x, ids], tmp_path)
    check_training_step(model, [x, ids], np.zeros((2, 4, 5), "float32"))
    tokens = keras.Input((5,), dtype="int32")
    embedded = ModalityEmbedding(2)(keras.layers.Embedding(9, 3, mask_zero=True)(tokens), modality=1)
    assert embedded._keras_mask is not None


def test_errors_name_what_was_received():
    layer = ModalityEmbedding(2)
    with pytest.raises(ValueError, match=r"in \[0, 2\). Received: modality=2"):
        layer(np.zeros((1, 3, 4), "float32"), modality=2)
    with pytest.raises(ValueError, match="int tensor"):
        layer(np.zeros((1, 3, 4), "float32"), modality=np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        layer(np.zeros((3, 4), "float32"))
