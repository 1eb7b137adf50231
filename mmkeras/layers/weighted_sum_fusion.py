import keras
from keras import ops

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class WeightedSumFusion(Fusion):
    r"""Fuse modalities by a learned weighted sum, one weight per modality.

    `F = sum_m w_m p_m` with `w = softmax(l)`: the logits `l` are M
    trainable scalars shared by every example (contrast `AttentionFusion`,
    whose weights change per example). `p_m = x_m W_m + b_m` when `units`
    is given; otherwise `p_m = x_m`, which needs all widths equal. The
    learned weights, `modality_weights`, say how much the trained model
    leans on each modality overall.

    .. math::

        F = \sum_{m=1}^{M} w_m\, p_m, \qquad w = \operatorname{softmax}(l), \quad l \in \mathbb{R}^{M}

    Args:
        units: optional int; project every modality to this width first.
        kernel_initializer: initializer of the projection kernels.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.

    Returns:
        A tensor `(B, ..., D)`, `D = units` or the common width.

    Example:

    >>> fusion = WeightedSumFusion(units=8)
    >>> tuple(fusion([keras.ops.ones((2, 6)), keras.ops.ones((2, 4))]).shape)
    (2, 8)
    >>> [round(float(w), 2) for w in fusion.modality_weights]
    [0.5, 0.5]
    """

    def __init__(self, units=None, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if units is not None:
            check_positive_int("units", units)
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def output_width(self, widths):
        if self.units is not None:
            return self.units
        if len(set(widths)) != 1:
            raise ValueError(
                "WeightedSumFusion without `units` sums the modalities as they "
                f"are, so their widths must be equal. Received widths {widths}. "
                f"Pass `units` (e.g. WeightedSumFusion(units={max(widths)})) to "
                "project each modality to a common width first."
            )
        return widths[0]

    def build_fusion(self, widths, input_shape):
        self.logits = self.add_weight(shape=(len(widths),), initializer="zeros", name="modality_logits")
        self.kernels, self.biases = [], []
        if self.units is not None:
            self.kernels, self.biases = self.add_projections(widths, self.units, self.kernel_initializer)

    @property
    def modality_weights(self):
        """The current weights `softmax(l)`, shape `(M,)`, summing to 1."""
        if not self.built:
            raise ValueError(
                "WeightedSumFusion has no weights before it is built: call it on "
                "a list of modality tensors first."
            )
        return ops.softmax(self.logits)

    def call(self, inputs, mask=None):
        inputs = self.check_inputs(inputs, mask)
        if self.units is not None:
            inputs = self.project(inputs, self.kernels, self.biases)
        weights = ops.cast(ops.softmax(self.logits), self.compute_dtype)
        fused = inputs[0] * weights[0]
        for m in range(1, len(inputs)):
            fused = fused + inputs[m] * weights[m]
        return fused

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
