import keras
import numpy as np
import pytest

from mmkeras.pretrained import WeightAssigner


@pytest.fixture
def layer():
    dense = keras.layers.Dense(2, name="dense")
    dense.build((None, 3))
    return dense


def test_every_weight_set_once_with_its_shape_completes(layer):
    assign = WeightAssigner(layer, "checkpoint.pth")
    assign("dense/kernel", np.arange(6).reshape(3, 2))
    assign("dense/bias", [5, 6])
    assign.check_complete()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.kernel), np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.bias), [5, 6])


def test_a_wrong_shape_an_unknown_weight_and_a_forgotten_one_are_named(layer):
    assign = WeightAssigner(layer, "checkpoint.pth", "The checkpoint is another size.")
    with pytest.raises(ValueError, match=r"checkpoint.pth: the weight for dense/bias has shape \(3,\); the model "
                                         r"expects \(2,\). The checkpoint is another size."):
        assign("dense/bias", np.zeros(3))
    with pytest.raises(KeyError, match="the model has no weight 'dense/gamma'"):
        assign("dense/gamma", np.zeros(2))
    assign("dense/bias", np.zeros(2))
    with pytest.raises(ValueError, match=r"checkpoint.pth left 1 model weights unset, e.g. \['dense/kernel'\]"):
        assign.check_complete()
