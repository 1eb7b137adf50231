import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class AttentionFusion(Fusion):
    r"""Fuse modalities by a learned, per-example weighting of each.

    Each modality is projected to a common width, `p_m = x_m W_m + b_m`,
    scored by a small shared network, `s_m = w^T tanh(V p_m + c)`, and
    the scores are turned into weights over the modalities,
    `a = softmax(s)`. The output is `F = sum_m a_m p_m`. Unlike a fixed
    weighted sum, the weights differ for every example: the model can lean
    on the image for one input and on the text for another.

    .. math::

        p_m = x_m W_m + b_m, \qquad s_m = w^\top \tanh(V p_m + c), \qquad a = \operatorname{softmax}(s), \qquad F = \sum_{m=1}^{M} a_m\, p_m

    Args:
        units: int, the common width of the projections and of the output.
        attention_units: int, width of the scoring network (defaults to
            `units`).
        kernel_initializer: initializer of the projection kernels.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.
        return_attention_scores: if `True`, also return the weights.

    Returns:
        `F` of shape `(B, ..., units)`, or `(F, weights)` with weights of
        shape `(B, ..., M)` (summing to 1 over the M modalities).

    Example:

    >>> fusion = AttentionFusion(units=16)
    >>> fused, weights = fusion(
    ...     [keras.ops.ones((2, 64)), keras.ops.ones((2, 32))],
    ...     return_attention_scores=True,
    ... )
    >>> tuple(fused.shape), tuple(weights.shape)
    ((2, 16), (2, 2))
    """

    def __init__(self, units, attention_units=None, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        if attention_units is not None:
            check_positive_int("attention_units", attention_units)
        self.units = units
        self.attention_units = attention_units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.score_hidden = keras.layers.Dense(
            attention_units or units, activation="tanh", dtype=self.dtype_policy, name="score_hidden"
        )
        self.score = keras.layers.Dense(1, use_bias=False, dtype=self.dtype_policy, name="score")

    def output_width(self, widths):
        return self.units

    def build_fusion(self, widths, input_shape):
        self.kernels, self.biases = self.add_projections(widths, self.units, self.kernel_initializer)
        projected_shape = tuple(input_shape[0][:-1]) + (self.units,)
        build_sublayer(self.score_hidden, projected_shape)
        build_sublayer(self.score, projected_shape[:-1] + (self.score_hidden.units,))

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False):
        self.refuse_masks(mask)
        shapes = [tuple(x.shape) for x in inputs]
        fused = keras.KerasTensor(self.compute_output_shape(shapes), dtype=self.compute_dtype)
        if not return_attention_scores:
            return fused
        weights = keras.KerasTensor(shapes[0][:-1] + (len(shapes),), dtype=self.compute_dtype)
        return fused, weights

    def call(self, inputs, mask=None, return_attention_scores=False):
        inputs = self.check_inputs(inputs, mask)
        projected = ops.stack(self.project(inputs, self.kernels, self.biases), axis=-2)
        scores = ops.squeeze(self.score(self.score_hidden(projected)), axis=-1)
        weights = ops.softmax(scores, axis=-1)
        fused = ops.sum(projected * ops.expand_dims(weights, -1), axis=-2)
        if return_attention_scores:
            return fused, weights
        return fused

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "attention_units": self.attention_units,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
