import keras
from keras import ops

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rate
from mmkeras.layers.fusion import Fusion


@keras.saving.register_keras_serializable(package="mmkeras")
class BilinearFusion(Fusion):
    r"""Low-rank bilinear fusion (MFB): multiplicative feature interactions.

    A full bilinear fusion `F_j = x^T W_j y` needs a `D_x x D_y` matrix per
    output unit. Factorising each `W_j` to rank k gives
    `F_j = sum_{r=1..k} (x U)_{jk+r} * (y V)_{jk+r}`: project every modality
    to `units * rank` features, multiply them element-wise across the
    modalities, and sum-pool each group of `rank` products. More than two
    modalities multiply in the same way (a low-rank multilinear product).
    With `normalize=True` the result is power-normalised, `sign(F) sqrt(|F|)`,
    and L2-normalised, as in MFB, which keeps the products' scale in check.

    .. math::

        F_j = x^\top W_j\, y \;\approx\; \sum_{r=1}^{k} (x U)_{jk+r}\, (y V)_{jk+r}

    Args:
        units: int, output width.
        rank: int, k, the rank of each factorised bilinear form.
        normalize: whether to apply the power and L2 normalisation.
        dropout: dropout rate on the products before pooling.
        kernel_initializer: initializer of the projection kernels.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list of two or more tensors `(B, ..., D_m)` that agree on
            every axis but the last.
        training: Python bool, whether dropout runs.

    Returns:
        A tensor `(B, ..., units)`.

    Example:

    >>> fusion = BilinearFusion(units=8, rank=3)
    >>> tuple(fusion([keras.ops.ones((2, 6)), keras.ops.ones((2, 4))]).shape)
    (2, 8)

    Reference:
        Yu et al., "Multi-modal Factorized Bilinear Pooling with
        Co-Attention Learning for Visual Question Answering", ICCV 2017.
    """

    def __init__(
        self, units, rank=4, normalize=True, dropout=0.0, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        check_positive_int("rank", rank)
        check_rate("dropout", dropout)
        self.units = units
        self.rank = rank
        self.normalize = normalize
        self.dropout = dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy, name="dropout")

    def output_width(self, widths):
        return self.units

    def build_fusion(self, widths, input_shape):
        self.kernels, self.biases = self.add_projections(widths, self.units * self.rank, self.kernel_initializer)

    def call(self, inputs, mask=None, training=False):
        product = None
        for projected in self.project(self.check_inputs(inputs, mask), self.kernels, self.biases):
            product = projected if product is None else product * projected
        product = self.dropout_layer(product, training=training)
        leading = tuple(ops.shape(product)[:-1])
        fused = ops.sum(ops.reshape(product, leading + (self.units, self.rank)), axis=-1)
        if self.normalize:
            fused = ops.sign(fused) * ops.sqrt(ops.abs(fused) + 1e-8)
            fused = fused / ops.sqrt(ops.sum(fused * fused, axis=-1, keepdims=True) + 1e-8)
        return fused

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "rank": self.rank,
                "normalize": self.normalize,
                "dropout": self.dropout,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
