import keras
import numpy as np
import pytest

from mmkeras.layers import TextEncoder
from mmkeras.training import compile_model
from mmkeras.training import detect_device
from mmkeras.training import plan_compile


def recurrent_model():
    tokens = keras.Input((5,), dtype="int32")
    vector = TextEncoder(vocab_size=10, embedding_dim=4, units=4, bidirectional=True)(tokens)
    return keras.Model(tokens, keras.layers.Dense(1)(vector))


def lstm_layers(model):
    return [l for l in model._flatten_layers() if isinstance(l, keras.layers.LSTM)]


def test_cpu_default_is_no_xla_and_says_so(capsys):
    model = recurrent_model()
    plan = compile_model(model, device="cpu", optimizer="adam", loss="mse")
    assert plan.jit_compile is False and model.jit_compile is False
    assert "device=cpu, jit_compile=False" in capsys.readouterr().out


def test_cpu_with_jit_true_really_compiles_and_trains():
    model = recurrent_model()
    compile_model(model, device="cpu", jit_compile=True, verbose=False, optimizer="adam", loss="mse")
    assert model.jit_compile is True
    loss = model.train_on_batch(np.ones((2, 5), "int32"), np.ones((2, 1)))
    assert np.isfinite(loss)


def test_gpu_plan_turns_cudnn_off_so_xla_is_not_silently_dropped():
    model = recurrent_model()
    # What Keras's LSTM does on a GPU where cuDNN is usable: it declares
    # itself not XLA-compilable, and jit_compile="auto" or True would quietly
    # fall back to no XLA for the whole model.
    for layer in lstm_layers(model):
        layer.supports_jit = False
    plan = compile_model(model, device="gpu", verbose=False, optimizer="adam", loss="mse")
    assert plan.jit_compile is True
    assert model.jit_compile is True
    assert len(plan.recurrent_layers_switched) == 2
    assert all(layer.use_cudnn is False for layer in lstm_layers(model))


def test_plain_keras_would_have_dropped_xla():
    model = recurrent_model()
    for layer in lstm_layers(model):
        layer.supports_jit = False
    with pytest.warns(UserWarning, match="doesn't support `jit_compile=True`"):
        model.compile(optimizer="adam", loss="mse", jit_compile=True)
    assert model.jit_compile is False


def test_explicit_false_on_gpu_leaves_layers_alone():
    model = recurrent_model()
    plan = plan_compile(model, jit_compile=False, device="gpu")
    assert plan.jit_compile is False and plan.recurrent_layers_switched == ()


def test_a_measured_speedup_decides_auto_on_its_device_only(capsys):
    model = recurrent_model()
    plan = compile_model(model, device="cpu", xla_speedups={"cpu": 1.46, "gpu": 0.5}, optimizer="adam", loss="mse")
    assert plan.jit_compile is True and model.jit_compile is True
    assert "measured 1.46x faster with XLA for this model on a cpu" in capsys.readouterr().out
    # The GPU figure decides on a GPU (off, against the GPU's default), and a figure inside the noise changes nothing.
    slower = plan_compile(model, device="gpu", xla_speedups={"cpu": 1.46, "gpu": 0.5})
    assert slower.jit_compile is False and "0.50x (slower)" in slower.reason
    small = plan_compile(model, device="cpu", xla_speedups={"cpu": 1.1})
    assert small.jit_compile is False and "only 1.10x" in small.reason
    assert plan_compile(model, device="gpu", xla_speedups={"cpu": 1.46}).jit_compile is True
    # An explicit choice wins over a measurement.
    assert plan_compile(model, device="cpu", jit_compile=False, xla_speedups={"cpu": 2.0}).jit_compile is False


def test_a_task_preset_carries_its_measured_speedup_into_compile():
    from mmkeras.tasks import Captioner
    from mmkeras.tasks import get_preset

    preset = get_preset("world_captioner")
    vocabulary = ["a", "red", "circle"]
    preset["training"]["xla_speedups"] = {"cpu": 1.5, "gpu": 1.5}
    assert Captioner.from_preset(preset, vocabulary=vocabulary).jit_compile is True
    # The figure was measured on the preset's backbone: another size gets the device's default (off on a CPU).
    resized = Captioner.from_preset(preset, vocabulary=vocabulary, filters=(8,), feature_dim=8, units=8)
    assert resized.jit_compile is (detect_device() == "gpu")
    # An override equal to the preset's own value leaves the backbone, and the figure, as they were.
    same = Captioner.from_preset(preset, vocabulary=vocabulary, units=preset["backbone"]["units"])
    assert same.jit_compile is True
    preset["training"]["xla_speedups"] = {"cpu": 0.6, "gpu": 0.6}
    assert Captioner.from_preset(preset, vocabulary=vocabulary).jit_compile is False


@pytest.mark.parametrize("backend, compiled, why", [("jax", True, "jax.jit"), ("torch", False, "runs eagerly")])
def test_jax_steps_are_compiled_and_pytorch_runs_eagerly(backend, compiled, why, monkeypatch):
    model = recurrent_model()
    monkeypatch.setattr(keras.config, "backend", lambda: backend)
    plan = plan_compile(model, device="cpu")
    assert plan.jit_compile is compiled and why in plan.reason, plan
    assert plan_compile(model, device="cpu", jit_compile=False).jit_compile is False


def test_bad_arguments():
    model = recurrent_model()
    with pytest.raises(ValueError, match="jit_compile='yes'"):
        plan_compile(model, jit_compile="yes")
    with pytest.raises(ValueError, match="device='tpu'"):
        plan_compile(model, device="tpu")
    with pytest.raises(ValueError, match="xla_speedups=.*'tpu'"):
        plan_compile(model, device="cpu", xla_speedups={"tpu": 2.0})
    for wrong in (-1, True, "1.5"):
        with pytest.raises(ValueError, match="positive numbers"):
            plan_compile(model, device="cpu", xla_speedups={"cpu": wrong})


def test_measure_step_time_times_real_steps():
    from mmkeras.training import measure_step_time

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 3), "float32")
    with pytest.raises(ValueError, match="not compiled"):
        measure_step_time(model, x, y)
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()[0].copy()
    seconds = measure_step_time(model, x, y, steps=3, warmup=1)
    assert 0 < seconds < 5
    assert not np.allclose(before, model.get_weights()[0])  # it really trained
    with pytest.raises(ValueError, match="steps=0"):
        measure_step_time(model, x, y, steps=0)
