import keras
from keras import ops

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class GatedFusion(Fusion):
    r"""Gated multimodal unit: per-feature gates choose between modalities.

    Each modality gets its own non-linear view, `h_m = tanh(x_m W_m)`; a
    gate reads all modalities at once, `z = softmax_m(x V_m + c_m)` with
    `x` the concatenated inputs and the softmax taken over the M
    modalities separately for every output unit; the output is
    `F = sum_m z_m * h_m`. With two modalities this is the GMU of Arevalo
    et al.: `z = sigmoid(...)`, `F = z h_1 + (1 - z) h_2`. Unlike attention
    fusion, the choice is made per feature, not per modality.

    .. math::

        h_m = \tanh(x_m W_m), \qquad z = \operatorname{softmax}_m\!\left(x V_m + c_m\right), \qquad F = \sum_{m=1}^{M} z_m \odot h_m

    Args:
        units: int, width of the views and of the output.
        kernel_initializer: initializer of the kernels.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.
        return_gates: if `True`, also return the gates `z`.

    Returns:
        `F` of shape `(B, ..., units)`, or `(F, z)` with `z` of shape
        `(B, ..., M, units)`, summing to 1 over the M modalities.

    Example:

    >>> fused = GatedFusion(units=8)([keras.ops.ones((2, 6)), keras.ops.ones((2, 4))])
    >>> tuple(fused.shape)
    (2, 8)

    Reference:
        Arevalo et al., "Gated Multimodal Units for Information Fusion",
        ICLR workshop 2017.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def output_width(self, widths):
        return self.units

    def build_fusion(self, widths, input_shape):
        count = len(widths)
        self.view_kernels = [
            self.add_weight(shape=(w, self.units), initializer=self.kernel_initializer, name=f"view_kernel_{i}")
            for i, w in enumerate(widths)
        ]
        self.gate_kernel = self.add_weight(
            shape=(sum(widths), count * self.units), initializer=self.kernel_initializer, name="gate_kernel"
        )
        self.gate_bias = self.add_weight(shape=(count * self.units,), initializer="zeros", name="gate_bias")

    def compute_output_spec(self, inputs, mask=None, return_gates=False):
        self.refuse_masks(mask)
        shapes = [tuple(x.shape) for x in inputs]
        fused = keras.KerasTensor(self.compute_output_shape(shapes), dtype=self.compute_dtype)
        if not return_gates:
            return fused
        gates = keras.KerasTensor(shapes[0][:-1] + (len(shapes), self.units), dtype=self.compute_dtype)
        return fused, gates

    def call(self, inputs, mask=None, return_gates=False):
        inputs = self.check_inputs(inputs, mask)
        count = len(self.view_kernels)
        views = ops.stack([ops.tanh(ops.matmul(x, k)) for x, k in zip(inputs, self.view_kernels)], axis=-2)
        gate_logits = ops.matmul(ops.concatenate(inputs, axis=-1), self.gate_kernel) + self.gate_bias
        gate_logits = ops.reshape(gate_logits, tuple(ops.shape(gate_logits)[:-1]) + (count, self.units))
        gates = ops.softmax(gate_logits, axis=-2)
        fused = ops.sum(gates * views, axis=-2)
        if return_gates:
            return fused, gates
        return fused

    def get_config(self):
        config = super().get_config()
        config.update(
            {"units": self.units, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
        )
        return config
