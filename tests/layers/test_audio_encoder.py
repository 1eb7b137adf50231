import keras
import numpy as np
import pytest

from mmkeras.layers import AudioEncoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

FEATURES = np.random.default_rng(0).normal(size=(3, 20, 8)).astype("float32")


def model_around(layer, frames=20):
    inputs = keras.Input((frames, 8))
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("output", ["sequence", "vector"])
def test_shapes_serialization_and_training(output, tmp_path):
    layer = AudioEncoder(filters=(6, 6), kernel_size=3, strides=(1, 2), recurrent_units=4, output=output,
                         output_dim=5, dropout=0.1)
    expected = (3, 10, 5) if output == "sequence" else (3, 5)
    assert layer.compute_output_shape((3, 20, 8)) == expected
    model = model_around(layer)
    check_symbolic_matches_eager(model, FEATURES)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, FEATURES, tmp_path)
    check_training_step(model, FEATURES, np.zeros(expected, "float32"))


def test_output_lengths_follow_the_strides():
    layer = AudioEncoder(filters=(4, 4, 4), strides=(2, 1, 2))
    assert layer.output_lengths(20) == 5 and layer.output_lengths(21) == 6
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.output_lengths(np.array([20, 21, 1]))), [5, 6, 1])
    assert layer(FEATURES).shape == (3, 5, 4)
    assert layer.compute_output_shape((None, None, 8)) == (None, None, 4)


@pytest.mark.parametrize("pooling", ["avg", "max"])
@pytest.mark.parametrize("extra_frames", [7, 8])
def test_padding_frames_do_not_change_the_encoding(pooling, extra_frames):
    # Wide kernels and strides: the padding must neither leak into the last
    # real frames nor, by the parity of the padded length, shift the grid
    # of frames a strided convolution keeps.
    keras.utils.set_random_seed(0)
    short = FEATURES[:, :13]
    noise = np.random.default_rng(1).normal(size=(3, extra_frames, 8)).astype("float32")
    padded = np.concatenate([short, noise], axis=1)
    mask = np.repeat(np.arange(padded.shape[1])[None, :] < 13, 3, axis=0)
    vector = AudioEncoder(filters=(4, 4), kernel_size=5, strides=(2, 2), recurrent_units=3, output="vector",
                          pooling=pooling)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(vector(padded, mask=mask)),
                               keras.ops.convert_to_numpy(vector(short)), rtol=1e-5, atol=1e-6)
    sequence = AudioEncoder(filters=(4, 4), kernel_size=5, strides=(1, 2), recurrent_units=3)
    kept = sequence.output_lengths(13)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(sequence(padded, mask=mask))[:, :kept],
                               keras.ops.convert_to_numpy(sequence(short)), rtol=1e-5, atol=1e-6)


def test_sequence_output_carries_the_shortened_mask():
    layer = AudioEncoder(filters=(4, 4), strides=(2, 2))
    mask = np.arange(20)[None, :] < np.array([[20], [9], [4]])
    assert keras.ops.convert_to_numpy(layer.compute_mask(FEATURES, mask)).sum(1).tolist() == [5, 3, 1]
    assert layer.compute_mask(FEATURES, None) is None


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"`features` of rank 3.*Received shape \(3, 20\)"):
        AudioEncoder()(FEATURES[..., 0])
    with pytest.raises(ValueError, match="one stride per block"):
        AudioEncoder(filters=(4, 4), strides=(1, 2, 2))
    with pytest.raises(ValueError, match="output='spectrogram'"):
        AudioEncoder(output="spectrogram")
    with pytest.raises(ValueError, match="filters"):
        AudioEncoder(filters=8)
