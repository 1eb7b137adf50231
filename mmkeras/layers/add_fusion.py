import keras

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class AddFusion(Fusion):
    r"""Fuse modalities by adding their features, projected first if asked.

    Without `projection_dim`: `F = x_1 + x_2 + ... + x_M`, which needs all
    widths equal and keeps that width (adding a D-dim and an N-dim vector
    is only defined when D = N, and gives D dims, not D + N). With
    `projection_dim = P`: `F = sum_m (x_m W_m + b_m)`, each modality first
    mapped to width P by its own learned projection.

    .. math::

        F = \sum_{m=1}^{M} x_m \qquad\text{or, with } P\text{:}\qquad F = \sum_{m=1}^{M} \left(x_m W_m + b_m\right),\; W_m \in \mathbb{R}^{D_m \times P}

    Args:
        projection_dim: optional int, the common width to project to.
        activation: activation applied to the sum.
        kernel_initializer: initializer of the projection kernels.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.

    Returns:
        A tensor `(B, ..., D)` with `D = projection_dim` or the common width.

    Example:

    >>> image, text = keras.ops.ones((2, 64)), keras.ops.ones((2, 32))
    >>> tuple(AddFusion(projection_dim=16)([image, text]).shape)
    (2, 16)
    """

    def __init__(
        self, projection_dim=None, activation=None, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        if projection_dim is not None:
            check_positive_int("projection_dim", projection_dim)
        self.projection_dim = projection_dim
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def output_width(self, widths):
        if self.projection_dim is not None:
            return self.projection_dim
        if len(set(widths)) != 1:
            raise ValueError(
                "AddFusion without `projection_dim` adds the modalities element by "
                f"element, so their widths must be equal. Received widths {widths}. "
                f"Pass `projection_dim` (e.g. AddFusion(projection_dim={max(widths)})) "
                "to project each modality to a common width first, or use "
                "ConcatFusion to keep all dimensions."
            )
        return widths[0]

    def build_fusion(self, widths, input_shape):
        self.kernels, self.biases = [], []
        if self.projection_dim is not None:
            self.kernels, self.biases = self.add_projections(widths, self.projection_dim, self.kernel_initializer)

    def call(self, inputs, mask=None):
        inputs = self.check_inputs(inputs, mask)
        if self.projection_dim is not None:
            inputs = self.project(inputs, self.kernels, self.biases)
        fused = inputs[0]
        for x in inputs[1:]:
            fused = fused + x
        return self.activation(fused)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "projection_dim": self.projection_dim,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
