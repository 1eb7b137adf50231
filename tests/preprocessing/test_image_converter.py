import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import convert_images
from mmkeras.preprocessing import read_image


def test_integers_are_scaled_floats_clipped_and_same_size_images_not_resampled(rng):
    images = rng.integers(0, 256, size=(2, 16, 16, 3), dtype=np.uint8)
    converter = ImageConverter(16)
    out = keras.ops.convert_to_numpy(converter(images))
    np.testing.assert_array_equal(out, images.astype("float32") / 255.0)
    floats = np.array([[[[-0.5, 0.5, 1.5]]]], "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ImageConverter(1)(floats)), [[[[0.0, 0.5, 1.0]]]])


def test_any_size_and_channel_count_becomes_the_models_rgb_square(rng):
    converter = ImageConverter(8)
    grey = np.full((1, 30, 20, 1), 255, np.uint8)
    rgba = np.concatenate([np.zeros((30, 20, 3), np.uint8), np.full((30, 20, 1), 255, np.uint8)], axis=-1)
    assert tuple(converter(grey).shape) == (1, 8, 8, 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(converter(grey)), 1.0, atol=1e-6)
    one = converter(rgba)
    assert tuple(one.shape) == (8, 8, 3) and float(keras.ops.max(one)) == 0.0
    assert converter.compute_output_shape((None, 30, 20, 4)) == (None, 8, 8, 3)


def test_runs_in_tf_data_and_in_a_model_graph_and_round_trips_its_config(rng):
    converter = ImageConverter(12, interpolation="nearest", antialias=False)
    dataset = tf.data.Dataset.from_tensor_slices(rng.integers(0, 256, (4, 20, 20, 3), dtype=np.uint8)).batch(2)
    assert next(iter(dataset.map(converter))).shape == (2, 12, 12, 3)
    inputs = keras.Input((None, None, 3), dtype="uint8")
    model = keras.Model(inputs, converter(inputs))
    assert tuple(model(np.zeros((1, 40, 30, 3), np.uint8)).shape) == (1, 12, 12, 3)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(converter)))
    clone = keras.saving.deserialize_keras_object(config)
    assert clone.get_config() == converter.get_config()


def test_files_of_different_sizes_become_one_batch(tmp_path):
    paths = []
    for i, (height, width) in enumerate(((20, 30), (50, 10))):
        paths.append(tmp_path / f"{i}.png")
        tf.io.write_file(str(paths[-1]), tf.io.encode_png(np.full((height, width, 3), 255, np.uint8)))
    converter = ImageConverter(16)
    assert read_image(paths[1]).shape == (50, 10, 3)
    assert tuple(convert_images(paths, converter).shape) == (2, 16, 16, 3)
    from_bytes = convert_images([tf.io.read_file(str(p)).numpy() for p in paths], converter)
    from_tensor = convert_images(tf.constant([str(p) for p in paths]), converter)
    np.testing.assert_array_equal(from_bytes.numpy(), from_tensor.numpy())


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="image_size=0"):
        ImageConverter(0)
    with pytest.raises(ValueError, match="interpolation='cubic'"):
        ImageConverter(8, interpolation="cubic")
    converter = ImageConverter(8)
    with pytest.raises(ValueError, match=r"Received shape \(8, 8\)"):
        converter(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="channels-first"):
        converter(np.zeros((1, 3, 8, 8)))
    with pytest.raises(TypeError, match="dtype bool"):
        converter(np.zeros((1, 8, 8, 3), bool))
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        read_image(tmp_path / "nowhere.png")
    with pytest.raises(TypeError, match="wrap a single path"):
        convert_images("photo.png", converter)
