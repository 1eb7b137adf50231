"""Data-parallel training with `tf.distribute`, on one machine or several.

Data parallelism copies the model to every device (a replica), gives each
a different slice of the global batch, and averages the gradients before
every update, so all copies stay identical. Two strategies do that:

- `MirroredStrategy`: the devices of one machine. A CPU can be split into
  logical devices (`split_cpu`) to try it without GPUs.
- `MultiWorkerMirroredStrategy`: one or more devices on each of several
  machines ("workers"). Each worker runs the same program; the `TF_CONFIG`
  environment variable tells it the cluster and which worker it is
  (`local_cluster_config` writes one for processes on this machine).

Keras's `model.fit` works under `MirroredStrategy`: build and compile the
model inside `strategy.scope()`, then fit on a `tf.data.Dataset` of global
batches. Under `MultiWorkerMirroredStrategy`, Keras 3's `fit` fails before
the first step (it averages a batch across workers to build the model;
keras-team/keras#20585), so `fit_distributed` runs the same Keras
`train_step` on every replica itself. These helpers need the tensorflow
backend.
"""

import json
import os
import socket

import keras

from mmkeras.training.keras_distribution import split_jax_cpu

STRATEGIES = ("mirrored", "multi_worker")


def _tensorflow():
    if keras.config.backend() != "tensorflow":
        raise RuntimeError(
            "mmkeras.training.distribution wraps tf.distribute and needs the tensorflow "
            f"backend of Keras. Received: backend={keras.config.backend()!r}. Set "
            "KERAS_BACKEND=tensorflow before importing keras."
        )
    import tensorflow as tf

    return tf


def split_cpu(count):
    """Split the machine's CPU into `count` logical devices.

    Each logical device gets its own share of the thread pool, and
    `MirroredStrategy` treats them as separate replicas. TensorFlow fixes
    its devices the first time it runs anything, so call this at the top
    of a program or notebook, before any model, tensor or dataset exists.
    Under the jax backend the same call makes XLA's host platform show
    `count` devices for `keras.distribution` (see `split_jax_cpu`).

    Args:
        count: int >= 1, the number of logical CPU devices.

    Returns:
        The names of the logical CPU devices, e.g.
        `["/device:CPU:0", "/device:CPU:1"]` (TensorFlow) or
        `["cpu:0", "cpu:1"]` (JAX).

    Raises:
        RuntimeError: if TensorFlow has already set up its devices with
            another number of CPUs.

    Example:

    In a fresh process (this one has already started TensorFlow):

    >>> import subprocess, sys
    >>> code = "from mmkeras.training import split_cpu; print(split_cpu(2))"
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    "['/device:CPU:0', '/device:CPU:1']"
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"`count` must be an int >= 1. Received: count={count!r}")
    if keras.config.backend() == "jax":
        return split_jax_cpu(count)
    tf = _tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError as error:
        current = len(tf.config.list_logical_devices("CPU"))
        if current == count:
            return [device.name for device in tf.config.list_logical_devices("CPU")]
        raise RuntimeError(
            f"split_cpu({count}) came too late: TensorFlow has already set up {current} "
            "logical CPU device(s), and devices cannot change once it has run anything. "
            "Call split_cpu first thing, in a fresh process or kernel."
        ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def free_ports(count):
    """`count` TCP ports on localhost that are free right now.

    Example:

    >>> ports = free_ports(2)
    >>> len(set(ports)), all(1024 <= port < 65536 for port in ports)
    (2, True)
    """
    sockets = []
    try:
        for _ in range(count):
            handle = socket.socket()
            handle.bind(("localhost", 0))
            sockets.append(handle)
        return [handle.getsockname()[1] for handle in sockets]
    finally:
        for handle in sockets:
            handle.close()


def local_cluster_config(ports, index):
    """A `TF_CONFIG` value for worker `index` of workers on this machine.

    Args:
        ports: list of ints, one port per worker (see `free_ports`). Every
            worker must be given the same list.
        index: int, this worker's position in `ports`. Worker 0 is the
            chief, which by convention writes checkpoints and logs.

    Returns:
        A JSON string; put it in `os.environ["TF_CONFIG"]` before creating
        the strategy.

    Example:

    >>> import json
    >>> config = json.loads(local_cluster_config([12345, 12346], index=1))
    >>> config["cluster"]["worker"], config["task"]
    (['localhost:12345', 'localhost:12346'], {'type': 'worker', 'index': 1})
    """
    if not isinstance(ports, (list, tuple)) or not ports or not all(
        isinstance(port, int) and 0 < port < 65536 for port in ports
    ):
        raise ValueError(
            f"`ports` must be a non-empty list of port numbers. Received: ports={ports!r}"
        )
    if not isinstance(index, int) or not 0 <= index < len(ports):
        raise ValueError(
            f"`index` must be an int in [0, {len(ports)}) for {len(ports)} ports. "
            f"Received: index={index!r}"
        )
    workers = [f"localhost:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def _check_tf_config():
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise RuntimeError(
            "strategy='multi_worker' needs the TF_CONFIG environment variable, which "
            "describes the cluster and this worker. Received: TF_CONFIG is not set. "
            "Set it with local_cluster_config(ports, index) for workers on this machine."
        )
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        index = config["task"]["index"]
    except (ValueError, KeyError, TypeError) as error:
        raise RuntimeError(
            "TF_CONFIG must be JSON like "
            '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": 0}}. '
            f"Received: TF_CONFIG={text!r}"
        ) from error
    return workers, index


def make_strategy(strategy="mirrored", devices=None):
    """A `tf.distribute` strategy for data-parallel `model.fit`.

    Args:
        strategy: `"mirrored"` (the devices of this machine) or
            `"multi_worker"` (this process is one worker of the cluster
            that `TF_CONFIG` describes).
        devices: for `"mirrored"`, optional device names; by default every
            GPU, or every logical CPU when there is no GPU.

    Returns:
        A `tf.distribute.Strategy`. Its `num_replicas_in_sync` is the number
        of model copies whose gradients are averaged each step.

    Example:

    On two logical CPUs, `split_cpu(2)` first, before TensorFlow starts;
    here, one device:

    >>> strategy = make_strategy("mirrored", devices=["/cpu:0"])
    >>> strategy.num_replicas_in_sync
    1
    >>> with strategy.scope():
    ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    ...     model.compile(optimizer="adam", loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.ones((8, 1)), batch_size=4, epochs=1, verbose=0)
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"`strategy` must be one of {STRATEGIES}. Received: strategy={strategy!r}")
    tf = _tensorflow()
    if strategy == "multi_worker":
        if devices is not None:
            raise ValueError(
                "`devices` applies to strategy='mirrored' only; a worker uses its own "
                f"devices. Received: devices={devices!r}"
            )
        _check_tf_config()
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            if "program startup" not in str(error):
                raise
            raise RuntimeError(
                "make_strategy('multi_worker') came too late: TensorFlow has already run "
                "something in this process (a tensor, a dataset, a model), and the "
                "workers' collective ops can only be set up before that. Create the "
                "strategy first thing, right after the imports."
            ) from error
    if devices is None:
        gpus = tf.config.list_logical_devices("GPU")
        devices = [device.name for device in (gpus or tf.config.list_logical_devices("CPU"))]
    if not isinstance(devices, (list, tuple)) or not devices:
        raise ValueError(f"`devices` must be a non-empty list of device names. Received: devices={devices!r}")
    cross_device_ops = None
    if not any("GPU" in name.upper() for name in devices):
        # MirroredStrategy's default all-reduce is NCCL, which has no CPU kernel.
        cross_device_ops = tf.distribute.ReductionToOneDevice()
    return tf.distribute.MirroredStrategy(devices=list(devices), cross_device_ops=cross_device_ops)


def fit_distributed(model, dataset, epochs, strategy):
    """Train a compiled `model` on `dataset` under `strategy`, epoch by epoch.

    Every step runs the model's own `train_step` on each replica's slice of
    the global batch; the optimizer sums the replicas' gradients, each
    already divided by the number of replicas, so every copy applies the
    mean gradient of the global batch. Works under `MirroredStrategy` and
    `MultiWorkerMirroredStrategy` (where Keras 3's `fit` does not).

    Args:
        model: a `keras.Model` built and compiled inside `strategy.scope()`.
        dataset: a `tf.data.Dataset` of `(inputs, targets)` global batches;
            under several workers each worker passes the same dataset and
            `tf.distribute` gives each its share.
        epochs: int >= 1.
        strategy: the `tf.distribute.Strategy` the model was built under.

    Returns:
        A dict `{"loss": [one mean training loss per epoch]}`.

    Example:

    >>> strategy = make_strategy("mirrored", devices=["/cpu:0"])
    >>> with strategy.scope():
    ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    ...     model.compile(optimizer="sgd", loss="mse")
    >>> dataset = tf.data.Dataset.from_tensor_slices((np.ones((8, 4)), np.ones((8, 1)))).batch(4)
    >>> history = fit_distributed(model, dataset, epochs=2, strategy=strategy)
    >>> len(history["loss"])
    2
    """
    tf = _tensorflow()
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"`epochs` must be an int >= 1. Received: epochs={epochs!r}")
    if not getattr(model, "compiled", False):
        raise ValueError(
            f"Model {model.name!r} is not compiled: compile it inside strategy.scope() "
            "before fit_distributed."
        )
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            f"`dataset` must be a tf.data.Dataset of (inputs, targets) batches. Received: {type(dataset).__name__}"
        )
    with strategy.scope():
        # Optimizer slots must exist before the first step: variables cannot
        # be created inside a replica's step under a multi-worker strategy.
        model.optimizer.build(model.trainable_variables)
    batches = strategy.experimental_distribute_dataset(dataset)

    @tf.function
    def train_step(batch):
        strategy.run(model.train_step, args=(batch,))

    history = {"loss": []}
    for _ in range(epochs):
        model.reset_metrics()
        for batch in batches:
            train_step(batch)
        history["loss"].append(float(model.get_metrics_result()["loss"]))
    return history
