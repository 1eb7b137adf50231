import keras
import numpy as np
import pytest

from mmkeras.layers import VideoEncoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

CLIPS = np.random.default_rng(0).random((2, 6, 16, 16, 3)).astype("float32")


def model_around(layer):
    inputs = keras.Input((6, 16, 16, 3))
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("two_stream", [False, True])
def test_shapes_serialization_and_training(two_stream, tmp_path):
    layer = VideoEncoder(filters=(4, 6), two_stream=two_stream, pool_time=True, dropout=0.1)
    expected = (2, 12 if two_stream else 6)
    assert layer.compute_output_shape(CLIPS.shape) == expected
    model = model_around(layer)
    check_symbolic_matches_eager(model, CLIPS)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, CLIPS, tmp_path)
    check_training_step(model, CLIPS, np.zeros(expected, "float32"))
    assert VideoEncoder(filters=(4,), output_dim=7, two_stream=two_stream)(CLIPS).shape == (2, 7)


def test_motion_stream_sees_only_change():
    layer = VideoEncoder(filters=(4,), two_stream=True)
    still = np.repeat(CLIPS[:, :1], 6, axis=1)
    brighter = still + 0.3
    vectors, brighter_vectors = (keras.ops.convert_to_numpy(layer(x)) for x in (still, brighter))
    # A still clip has zero frame differences: the motion half is the same for any still clip.
    np.testing.assert_allclose(vectors[:, 4:], brighter_vectors[:, 4:], atol=1e-6)
    assert not np.allclose(vectors[:, :4], brighter_vectors[:, :4])
    moving = keras.ops.convert_to_numpy(layer(CLIPS))
    assert not np.allclose(moving[:, 4:], vectors[:, 4:])


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"`clips` of rank 5.*Received shape \(6, 16, 16, 3\)"):
        VideoEncoder()(CLIPS[0])
    with pytest.raises(ValueError, match="at least 2 frames"):
        VideoEncoder(two_stream=True)(CLIPS[:, :1])
    with pytest.raises(ValueError, match="at least 8"):
        VideoEncoder(filters=(4, 4, 4))(CLIPS[:, :, :4, :4])
    with pytest.raises(ValueError, match="dropout=1.5"):
        VideoEncoder(dropout=1.5)
