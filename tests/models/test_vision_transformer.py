import keras
import numpy as np
import pytest

from mmkeras.models import build_vit_encoder


def test_the_vit_encoder_learns_a_colour_from_patches(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    # The colour of one bright 4x4 square at a random place on a dark 16x16 image.
    labels = rng.integers(0, 3, size=256)
    images = np.zeros((256, 16, 16, 3), "float32")
    for image, label, (row, column) in zip(images, labels, rng.integers(0, 12, size=(256, 2))):
        image[row:row + 4, column:column + 4, label] = 1.0
    encoder = build_vit_encoder(16, patch_size=4, hidden_dim=16, num_layers=1, num_heads=2, intermediate_dim=32,
                                dropout=0.0)
    assert encoder.output_shape == (None, 16)
    model = keras.Sequential([encoder, keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9, history.history["accuracy"]
    encoder.save(tmp_path / "vit.keras")
    reloaded = keras.saving.load_model(tmp_path / "vit.keras", safe_mode=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(images[:4])),
                               keras.ops.convert_to_numpy(encoder(images[:4])), rtol=1e-5, atol=1e-6)


def test_an_image_size_that_is_not_a_multiple_of_the_patch_is_refused():
    with pytest.raises(ValueError, match="multiple"):
        build_vit_encoder(18, patch_size=4)
