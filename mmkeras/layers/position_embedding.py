import keras
from keras import ops

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class PositionEmbedding(keras.layers.Layer):
    """Add a learned vector for each position of a sequence.

    Self-attention is blind to order: permuting the tokens permutes its
    output and nothing else. Adding `P[t]`, a trainable vector per position
    t, to the t-th token's features tells the model where each token is:
    `y[b, t] = x[b, t] + P[t]`. Sequences may be shorter than
    `max_length` (the first T rows of `P` are used), never longer. A Keras
    mask on the inputs passes through.

    Args:
        max_length: int, the longest sequence the layer accepts.
        initializer: initializer of the position table.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor `(B, T, D)` with `T <= max_length`.

    Returns:
        A tensor `(B, T, D)`.

    Example:

    >>> tuple(PositionEmbedding(max_length=16)(keras.ops.zeros((2, 10, 8))).shape)
    (2, 10, 8)
    """

    def __init__(self, max_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        check_positive_int("max_length", max_length)
        self.max_length = max_length
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def _check(self, input_shape):
        check_rank(self, "inputs", input_shape, (3,), "(batch, sequence_length, features)")
        length = input_shape[1]
        if length is not None and length > self.max_length:
            raise ValueError(
                f"PositionEmbedding was created with max_length={self.max_length} "
                f"and received a sequence of length {length}. Truncate the "
                f"sequences or create the layer with max_length >= {length}."
            )

    def build(self, input_shape):
        self._check(input_shape)
        if input_shape[-1] is None:
            raise ValueError(
                f"PositionEmbedding needs a known feature width. Received shape {tuple(input_shape)}."
            )
        self.positions = self.add_weight(
            shape=(self.max_length, input_shape[-1]), initializer=self.initializer, name="positions"
        )
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return tuple(input_shape)

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        positions = ops.cast(self.positions[:length], self.compute_dtype)
        return ops.cast(inputs, self.compute_dtype) + positions[None]

    def get_config(self):
        config = super().get_config()
        config.update(
            {"max_length": self.max_length, "initializer": keras.initializers.serialize(self.initializer)}
        )
        return config
