import keras
from keras import ops

from mmkeras.layers._checks import check_modality_list
from mmkeras.layers._checks import check_positive_int


@keras.saving.register_keras_serializable(package="mmkeras")
class AddFusion(keras.layers.Layer):
    """Fuse modalities by adding their features, projected first if asked.

    Without `projection_dim`: `F = x_1 + x_2 + ... + x_M`, which needs all
    widths equal and keeps that width (adding a D-dim and an N-dim vector
    is only defined when D = N, and gives D dims, not D + N). With
    `projection_dim = P`: `F = sum_m (x_m W_m + b_m)`, each modality first
    mapped to width P by its own learned projection.

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
    >>> AddFusion(projection_dim=16)([image, text]).shape
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

    def _output_width(self, widths):
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

    def build(self, input_shape):
        widths = check_modality_list(self, input_shape)
        self._output_width(widths)
        # Projections are weights rather than Dense sublayers because their
        # number is the number of modalities, known only here.
        self.kernels, self.biases = [], []
        if self.projection_dim is not None:
            for i, width in enumerate(widths):
                self.kernels.append(
                    self.add_weight(
                        shape=(width, self.projection_dim),
                        initializer=self.kernel_initializer,
                        name=f"kernel_{i}",
                    )
                )
                self.biases.append(
                    self.add_weight(
                        shape=(self.projection_dim,), initializer="zeros", name=f"bias_{i}"
                    )
                )
        self.built = True

    def compute_output_shape(self, input_shape):
        widths = check_modality_list(self, input_shape)
        return tuple(input_shape[0][:-1]) + (self._output_width(widths),)

    def call(self, inputs):
        inputs = [ops.cast(x, self.compute_dtype) for x in inputs]
        if self.projection_dim is not None:
            if len(inputs) != len(self.kernels):
                raise ValueError(
                    f"This AddFusion was built for {len(self.kernels)} modalities; "
                    f"received {len(inputs)}. Use one AddFusion per set of modalities."
                )
            inputs = [
                ops.matmul(x, kernel) + bias
                for x, kernel, bias in zip(inputs, self.kernels, self.biases)
            ]
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
