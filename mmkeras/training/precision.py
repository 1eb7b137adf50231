"""Mixed precision: a dtype policy chosen per device, and a numerics check.

Under a mixed policy the layers compute in float16 or bfloat16 and keep
float32 weights. Two places must stay in float32 for training to be safe:
the probabilities a model outputs (a float16 softmax rounds small
probabilities to zero, and their log to -inf) and the loss, which Keras
already computes in float32. `check_mixed_precision_safe` finds the first
kind of problem; mmkeras's task models build their output heads in float32.

The default per device:

- GPU with compute capability 8.0 or newer (Ampere, Hopper): bfloat16. It
  has float32's exponent range, so no loss scaling is needed.
- GPU with compute capability 7.x (Volta, Turing): float16, the only half
  type their tensor cores run; Keras scales the loss automatically.
- Older GPUs and CPUs: float32. Without tensor cores a half type saves
  memory but not time. On a 2-core CPU with AVX-512 BF16,
  `benchmarks/mixed_precision.py` measured bfloat16 at 0.97-1.08x float32's
  training speed and float16 at 0.36-0.60x
  (`benchmarks/results/mixed_precision_cpu.md`).
"""

import dataclasses

import keras

from mmkeras.training.compilation import DEVICES
from mmkeras.training.compilation import detect_device

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")
SOFTMAX_NAMES = ("softmax", "log_softmax")


@dataclasses.dataclass(frozen=True)
class PrecisionPlan:
    """What `plan_precision` decided, and why.

    Example:

    >>> plan = plan_precision("auto", device="cpu")
    >>> plan.device, plan.policy, bool(plan.reason)
    ('cpu', 'float32', True)
    """

    device: str
    policy: str
    reason: str

    @property
    def loss_scaling(self):
        """Whether Keras wraps the optimizer in a `LossScaleOptimizer`."""
        return self.policy == "mixed_float16"

    def __str__(self):
        text = f"mmkeras.training: device={self.device}, dtype policy={self.policy} ({self.reason})"
        if self.loss_scaling:
            text += "; Keras scales the loss to keep float16 gradients from underflowing"
        return text


def gpu_compute_capability():
    """The first GPU's compute capability as `(major, minor)`, or `None`.

    Only the tensorflow backend reports it; other backends give `None`.
    """
    if keras.config.backend() != "tensorflow":
        return None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    return tf.config.experimental.get_device_details(gpus[0]).get("compute_capability")


def plan_precision(policy="auto", device=None, compute_capability=None):
    """Decide which dtype policy to train with, without setting it.

    Args:
        policy: `"auto"` (the device's default described in this module)
            or one of `"float32"`, `"mixed_float16"`, `"mixed_bfloat16"`.
        device: `"cpu"`, `"gpu"` or `None` to detect.
        compute_capability: a GPU's `(major, minor)`, or `None` to ask the
            first GPU. Only used on a GPU with `policy="auto"`.

    Returns:
        A `PrecisionPlan`.

    Example:

    >>> str(plan_precision(device="gpu", compute_capability=(9, 0)))
    'mmkeras.training: device=gpu, dtype policy=mixed_bfloat16 (...)'
    """
    if policy != "auto" and policy not in POLICIES:
        raise ValueError(
            f"`policy` must be 'auto' or one of {POLICIES}. Received: policy={policy!r}"
        )
    device = detect_device() if device is None else device
    if device not in DEVICES:
        raise ValueError(f"`device` must be one of {DEVICES} or None. Received: device={device!r}")
    if policy != "auto":
        return PrecisionPlan(device, policy, "as requested")
    if device == "cpu":
        return PrecisionPlan(
            device,
            "float32",
            "the default on a CPU: half precision measured no faster there; "
            "see benchmarks/mixed_precision.py",
        )
    if compute_capability is None:
        compute_capability = gpu_compute_capability()
    if compute_capability is None:
        return PrecisionPlan(device, "float32", "the GPU's compute capability is unknown")
    if (
        not isinstance(compute_capability, (tuple, list))
        or len(compute_capability) != 2
        or not all(isinstance(part, int) for part in compute_capability)
    ):
        raise ValueError(
            "`compute_capability` must be a (major, minor) pair of ints such as (8, 0). "
            f"Received: compute_capability={compute_capability!r}"
        )
    capability = tuple(compute_capability)
    if capability >= (8, 0):
        return PrecisionPlan(
            device, "mixed_bfloat16", f"compute capability {capability}: bfloat16 tensor cores"
        )
    if capability >= (7, 0):
        return PrecisionPlan(
            device, "mixed_float16", f"compute capability {capability}: float16 tensor cores"
        )
    return PrecisionPlan(device, "float32", f"compute capability {capability}: no tensor cores")


def set_precision_policy(policy="auto", device=None, compute_capability=None, verbose=True):
    """Choose a dtype policy (see `plan_precision`) and make it Keras's global one.

    Layers created afterwards compute in the policy's dtype. Set it before
    building the model; `keras.config.set_dtype_policy("float32")` undoes it.

    Args:
        policy, device, compute_capability: as for `plan_precision`.
        verbose: print the decision.

    Returns:
        The `PrecisionPlan` that was applied.

    Example:

    >>> plan = set_precision_policy("float32", verbose=False)
    >>> plan.policy, keras.config.dtype_policy().name
    ('float32', 'float32')
    """
    plan = plan_precision(policy, device=device, compute_capability=compute_capability)
    keras.config.set_dtype_policy(plan.policy)
    if verbose:
        print(plan)
    return plan


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return type(layer).__name__.lower() if isinstance(layer, keras.layers.Softmax) else None
    return getattr(activation, "__name__", None)


def _graph_layers(model):
    """The layers of `model`'s graph and of the models nested in it.

    Layers inside a layer (an attention layer's own softmax, say) are left
    out: attention weights in half precision are standard practice, and
    only the model's own probabilities meet the loss.
    """
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _graph_layers(layer)
        else:
            yield layer


def check_mixed_precision_safe(model):
    """Raise if `model` would compute its outputs or softmaxes in half precision.

    Checks two things, and names every layer that fails them:

    - every output of the model is float32;
    - every layer of the model's graph (or of a model nested in it) whose
      activation is a softmax (a `Dense(..., activation="softmax")`,
      `Activation("softmax")` or `Softmax` layer) computes in float32.

    Args:
        model: a built `keras.Model`.

    Returns:
        `model`, so the call can wrap a builder.

    Raises:
        ValueError: naming the half-precision outputs and softmax layers,
            and how to fix them.

    Example:

    A softmax computed in float16 is refused, by name:

    >>> inputs = keras.Input((4,))
    >>> outputs = keras.layers.Dense(3, activation="softmax", dtype="mixed_float16", name="answers")(inputs)
    >>> check_mixed_precision_safe(keras.Model(inputs, outputs))
    Traceback (most recent call last):
    ...
    ValueError: ...answers...
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"Expected a keras.Model. Received: {type(model).__name__}")
    problems = []
    for tensor in model.outputs or []:
        if tensor.dtype != "float32":
            problems.append(f"output {tensor.name!r} is {tensor.dtype}")
    for layer in _graph_layers(model):
        if _activation_name(layer) in SOFTMAX_NAMES and layer.compute_dtype != "float32":
            problems.append(f"layer {layer.name!r} computes its softmax in {layer.compute_dtype}")
    if problems:
        raise ValueError(
            f"Model {model.name!r} is not safe to train under a mixed precision policy: "
            + "; ".join(problems)
            + ". Build its output layers with dtype='float32' (for example "
            "Dense(n, activation='softmax', dtype='float32')) so probabilities and "
            "the loss stay in float32."
        )
    return model
