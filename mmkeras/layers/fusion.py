import keras
from keras import ops

from mmkeras.layers._checks import check_modality_list


class Fusion(keras.layers.Layer):
    """Base of the fusion layers: a list of modality tensors in, one tensor out.

    It holds the contract every fusion layer shares, so each subclass holds
    only its own maths:

    - the inputs are a list of two or more tensors `(B, ..., D_m)` of one
      rank that agree on every axis but the last (`check_modality_list`);
    - a layer is built for the number of modalities it first sees
      (`num_modalities`), and a call with another number is refused;
    - `add_projections` makes one learned projection per modality
      (`kernel_i`, `bias_i`), whose number is known only at build time,
      and `project` applies them;
    - padding masks are refused with an error that says what to do: these
      layers fuse position by position, so a padded position would be
      fused as if it were real (pool the sequence with its mask first, or
      use `CrossAttentionFusion`, which honours masks).

    Subclasses implement `output_width(widths)`, optionally
    `build_fusion(widths, input_shape)`, and a
    `call(inputs, mask=None, ...)` that starts with `inputs = self.check_inputs(inputs, mask)`.

    Args:
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Example:

    A fusion of your own states its output width and its call; the base
    checks the inputs:

    >>> class MaxFusion(Fusion):
    ...     def output_width(self, widths):
    ...         return widths[0]
    ...     def call(self, inputs, mask=None):
    ...         return keras.ops.max(keras.ops.stack(self.check_inputs(inputs, mask)), axis=0)
    >>> tuple(MaxFusion()([keras.ops.ones((2, 4)), keras.ops.zeros((2, 4))]).shape)
    (2, 4)
    >>> MaxFusion()([keras.ops.ones((2, 4))])
    Traceback (most recent call last):
    ...
    ValueError: ...
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.num_modalities = None

    def output_width(self, widths):
        """The fused width, given the modalities' widths."""
        raise NotImplementedError(f"{type(self).__name__} must implement output_width(widths).")

    def build_fusion(self, widths, input_shape):
        """Create the subclass's weights; `widths` are the modalities' widths."""

    def build(self, input_shape):
        widths = check_modality_list(self, input_shape)
        self.output_width(widths)
        self.num_modalities = len(widths)
        self.build_fusion(widths, input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        widths = check_modality_list(self, input_shape)
        return tuple(input_shape[0][:-1]) + (self.output_width(widths),)

    def add_projections(self, widths, units, initializer, prefix=""):
        """One `(D_m, units)` kernel and `(units,)` bias per modality."""
        kernels = [
            self.add_weight(shape=(width, units), initializer=initializer, name=f"{prefix}kernel_{i}")
            for i, width in enumerate(widths)
        ]
        biases = [
            self.add_weight(shape=(units,), initializer="zeros", name=f"{prefix}bias_{i}")
            for i in range(len(widths))
        ]
        return kernels, biases

    @staticmethod
    def project(inputs, kernels, biases):
        """`x_m W_m + b_m` for every modality."""
        return [ops.matmul(x, kernel) + bias for x, kernel, bias in zip(inputs, kernels, biases)]

    def check_inputs(self, inputs, mask=None):
        """The inputs in the compute dtype, after the count and mask checks."""
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{name} expects a list of modality tensors, e.g. `{name}(...)([image, text])`. "
                f"Received a single tensor of shape {tuple(inputs.shape)}."
            )
        if self.num_modalities is not None and len(inputs) != self.num_modalities:
            raise ValueError(
                f"This {name} was built for {self.num_modalities} modalities; received "
                f"{len(inputs)}. Use one {name} per set of modalities."
            )
        self.refuse_masks(mask)
        # Built layers skip build()'s shape checks: check the batch agreement of every call.
        check_modality_list(self, [tuple(x.shape) for x in inputs])
        return [ops.cast(x, self.compute_dtype) for x in inputs]

    def compute_output_spec(self, inputs, mask=None, **kwargs):
        # Symbolic calls (functional models) come here instead of call().
        self.refuse_masks(mask)
        return super().compute_output_spec(inputs, **kwargs)

    def refuse_masks(self, mask):
        """Raise if any input carries a padding mask (see the class docstring)."""
        name = type(self).__name__
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        if any(m is not None for m in masks):
            raise ValueError(
                f"{name} fuses position by position and cannot honour padding masks, so padded "
                f"positions would be fused as if they were real. Received masks on inputs "
                f"{[i for i, m in enumerate(masks) if m is not None]}. Pool each sequence with its mask "
                "first (e.g. TextEncoder(output='vector')), or fuse sequences with "
                "CrossAttentionFusion, which honours masks."
            )
