import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate


@keras.saving.register_keras_serializable(package="mmkeras")
class TransformerEncoder(keras.layers.Layer):
    r"""One Transformer encoder block, as in BERT (post-layer-norm).

    `h = LayerNorm(x + Dropout(MultiHeadSelfAttention(x)))`, then
    `y = LayerNorm(h + Dropout(W_2 act(W_1 h + b_1) + b_2))`. Padded
    positions (Keras mask from `Embedding(mask_zero=True)`, or the
    `padding_mask` argument) are never attended to, so extra padding
    changes nothing at the real positions; the mask passes on to the next
    block.

    .. math::

        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V, \qquad h = \operatorname{LN}\big(x + \operatorname{MHA}(x)\big), \qquad y = \operatorname{LN}\big(h + W_2\, \operatorname{act}(W_1 h + b_1) + b_2\big)

    Args:
        num_heads: int, number of attention heads.
        intermediate_dim: int, width of the feed-forward hidden layer.
        dropout: dropout rate after attention and feed-forward, and on the
            attention weights.
        activation: activation of the feed-forward hidden layer.
        layer_norm_epsilon: epsilon of the layer normalisations.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor `(B, T, D)`; `D` must be divisible by `num_heads`.
        padding_mask: optional boolean `(B, T)`, `True` at real tokens;
            defaults to the Keras mask of `inputs`.
        training: Python bool, whether dropout runs.
        return_attention_scores: Python bool, also return the attention
            weights, to see which positions each position read.

    Returns:
        A tensor `(B, T, D)`; with `return_attention_scores=True`,
        `(outputs, weights)` with weights `(B, num_heads, T, T)` (each row
        sums to 1 over the keys).

    Example:

    >>> block = TransformerEncoder(num_heads=2, intermediate_dim=32)
    >>> tuple(block(keras.ops.ones((2, 7, 16))).shape)
    (2, 7, 16)

    Reference:
        Vaswani et al., "Attention Is All You Need", NeurIPS 2017; Devlin
        et al., "BERT", NAACL 2019.
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        activation="gelu",
        layer_norm_epsilon=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("num_heads", num_heads)
        check_positive_int("intermediate_dim", intermediate_dim)
        check_rate("dropout", dropout)
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon
        policy = self.dtype_policy
        # The attention and output projections are sized by the model width,
        # known only in build(); Keras rebuilds a loaded layer from its build
        # config before restoring weights, so they reload (tested).
        self.attention = None
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="attention_norm"
        )
        self.intermediate = keras.layers.Dense(
            intermediate_dim, activation=self.activation, dtype=policy, name="intermediate"
        )
        self.output_dense = None
        self.output_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="output_norm"
        )
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy, name="dropout")
        self.supports_masking = True

    def _check(self, input_shape):
        check_rank(self, "inputs", input_shape, (3,), "(batch, sequence_length, features)")
        width = input_shape[-1]
        if width is None or width % self.num_heads:
            raise ValueError(
                f"TransformerEncoder needs a feature width divisible by num_heads="
                f"{self.num_heads}. Received shape {tuple(input_shape)}. Change the "
                "embedding width or the number of heads."
            )
        return width

    def build(self, input_shape):
        width = self._check(input_shape)
        if self.attention is None:
            self.attention = keras.layers.MultiHeadAttention(
                self.num_heads,
                width // self.num_heads,
                dropout=self.dropout,
                dtype=self.dtype_policy,
                name="attention",
            )
            self.output_dense = keras.layers.Dense(width, dtype=self.dtype_policy, name="output_dense")
        shape = tuple(input_shape)
        build_sublayer(self.attention, shape, shape)
        build_sublayer(self.attention_norm, shape)
        build_sublayer(self.intermediate, shape)
        build_sublayer(self.output_dense, shape[:-1] + (self.intermediate_dim,))
        build_sublayer(self.output_norm, shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention_scores=False, **kwargs):
        outputs = keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)
        if not return_attention_scores:
            return outputs
        batch, length = inputs.shape[0], inputs.shape[1]
        return outputs, keras.KerasTensor((batch, self.num_heads, length, length), dtype=self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def call(self, inputs, padding_mask=None, mask=None, training=False, return_attention_scores=False):
        if padding_mask is None:
            padding_mask = mask
        inputs = ops.cast(inputs, self.compute_dtype)
        attended = self.attention(
            inputs, inputs, query_mask=padding_mask, value_mask=padding_mask, training=training,
            return_attention_scores=return_attention_scores,
        )
        if return_attention_scores:
            attended, scores = attended
        hidden = self.attention_norm(inputs + self.dropout_layer(attended, training=training))
        transformed = self.output_dense(self.intermediate(hidden))
        outputs = self.output_norm(hidden + self.dropout_layer(transformed, training=training))
        return (outputs, scores) if return_attention_scores else outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "activation": keras.activations.serialize(self.activation),
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config
