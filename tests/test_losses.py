"""The losses of `mmkeras.losses` that other tests do not cover: CTC."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.losses import CTC


def _batch(seed=0, batch=6, frames=30, classes=9, longest=8):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(batch, frames, classes)).astype("float32")
    targets = rng.integers(1, classes, (batch, longest)).astype("int32")
    for row, length in enumerate(rng.integers(1, longest + 1, batch)):
        targets[row, length:] = 0
    return tf.constant(targets), tf.constant(logits)


def _loss_and_gradient(loss, targets, logits):
    with tf.GradientTape() as tape:
        tape.watch(logits)
        value = loss(targets, logits)
    return float(value), tape.gradient(value, logits).numpy()


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", None])
def test_ctc_equals_keras_ctc_and_its_gradient(reduction):
    targets, logits = _batch()
    fused, fused_gradient = _loss_and_gradient(lambda t, p: tf.reduce_sum(CTC(reduction=reduction)(t, p)), targets, logits)
    dense, dense_gradient = _loss_and_gradient(
        lambda t, p: tf.reduce_sum(keras.losses.CTC(reduction=reduction)(t, p)), targets, logits
    )
    assert fused == pytest.approx(dense, rel=1e-5)
    np.testing.assert_allclose(fused_gradient, dense_gradient, atol=1e-4)


def test_ctc_inside_tf_function_and_under_xla_gives_the_same_loss():
    targets, logits = _batch(seed=1)
    eager = float(CTC()(targets, logits))
    traced = float(tf.function(CTC())(targets, logits))
    # XLA cannot compile TensorFlow's fused CTC kernel, so the loss must take Keras's path there.
    compiled = float(tf.function(CTC(), jit_compile=True)(targets, logits))
    assert traced == pytest.approx(eager, rel=1e-5)
    assert compiled == pytest.approx(eager, rel=1e-4)


def _op_types(function, *args):
    graph = tf.function(function, jit_compile=function.jit_compile).get_concrete_function(*args).graph.as_graph_def()
    nested = [node.op for library_function in graph.library.function for node in library_function.node_def]
    return {node.op for node in graph.node} | set(nested)


def test_ctc_takes_the_fused_kernel_outside_xla_and_keras_path_inside():
    targets, logits = _batch(seed=2)

    def plain(t, p):
        return CTC()(t, p)

    def compiled(t, p):
        return CTC()(t, p)

    plain.jit_compile, compiled.jit_compile = None, True
    assert "CTCLoss" in _op_types(plain, targets, logits)
    assert "CTCLoss" not in _op_types(compiled, targets, logits)


def test_ctc_trains_a_model_and_round_trips_in_its_config():
    keras.utils.set_random_seed(0)
    targets, logits = _batch(seed=3, batch=8, frames=12, classes=5, longest=3)
    model = keras.Sequential([keras.Input((12, 5)), keras.layers.Dense(5)])
    model.compile(keras.optimizers.Adam(5e-2), loss=CTC())
    history = model.fit(logits.numpy(), targets.numpy(), epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    restored = keras.losses.deserialize(keras.losses.serialize(CTC(name="spelling")))
    assert isinstance(restored, CTC) and restored.name == "spelling"


def test_ctc_names_the_shapes_it_expected():
    with pytest.raises(ValueError, match=r"targets of shape \(6,\)"):
        CTC()(np.zeros(6, "int32"), np.zeros((6, 30, 9), "float32"))
    with pytest.raises(ValueError, match=r"logits of shape \(6, 9\)"):
        CTC()(np.zeros((6, 3), "int32"), np.zeros((6, 9), "float32"))
