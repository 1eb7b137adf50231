import keras
import numpy as np
import pytest

from mmkeras.layers import BatchGroups
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
ITEMS = RNG.normal(size=(2, 3, 4)).astype("float32")  # 2 examples, 3 items each
FEATURES = RNG.normal(size=(2, 5)).astype("float32")  # one feature row per example


def test_merge_puts_each_examples_items_side_by_side_and_split_undoes_it():
    merged = keras.ops.convert_to_numpy(BatchGroups(3, "merge")(ITEMS))
    assert merged.shape == (6, 4)
    np.testing.assert_array_equal(merged[3:6], ITEMS[1])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(BatchGroups(3, "split")(merged)), ITEMS)


def test_repeat_lines_each_example_up_with_its_merged_items():
    repeated = keras.ops.convert_to_numpy(BatchGroups(3, "repeat")(FEATURES))
    assert repeated.shape == (6, 5)
    for row in range(6):
        np.testing.assert_array_equal(repeated[row], FEATURES[row // 3])


def test_output_shapes():
    assert BatchGroups(3, "merge").compute_output_shape((None, 3, 7, 2)) == (None, 7, 2)
    assert BatchGroups(3, "merge").compute_output_shape((4, 3, 7)) == (12, 7)
    assert BatchGroups(3, "repeat").compute_output_shape((4, 36, 8)) == (12, 36, 8)
    assert BatchGroups(3, "split").compute_output_shape((12, 19)) == (4, 3, 19)
    assert BatchGroups(3, "split").compute_output_shape((None, 19)) == (None, 3, 19)


def test_in_a_model_items_share_their_examples_features(tmp_path):
    items, features = keras.Input((3, 4)), keras.Input((5,))
    merged = BatchGroups(3, "merge")(items)
    shared = BatchGroups(3, "repeat")(features)
    scores = keras.layers.Dense(2)(keras.layers.Concatenate()([merged, shared]))
    model = keras.Model([items, features], BatchGroups(3, "split")(scores))
    assert tuple(model.output.shape) == (None, 3, 2)
    check_symbolic_matches_eager(model, [ITEMS, FEATURES])
    check_config_round_trip(BatchGroups(3, "split"))
    check_saved_model_round_trip(model, [ITEMS, FEATURES], tmp_path)
    check_training_step(model, [ITEMS, FEATURES], np.zeros((2, 3, 2), "float32"))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"group_size": 0, "mode": "merge"}, "group_size=0"),
        ({"group_size": 2.0, "mode": "merge"}, "group_size=2.0"),
        ({"group_size": 2, "mode": "flatten"}, "mode='flatten'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BatchGroups(**kwargs)


@pytest.mark.parametrize(
    "mode, inputs, match",
    [
        ("merge", ITEMS, r"group_size=4.*4 items per example on axis 1.*Received shape \(2, 3, 4\)"),
        ("merge", FEATURES, r"rank >= 3.*Received shape \(2, 5\)"),
        ("split", FEATURES[:, 0], r"rank >= 2.*Received shape \(2,\)"),
        ("split", np.zeros((6, 2), "float32"), r"multiple of 4.*Received shape \(6, 2\)"),
    ],
)
def test_bad_inputs(mode, inputs, match):
    with pytest.raises(ValueError, match=match):
        BatchGroups(4, mode)(inputs)


@pytest.mark.parametrize("mode", ["merge", "repeat", "split"])
def test_regrouping_keeps_the_dtype_in_a_functional_model(mode):
    ids = keras.Input((2, 6), dtype="int32")
    assert keras.backend.standardize_dtype(BatchGroups(2, mode)(ids).dtype) == "int32"
