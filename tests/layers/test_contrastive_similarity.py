import math

import keras
import numpy as np
import pytest

from mmkeras.layers import ContrastiveSimilarity
from mmkeras.losses import SymmetricInfoNCE
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip

RNG = np.random.default_rng(0)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_logits_by_hand_and_serialization(tmp_path):
    layer = ContrastiveSimilarity(initial_temperature=0.5)
    a = np.array([[3.0, 0.0], [1.0, 1.0]], "float32")
    b = np.array([[0.0, 2.0], [1.0, 0.0], [1.0, 1.0]], "float32")
    expected = 2.0 * np.array([[0.0, 1.0, 1 / math.sqrt(2)], [1 / math.sqrt(2), 1 / math.sqrt(2), 1.0]])
    np.testing.assert_allclose(numpy(layer([a, b])), expected, rtol=1e-5, atol=1e-6)
    inputs = [keras.Input((2,)), keras.Input((2,))]
    model = keras.Model(inputs, layer(inputs))
    # Both axes are batch sizes: unknown symbolically, (B_a, B_b) eagerly.
    assert model.output_shape == (None, None) and numpy(model([a, b])).shape == (2, 3)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, [a, a], tmp_path)
    assert float(numpy(layer.temperature)) == pytest.approx(0.5)


def test_loss_by_hand():
    logits = np.array([[2.0, 0.0], [1.0, 3.0]], "float32")
    log_softmax = lambda x, axis: x - np.log(np.exp(x).sum(axis=axis, keepdims=True))
    rows = -np.diag(log_softmax(logits, 1))
    columns = -np.diag(log_softmax(logits, 0))
    expected = ((rows + columns) / 2).mean()
    assert float(SymmetricInfoNCE()(np.zeros(2), logits)) == pytest.approx(expected, rel=1e-5)
    # Swapping the roles of a and b (transposing) gives the same loss.
    assert float(SymmetricInfoNCE()(np.zeros(2), logits.T)) == pytest.approx(expected, rel=1e-5)


def test_training_aligns_pairs_and_learns_the_temperature(rng):
    keras.utils.set_random_seed(0)
    images = rng.normal(size=(256, 8)).astype("float32")
    texts = images @ rng.normal(size=(8, 8)).astype("float32")  # the same content, another basis
    a_in, b_in = keras.Input((8,)), keras.Input((8,))
    similarity = ContrastiveSimilarity(initial_temperature=1.0, max_scale=50.0)
    logits = similarity([keras.layers.Dense(16)(a_in), keras.layers.Dense(16)(b_in)])
    model = keras.Model([a_in, b_in], logits)
    model.compile(keras.optimizers.Adam(1e-2), SymmetricInfoNCE())
    history = model.fit([images, texts], np.zeros(256), batch_size=32, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert float(numpy(similarity.temperature)) < 0.5  # sharpened from 1.0
    # Image i now retrieves text i among 64 held-in candidates.
    scores = numpy(model([images[:64], texts[:64]]))
    assert (scores.argmax(1) == np.arange(64)).mean() > 0.8


def test_scale_is_capped_and_can_be_frozen():
    layer = ContrastiveSimilarity(initial_temperature=0.1, learn_temperature=False, max_scale=20.0)
    a = np.eye(2, dtype="float32")
    layer([a, a])
    assert not layer.trainable_weights
    layer.log_scale.assign(10.0)
    np.testing.assert_allclose(numpy(layer([a, a])), 20.0 * np.eye(2), rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="`initial_temperature` must be > 0"):
        ContrastiveSimilarity(initial_temperature=0.0)
    with pytest.raises(ValueError, match="must be at least 1 / initial_temperature"):
        ContrastiveSimilarity(initial_temperature=0.001, max_scale=100.0)
    with pytest.raises(ValueError, match="Received widths 4 and 3"):
        ContrastiveSimilarity()([np.ones((2, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="two batches of vectors"):
        ContrastiveSimilarity()(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"square logits.*\(2, 3\)"):
        SymmetricInfoNCE()(np.zeros(2), np.ones((2, 3), "float32"))
