import gc

import keras
import numpy as np
import pytest

from mmkeras.training import quantize_model


def _model():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                             keras.layers.Dense(3, name="head")])


def test_it_quantizes_as_keras_does_and_leaves_no_object_frozen():
    mine, theirs = _model(), _model()
    theirs.set_weights(mine.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    before = mine.predict(x, verbose=0)
    assert quantize_model(mine, "int8") is mine
    theirs.quantize("int8")
    assert [layer.quantization_mode for layer in mine.layers] == ["int8", "int8"]
    assert len(mine.weights) == len(theirs.weights)
    for a, b in zip(mine.weights, theirs.weights):
        assert a.name == b.name and a.dtype == b.dtype
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    np.testing.assert_allclose(mine.predict(x, verbose=0), before, atol=0.05)
    assert gc.get_freeze_count() == 0


def test_the_garbage_collector_is_thawed_when_keras_refuses():
    with pytest.raises(ValueError, match="bogus"):
        quantize_model(_model(), "bogus")
    assert gc.get_freeze_count() == 0


def test_a_non_model_is_refused_by_name():
    with pytest.raises(TypeError, match="must be a keras.Model. Received: Dense"):
        quantize_model(keras.layers.Dense(2), "int8")
