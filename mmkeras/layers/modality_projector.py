import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class ModalityProjector(keras.layers.Layer):
    """Map one modality's tokens into another's width: LLaVA-1.5's two-layer MLP.

    `y = W_2 act(W_1 x + b_1) + b_2`, applied to every token, so image
    tokens of width `D_v` from a vision encoder become tokens of the
    language model's width `output_dim` that can sit in its sequence
    beside word embeddings. Training only this layer, with both encoders
    frozen, is LLaVA's first ("alignment") stage.

    Args:
        output_dim: int, the width of the tokens it makes (the language
            model's).
        hidden_dim: int, the hidden layer's width (defaults to `output_dim`).
        activation: the hidden layer's activation.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor `(B, N, D_v)` (or `(B, D_v)`) with known `D_v`.

    Returns:
        A tensor `(B, N, output_dim)` (or `(B, output_dim)`).

    Example:

    >>> tuple(ModalityProjector(32)(keras.ops.zeros((2, 16, 8))).shape)
    (2, 16, 32)

    Reference:
        Liu et al., "Improved Baselines with Visual Instruction Tuning"
        (LLaVA-1.5), CVPR 2024.
    """

    def __init__(self, output_dim, hidden_dim=None, activation="gelu", **kwargs):
        super().__init__(**kwargs)
        check_positive_int("output_dim", output_dim)
        if hidden_dim is not None:
            check_positive_int("hidden_dim", hidden_dim)
        self.output_dim = output_dim
        self.hidden_dim = hidden_dim
        self.activation = keras.activations.get(activation)
        self.hidden = keras.layers.Dense(
            hidden_dim or output_dim, activation=self.activation, dtype=self.dtype_policy, name="hidden"
        )
        self.projection = keras.layers.Dense(output_dim, dtype=self.dtype_policy, name="projection")
        self.supports_masking = True

    def _check(self, input_shape):
        check_rank(self, "inputs", input_shape, (2, 3), "(batch, tokens, features) or (batch, features)")
        if input_shape[-1] is None:
            raise ValueError(f"ModalityProjector needs a known feature width. Received shape {tuple(input_shape)}.")

    def build(self, input_shape):
        self._check(input_shape)
        build_sublayer(self.hidden, tuple(input_shape))
        build_sublayer(self.projection, tuple(input_shape[:-1]) + (self.hidden_dim or self.output_dim,))
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        return mask

    def call(self, inputs):
        return self.projection(self.hidden(ops.cast(inputs, self.compute_dtype)))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_dim": self.output_dim,
                "hidden_dim": self.hidden_dim,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config
