import keras
from keras import ops

from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class ConcatFusion(Fusion):
    r"""Fuse modalities by concatenating their features.

    `F = [x_1; x_2; ...; x_M]`: widths add up (a D-dim and an N-dim vector
    give D + N dims). Nothing is learned; what to make of the joint vector
    is left to the layers after it.

    .. math::

        F = \left[x_1; x_2; \dots; x_M\right] \in \mathbb{R}^{D_1 + D_2 + \dots + D_M}

    Args:
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.

    Returns:
        A tensor `(B, ..., sum_m D_m)`.

    Example:

    >>> fused = ConcatFusion()([keras.ops.ones((2, 3)), keras.ops.ones((2, 5))])
    >>> tuple(fused.shape)
    (2, 8)
    """

    def output_width(self, widths):
        return sum(widths)

    def call(self, inputs, mask=None):
        return ops.concatenate(self.check_inputs(inputs, mask), axis=-1)
