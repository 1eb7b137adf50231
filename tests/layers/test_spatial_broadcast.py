import keras
import numpy as np
import pytest

from mmkeras.layers import SpatialBroadcast
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
FEATURE_MAP = RNG.normal(size=(2, 3, 5, 4)).astype("float32")
VECTOR = RNG.normal(size=(2, 6)).astype("float32")


def test_every_position_gets_its_examples_vector():
    out = keras.ops.convert_to_numpy(SpatialBroadcast()([FEATURE_MAP, VECTOR]))
    assert out.shape == (2, 3, 5, 10)
    np.testing.assert_array_equal(out[..., :4], FEATURE_MAP)
    for example in range(2):
        np.testing.assert_array_equal(out[example, :, :, 4:], np.broadcast_to(VECTOR[example], (3, 5, 6)))


def test_in_a_model_serializes_and_trains(tmp_path):
    feature_map, vector = keras.Input((3, 5, 4)), keras.Input((6,))
    broadcast = SpatialBroadcast()
    assert broadcast.compute_output_shape(((None, None, None, 4), (None, 6))) == (None, None, None, 10)
    outputs = keras.layers.Conv2D(2, 1)(broadcast([feature_map, vector]))
    model = keras.Model([feature_map, vector], outputs)
    check_symbolic_matches_eager(model, [FEATURE_MAP, VECTOR])
    check_config_round_trip(broadcast)
    check_saved_model_round_trip(model, [FEATURE_MAP, VECTOR], tmp_path)
    check_training_step(model, [FEATURE_MAP, VECTOR], np.zeros((2, 3, 5, 2), "float32"))


@pytest.mark.parametrize(
    "inputs, match",
    [
        ([FEATURE_MAP], r"a list \[feature_map"),
        ([FEATURE_MAP[0], VECTOR], r"`feature_map` of rank 4.*Received shape \(3, 5, 4\)"),
        ([FEATURE_MAP, VECTOR[:, None]], r"`vector` of rank 2.*Received shape \(2, 1, 6\)"),
        ([FEATURE_MAP, VECTOR[:1]], r"one batch size.*\(2, 3, 5, 4\) and \(1, 6\)"),
    ],
)
def test_bad_inputs(inputs, match):
    with pytest.raises(ValueError, match=match):
        SpatialBroadcast()(inputs if len(inputs) > 1 else FEATURE_MAP)
