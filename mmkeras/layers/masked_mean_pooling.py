import keras
from keras import ops

from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class MaskedMeanPooling(keras.layers.Layer):
    r"""Average a sequence over its real positions, skipping the padding.

    A Transformer encoder returns one vector per token, padding included.
    A sentence vector that averages the padding too changes with the
    padded length, so the same sentence gets another vector in a batch of
    longer ones. This layer reads the Keras mask (from an `Embedding` with
    `mask_zero=True`, or passed as `mask=`) and averages only the positions
    it marks; with no mask it averages every position.

    .. math::

        \bar{x}_b = \frac{\sum_{t} m_{bt}\, x_{bt}}{\sum_{t} m_{bt}}, \qquad m_{bt} = 1 \text{ at real positions, } 0 \text{ at padding}

    Args:
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a sequence `(B, T, D)`.
        mask: optional boolean `(B, T)`, True at real positions. A row
            with no real position pools to zeros.

    Returns:
        `(B, D)`, the mean of each row's real positions. The output carries
        no mask.

    Example:

    >>> sequence = np.array([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]], "float32")
    >>> keras.ops.convert_to_numpy(MaskedMeanPooling()(sequence, mask=np.array([[True, True, False]]))).tolist()
    [[2.0, 3.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        check_rank(self, "inputs", input_shape, (3,), "(batch, steps, features)")
        self.built = True

    def compute_output_shape(self, input_shape):
        check_rank(self, "inputs", input_shape, (3,), "(batch, steps, features)")
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
