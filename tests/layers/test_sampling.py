import keras
import numpy as np
import pytest

from mmkeras.layers import Sampling
from tests.layers.layer_checks import check_config_round_trip

MEAN = np.array([[0.0, 3.0], [-2.0, 1.0]], "float32")
LOG_VAR = np.array([[0.0, np.log(0.25)], [np.log(4.0), 0.0]], "float32")


def test_draws_have_the_requested_mean_and_variance():
    layer = Sampling(seed=0)
    draws = np.stack([keras.ops.convert_to_numpy(layer([MEAN, LOG_VAR])) for _ in range(4000)])
    np.testing.assert_allclose(draws.mean(0), MEAN, atol=0.08)
    np.testing.assert_allclose(draws.var(0), np.exp(LOG_VAR), rtol=0.08)
    again = Sampling(seed=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again([MEAN, LOG_VAR])), draws[0])
    check_config_round_trip(layer)


def test_gradients_reach_mean_and_log_variance():
    mean, log_var = keras.Input((2,)), keras.Input((2,))
    z = Sampling(seed=1)([keras.layers.Dense(2)(mean), keras.layers.Dense(2)(log_var)])
    model = keras.Model([mean, log_var], z)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    model.train_on_batch([MEAN, LOG_VAR], np.ones((2, 2), "float32"))
    assert all(not np.allclose(b, keras.ops.convert_to_numpy(w)) for b, w in zip(before, model.trainable_weights))


def test_kl_term_by_hand():
    layer = Sampling(kl_weight=0.5, seed=0)
    layer([MEAN, LOG_VAR])
    kl = -0.5 * (1 + LOG_VAR - MEAN**2 - np.exp(LOG_VAR)).sum(-1)
    assert len(layer.losses) == 1
    assert float(keras.ops.convert_to_numpy(layer.losses[0])) == pytest.approx(0.5 * kl.mean(), rel=1e-5)
    # A standard normal posterior costs nothing.
    zero = Sampling(kl_weight=1.0)
    zero([np.zeros((3, 2), "float32"), np.zeros((3, 2), "float32")])
    assert float(keras.ops.convert_to_numpy(zero.losses[0])) == pytest.approx(0.0, abs=1e-7)
    assert Sampling()([MEAN, LOG_VAR]) is not None and not Sampling().losses


def test_kl_term_is_float32_under_mixed_float16():
    # 300**2 and exp(12) are both beyond float16's largest value, 65504.
    mean = np.full((2, 2), 300.0, "float32")
    log_var = np.full((2, 2), 12.0, "float32")
    layer = Sampling(kl_weight=1.0, seed=0, dtype="mixed_float16")
    draws = keras.ops.convert_to_numpy(layer([mean, log_var]))
    kl = -0.5 * (1 + log_var - mean**2 - np.exp(log_var)).sum(-1)
    assert draws.dtype == np.float16 and np.all(np.isfinite(draws))
    assert float(keras.ops.convert_to_numpy(layer.losses[0])) == pytest.approx(kl.mean(), rel=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"\[mean, log_var\] of one shape"):
        Sampling()([MEAN, LOG_VAR[:, :1]])
    with pytest.raises(ValueError, match=r"\[mean, log_var\] of one shape"):
        Sampling()(MEAN)
    with pytest.raises(ValueError, match="kl_weight=-1"):
        Sampling(kl_weight=-1)
