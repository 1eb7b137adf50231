"""Data parallelism with `keras.distribution`, Keras 3's own API (JAX).

`keras.distribution.DataParallel` places a copy of every variable on each
device and shards each batch along its first axis; JAX compiles the
training step once for the whole mesh and inserts the gradient all-reduce
itself. Plain `model.fit` then trains on several devices, and on several
hosts after `keras.distribution.initialize()` (one process per host, each
running the same program). Keras implements the API for JAX only; with
TensorFlow use `make_strategy` (`tf.distribute`).

Which to use:

- JAX, one machine or several: `make_data_parallel` and `model.fit`. This
  is the path Keras's maintainers point to for multi-host training
  (keras-team/keras#20585).
- TensorFlow, one machine: `make_strategy("mirrored")` and `model.fit`.
- TensorFlow, several machines: `make_strategy("multi_worker")` with
  `fit_distributed`, a workaround for Keras 3's `fit`, which fails under
  `MultiWorkerMirroredStrategy`.
- PyTorch: Keras offers no data-parallel `fit`.
"""

import os
import re

import keras

_DEVICE_COUNT_FLAG = "--xla_force_host_platform_device_count"


def _check_jax(what):
    if keras.config.backend() != "jax":
        raise RuntimeError(
            f"{what} uses keras.distribution, which Keras implements for the jax backend "
            f"only. Received: backend={keras.config.backend()!r}. Set KERAS_BACKEND=jax "
            "before importing keras, or with TensorFlow use "
            "mmkeras.training.make_strategy (tf.distribute)."
        )


def split_jax_cpu(count):
    """Make JAX's CPU appear as `count` devices (`split_cpu` under JAX).

    XLA's host platform reads `--xla_force_host_platform_device_count`
    from `XLA_FLAGS` when JAX first starts a backend, so this sets the flag
    and then starts it. Call it before any array exists.

    The devices share the machine's cores, and their all-reduce runs in
    XLA's own threads: on a 2-core CPU shared with other tests, an
    eight-epoch data-parallel `fit` stalled in both of two runs, and XLA
    aborted it after 40 s. Use the split to check that
    data-parallel code runs and matches one device, not to train long.

    Returns:
        The devices' names as `keras.distribution.list_devices()` gives
        them, e.g. `["cpu:0", "cpu:1"]`.

    Example:

    In a fresh process with the jax backend:

    >>> import os, subprocess, sys
    >>> code = "from mmkeras.training import split_cpu; print(split_cpu(2))"
    >>> env = {**os.environ, "KERAS_BACKEND": "jax"}
    >>> subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    "['cpu:0', 'cpu:1']"
    """
    _check_jax("split_cpu")
    previous = os.environ.get("XLA_FLAGS")
    flags = re.sub(rf"{_DEVICE_COUNT_FLAG}=\S*", "", previous or "").split()
    os.environ["XLA_FLAGS"] = " ".join(flags + [f"{_DEVICE_COUNT_FLAG}={count}"])
    import jax

    devices = jax.local_devices(backend="cpu")
    if len(devices) != count:
        if previous is None:
            del os.environ["XLA_FLAGS"]
        else:
            os.environ["XLA_FLAGS"] = previous
        raise RuntimeError(
            f"split_cpu({count}) came too late: JAX has already started its CPU backend with "
            f"{len(devices)} device(s), and XLA reads the device count only once. Call "
            "split_cpu first thing, in a fresh process or kernel (or set "
            f"XLA_FLAGS={_DEVICE_COUNT_FLAG}={count} before starting Python)."
        )
    return [f"cpu:{device.id}" for device in devices]


def make_data_parallel(devices=None):
    """A `keras.distribution.DataParallel` over `devices` (JAX backend).

    Activate it with `keras.distribution.set_distribution(...)` or
    `with distribution.scope():` before building the model; variables are
    then replicated on every device and `fit` shards each batch across
    them. The global batch size must be divisible by the number of devices.

    Args:
        devices: optional list of device names from
            `keras.distribution.list_devices()`; by default all of them
            (every GPU, or the CPU devices that `split_cpu` made).

    Returns:
        A `keras.distribution.DataParallel`; its `num_model_replicas` is the
        number of devices.

    Example:

    In a fresh process with the jax backend and two CPU devices (see
    `split_cpu`), `make_data_parallel().num_model_replicas` is 2. Here:

    >>> keras.config.backend() == "jax" or "make_data_parallel needs jax"
    'make_data_parallel needs jax'
    """
    _check_jax("make_data_parallel")
    available = keras.distribution.list_devices()
    if devices is None:
        devices = available
    if not isinstance(devices, (list, tuple)) or not devices:
        raise ValueError(f"`devices` must be a non-empty list of device names. Received: devices={devices!r}")
    unknown = [name for name in devices if name not in available]
    if unknown:
        raise ValueError(
            f"Unknown device(s) {unknown}: this process has {available}. On a CPU, "
            "split_cpu(count) first makes several devices."
        )
    return keras.distribution.DataParallel(devices=list(devices))
