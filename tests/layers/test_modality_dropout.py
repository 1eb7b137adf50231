import keras
import numpy as np
import pytest

from mmkeras.layers import ModalityDropout
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip


def numpy(x):
    return keras.ops.convert_to_numpy(x)


IMAGE = np.ones((2000, 4, 4, 3), "float32")
TOKENS = np.full((2000, 5), 7, "int32")


def test_inference_passes_inputs_unchanged(tmp_path):
    layer = ModalityDropout(0.9, seed=3)
    image, tokens = layer([IMAGE[:4], TOKENS[:4]])
    np.testing.assert_array_equal(numpy(image), IMAGE[:4])
    np.testing.assert_array_equal(numpy(tokens), TOKENS[:4])
    check_config_round_trip(layer)
    inputs = [keras.Input((4, 4, 3)), keras.Input((5,), dtype="int32")]
    model = keras.Model(inputs, layer(inputs))
    assert [tuple(o.shape) for o in model.outputs] == [(None, 4, 4, 3), (None, 5)]
    assert model.outputs[1].dtype == "int32"
    check_saved_model_round_trip(model, [IMAGE[:4], TOKENS[:4]], tmp_path)


def test_training_drops_whole_modalities_at_the_rate_and_keeps_one():
    rate = 0.3
    image, tokens = ModalityDropout(rate, seed=1)([IMAGE, TOKENS], training=True)
    image, tokens = numpy(image), numpy(tokens)
    image_kept = image.reshape(len(image), -1).max(-1) > 0
    tokens_kept = tokens.max(-1) > 0
    # Whole examples: every value of a kept modality survives, unscaled.
    assert set(np.unique(image)) <= {0.0, 1.0} and set(np.unique(tokens)) <= {0, 7}
    assert np.all(image_kept | tokens_kept), "an example lost every modality"
    # P(dropped) = rate minus the rescued half of rows that lost both.
    expected = rate - rate * rate / 2
    assert abs((1 - image_kept.mean()) - expected) < 0.04
    assert abs((1 - tokens_kept.mean()) - expected) < 0.04
    assert tokens.dtype == np.int32


def test_errors():
    with pytest.raises(ValueError, match="`rate` must be in"):
        ModalityDropout(1.0)
    with pytest.raises(ValueError, match="two or more modality tensors"):
        ModalityDropout(0.2)([IMAGE])
    with pytest.raises(ValueError, match="two or more modality tensors"):
        ModalityDropout(0.2)(IMAGE)
