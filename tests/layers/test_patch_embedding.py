import keras
import numpy as np
import pytest

from mmkeras.layers import PatchEmbedding
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_each_token_is_its_patch_projected_plus_its_row_and_column(rng):
    layer = PatchEmbedding(patch_size=4, hidden_dim=5)
    images = rng.random((2, 8, 12, 3)).astype("float32")
    tokens = numpy(layer(images))
    assert tokens.shape == (2, 2 * 3, 5)
    kernel, bias = (numpy(w) for w in layer.projection.weights)
    rows, columns = numpy(layer.row_positions), numpy(layer.column_positions)
    for b in range(2):
        for i in range(2):
            for j in range(3):
                patch = images[b, 4 * i:4 * i + 4, 4 * j:4 * j + 4]
                expected = np.einsum("hwc,hwcd->d", patch, kernel) + bias + rows[i] + columns[j]
                np.testing.assert_allclose(tokens[b, 3 * i + j], expected, rtol=1e-5, atol=1e-5)


def test_class_token_comes_first_and_is_the_same_for_every_image(rng):
    layer = PatchEmbedding(patch_size=4, hidden_dim=6, class_token=True)
    tokens = numpy(layer(rng.random((3, 8, 8, 3)).astype("float32")))
    assert tokens.shape == (3, 5, 6)
    np.testing.assert_allclose(tokens[:, 0], np.broadcast_to(numpy(layer.class_embedding), (3, 6)))
    assert not np.allclose(tokens[0, 1:], tokens[1, 1:])


def test_serialization_saving_and_training(rng, tmp_path):
    layer = PatchEmbedding(patch_size=4, hidden_dim=8, class_token=True)
    images = rng.random((2, 16, 16, 3)).astype("float32")
    inputs = keras.Input((16, 16, 3))
    model = keras.Model(inputs, layer(inputs))
    assert model.output.shape == (None, 17, 8)
    check_symbolic_matches_eager(model, images)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, images, tmp_path)
    check_training_step(model, images, np.zeros((2, 17, 8), "float32"))


def test_errors_name_the_shape_and_the_patch_size():
    with pytest.raises(ValueError, match=r"multiples of 5. Received shape \(1, 16, 16, 3\)"):
        PatchEmbedding(5, 8)(np.zeros((1, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="rank 4"):
        PatchEmbedding(4, 8)(np.zeros((1, 16, 16), "float32"))
    with pytest.raises(ValueError, match="known size"):
        PatchEmbedding(4, 8)(keras.Input((None, None, 3)))
    with pytest.raises(ValueError, match="patch_size=0"):
        PatchEmbedding(0, 8)
    with pytest.raises(TypeError, match="class_token=1"):
        PatchEmbedding(4, 8, class_token=1)
