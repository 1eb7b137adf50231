"""Compile helpers that make the XLA choice explicit and say what they chose.

Keras's `jit_compile="auto"` quietly turns XLA off on CPU-only machines,
under `tf.distribute`, and whenever a layer cannot be compiled, which
includes LSTM/GRU layers on a GPU whenever their cuDNN kernel is usable. So
on a GPU "auto" can mean no XLA at all, and `jit_compile=True` with such a
layer only warns and falls back. `compile_model` decides per device:

- GPU: XLA on. Recurrent layers are switched to their XLA-compilable
  (non-cuDNN) kernel, so the whole step really compiles.
- CPU: XLA off by default. Measured on a 2-core CPU, forcing XLA made a
  Conv2D + LSTM training step 2-3x slower than TensorFlow's own kernels
  (see `benchmarks/`). A model measured faster with XLA on this kind of
  device says so through `xla_speedups` (a task preset may carry the figure
  in `training.xla_speedups`) and gets XLA; or pass `jit_compile=True`.

On the other backends: JAX compiles every step with XLA (`jax.jit`), as
Keras does there, since eager JAX dispatches each op on its own (the tasks'
one-epoch round trips trained 2-3x faster compiled); PyTorch runs eagerly.
"""

import dataclasses

import keras

DEVICES = ("cpu", "gpu")
# A measured XLA speed-up below this is within the run-to-run spread of a step time, and the compile is not free.
MIN_XLA_SPEEDUP = 1.2
HALF_DTYPES = ("float16", "bfloat16")


@dataclasses.dataclass(frozen=True)
class CompilePlan:
    """What `compile_model` decided, and why.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> plan = plan_compile(model, device="cpu")
    >>> plan.device, plan.jit_compile, bool(plan.reason)
    ('cpu', False, True)
    """

    device: str
    jit_compile: bool
    reason: str
    recurrent_layers_switched: tuple = ()

    def __str__(self):
        text = f"mmkeras.training: device={self.device}, jit_compile={self.jit_compile} ({self.reason})"
        if self.recurrent_layers_switched:
            text += (
                f"; switched {len(self.recurrent_layers_switched)} recurrent layer(s) "
                "to the XLA-compilable kernel (use_cudnn=False): "
                + ", ".join(self.recurrent_layers_switched)
            )
        return text


def detect_device():
    """`"gpu"` if Keras sees a GPU, else `"cpu"`.

    Example:

    >>> detect_device() in ("cpu", "gpu")
    True
    """
    if keras.config.backend() == "torch":
        # keras.distribution has no PyTorch implementation to ask.
        import torch

        return "gpu" if torch.cuda.is_available() else "cpu"
    devices = keras.distribution.list_devices()
    return "gpu" if any(d.lower().startswith("gpu") for d in devices) else "cpu"


def _cudnn_recurrent_layers(model):
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
        and layer.use_cudnn in ("auto", True)
    ]


def _check_speedups(xla_speedups):
    if xla_speedups is None:
        return {}
    if not isinstance(xla_speedups, dict) or not all(
        device in DEVICES and isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        for device, value in xla_speedups.items()
    ):
        raise ValueError(
            "`xla_speedups` must map devices in "
            f"{DEVICES} to positive numbers (a training step's speed with XLA over without), e.g. "
            f"{{'cpu': 1.46}}. Received: xla_speedups={xla_speedups!r}"
        )
    return xla_speedups


def plan_compile(model, jit_compile="auto", device=None, xla_speedups=None):
    """Decide whether to compile `model` with XLA, without changing it.

    Args:
        model: a `keras.Model`.
        jit_compile: `"auto"` (the device's default described in this
            module, or what `xla_speedups` measured), `True` or `False`.
        device: `"cpu"`, `"gpu"` or `None` to detect.
        xla_speedups: optional dict from device to the training-step
            speed-up XLA was measured to give this model there (samples/s
            with XLA over without). With `"auto"`, a speed-up of at least
            `MIN_XLA_SPEEDUP` turns XLA on, and one below 1 turns it off,
            whatever the device's default.

    Returns:
        A `CompilePlan`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> plan_compile(model, jit_compile="auto", device="gpu").jit_compile
    True
    >>> plan_compile(model, jit_compile="auto", device="cpu").jit_compile
    False
    >>> plan_compile(model, device="cpu", xla_speedups={"cpu": 1.46}).reason
    'XLA on: measured 1.46x faster with XLA for this model on a cpu'
    """
    if jit_compile not in ("auto", True, False):
        raise ValueError(
            f"`jit_compile` must be 'auto', True or False. Received: jit_compile={jit_compile!r}"
        )
    device = detect_device() if device is None else device
    if device not in DEVICES:
        raise ValueError(f"`device` must be one of {DEVICES} or None. Received: device={device!r}")
    measured = _check_speedups(xla_speedups).get(device)
    backend = keras.config.backend()
    if backend == "jax":
        # JAX has no fast eager mode: without jax.jit every op of every step is dispatched, and compiled, on its own.
        if jit_compile is False:
            return CompilePlan(device, False, "XLA off as requested: JAX then runs each step op by op")
        return CompilePlan(device, True, "JAX: each step compiled with XLA (jax.jit), as Keras does on JAX")
    if backend != "tensorflow":
        return CompilePlan(device, False, f"{backend} runs eagerly; the XLA policy applies to TensorFlow and JAX")
    if jit_compile is False:
        return CompilePlan(device, False, "XLA off as requested")
    if jit_compile is True:
        reason = "XLA on as requested"
    elif measured is not None and measured >= MIN_XLA_SPEEDUP:
        reason = f"XLA on: measured {measured:.2f}x faster with XLA for this model on a {device}"
    elif measured is not None and measured < 1:
        return CompilePlan(device, False, f"XLA off: measured {measured:.2f}x (slower) with XLA for this model "
                                          f"on a {device}; pass jit_compile=True to force it")
    elif device == "gpu":
        reason = "XLA on: the default on a GPU"
    elif measured is not None:
        return CompilePlan(device, False, f"XLA off: measured only {measured:.2f}x with XLA for this model on a "
                                          f"{device}, too little to pay for its compile; pass jit_compile=True "
                                          "to force it")
    else:
        return CompilePlan(
            device,
            False,
            "XLA off: the default on a CPU, where TensorFlow's own kernels were "
            "measured faster; pass jit_compile=True to force it",
        )
    switched = ()
    if device == "gpu":
        switched = tuple(layer.name for layer in _cudnn_recurrent_layers(model))
    return CompilePlan(device, True, reason, switched)


def compile_model(model, *, jit_compile="auto", device=None, xla_speedups=None, verbose=True, **compile_kwargs):
    """`model.compile(**compile_kwargs)` with an explicit, verified XLA choice.

    On a GPU with XLA, LSTM/GRU layers are switched to their non-cuDNN
    kernel first (cuDNN kernels cannot be compiled, and Keras would drop
    XLA for the whole model). After compiling, the model's `jit_compile`
    is checked: if Keras silently dropped XLA, this raises. A model with
    layers that compute in float16 or bfloat16 is first checked by
    `check_mixed_precision_safe`.

    Args:
        model: a `keras.Model`.
        jit_compile: `"auto"`, `True` or `False` (see `plan_compile`).
        device: `"cpu"`, `"gpu"` or `None` to detect.
        xla_speedups: optional measured XLA speed-ups per device (see
            `plan_compile`).
        verbose: print the decision.
        **compile_kwargs: passed to `model.compile` (optimizer, loss, ...).

    Returns:
        The `CompilePlan` that was applied.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> plan = compile_model(model, optimizer="adam", loss="mse")
    mmkeras.training: device=..., jit_compile=... (XLA ...)
    >>> plan.jit_compile == model.jit_compile
    True
    """
    plan = plan_compile(model, jit_compile=jit_compile, device=device, xla_speedups=xla_speedups)
    if any(layer.compute_dtype in HALF_DTYPES for layer in model._flatten_layers()):
        from mmkeras.training.precision import check_mixed_precision_safe

        check_mixed_precision_safe(model)
    if plan.recurrent_layers_switched:
        for layer in _cudnn_recurrent_layers(model):
            layer.use_cudnn = False
            layer.supports_jit = True
    model.compile(jit_compile=plan.jit_compile, **compile_kwargs)
    if bool(model.jit_compile) != plan.jit_compile:
        blockers = [
            layer.name for layer in model._flatten_layers() if not layer.supports_jit
        ]
        raise RuntimeError(
            f"Asked Keras for jit_compile={plan.jit_compile} but the model ended up with "
            f"jit_compile={model.jit_compile}. Layers that do not support XLA: {blockers}."
        )
    if verbose:
        print(plan)
    return plan


def measure_step_time(model, inputs, targets, steps=10, warmup=2):
    """Median seconds per training step of a compiled model on one batch.

    The first `warmup` steps (tracing, XLA compilation) are run and
    discarded; the median of the next `steps` is returned, so one slow
    step from a busy machine does not skew the figure. The model's weights
    change: measure a throwaway model or measure after training.

    Args:
        model: a compiled `keras.Model`.
        inputs, targets: one batch, as for `model.train_on_batch`.
        steps: int, timed steps.
        warmup: int, untimed steps first.

    Returns:
        A float, seconds per step.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> seconds = measure_step_time(model, np.ones((8, 4)), np.ones((8, 1)), steps=3, warmup=1)
    >>> 0 < seconds < 10
    True
    """
    import time

    import numpy as np

    if not isinstance(steps, int) or steps < 1 or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(
            f"`steps` must be a positive int and `warmup` a non-negative int. "
            f"Received: steps={steps!r}, warmup={warmup!r}"
        )
    if not getattr(model, "compiled", False):
        raise ValueError(
            f"Model {model.name!r} is not compiled: call compile_model(model, ...) "
            "or model.compile(...) before timing its training step."
        )
    for _ in range(warmup):
        model.train_on_batch(inputs, targets)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(inputs, targets)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def compile_function(function):
    """`function` as one graph on the TensorFlow backend (`tf.function`), as it
    is elsewhere.

    For inference loops such as caption search, which run many small ops:
    traced once per input shape, then run without Python. On JAX and
    PyTorch the function runs eagerly (their layers are stateful objects
    that `jax.jit` cannot trace without `stateless_call`).

    Example:

    >>> double = compile_function(lambda x: x * 2)
    >>> keras.ops.convert_to_numpy(double(keras.ops.ones((2,)))).tolist()
    [2.0, 2.0]
    """
    if not callable(function):
        raise TypeError(f"`function` must be callable. Received: {function!r:.60}")
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(function, reduce_retracing=True)
    return function
