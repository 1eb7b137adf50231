import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_choice
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rate

OUTPUTS = ("sequence", "vector")


@keras.saving.register_keras_serializable(package="mmkeras")
class CrossAttentionFusion(keras.layers.Layer):
    """One modality's sequence attends to another's (multi-head).

    Every query position (e.g. a word) gathers what it needs from the
    context positions (e.g. image regions) with multi-head scaled
    dot-product attention, and adds it to itself:
    `F = LayerNorm(Q + MultiHeadAttention(Q, C))`. Padded query or context
    positions (from a Keras mask or the `mask` argument) are never attended
    to. The roles are not symmetric, so the layer takes exactly two
    modalities: the query first, the context second; stack two layers to
    let both sides attend.

    Args:
        num_heads: int, number of attention heads.
        key_dim: int, width of each head's queries and keys.
        output: `"sequence"` returns `(B, Tq, Dq)`; `"vector"` averages the
            fused sequence over its real (unpadded) positions, `(B, Dq)`.
        dropout: dropout rate on the attention weights.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: `[query (B, Tq, Dq), context (B, Tc, Dc)]`.
        mask: optional `[query_mask (B, Tq), context_mask (B, Tc)]`, boolean,
            `True` at real positions; either may be `None`.
        return_attention_scores: if `True`, also return the attention
            weights, `(B, num_heads, Tq, Tc)`.
        training: Python bool, whether dropout runs.

    Returns:
        The fused tensor, or `(fused, scores)`.

    Example:

    >>> words, regions = keras.ops.ones((2, 5, 16)), keras.ops.ones((2, 9, 32))
    >>> tuple(CrossAttentionFusion(num_heads=4, key_dim=8)([words, regions]).shape)
    (2, 5, 16)
    """

    def __init__(self, num_heads, key_dim, output="sequence", dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("num_heads", num_heads)
        check_positive_int("key_dim", key_dim)
        check_choice("output", output, OUTPUTS)
        check_rate("dropout", dropout)
        self.num_heads = num_heads
        self.key_dim = key_dim
        # `output` would shadow Layer.output, the functional-API output tensor.
        self.output_mode = output
        self.dropout = dropout
        self.attention = keras.layers.MultiHeadAttention(
            num_heads, key_dim, dropout=dropout, dtype=self.dtype_policy, name="attention"
        )
        self.norm = keras.layers.LayerNormalization(dtype=self.dtype_policy, name="norm")
        self.supports_masking = True

    def _check(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(s, (list, tuple)) for s in input_shape)
        ):
            raise ValueError(
                "CrossAttentionFusion takes exactly two modalities, the query "
                "sequence then the context sequence: `CrossAttentionFusion(4, 16)"
                "([words, regions])`. For three or more, stack layers (each pair "
                f"in turn) or use AttentionFusion. Received: {input_shape}"
            )
        for name, shape in zip(("query", "context"), input_shape):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(
                    f"CrossAttentionFusion expects the {name} as a sequence "
                    "(batch, length, features) with a known feature width; use "
                    'e.g. ImageEncoder(output="grid") or TextEncoder(output="sequence"). '
                    f"Received {name} shape {tuple(shape)}."
                )
        return input_shape

    def build(self, input_shape):
        query_shape, context_shape = self._check(input_shape)
        build_sublayer(self.attention, tuple(query_shape), tuple(context_shape))
        build_sublayer(self.norm, tuple(query_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        query_shape, _ = self._check(input_shape)
        if self.output_mode == "vector":
            return (query_shape[0], query_shape[-1])
        return tuple(query_shape)

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, training=False):
        query_shape, context_shape = self._check([tuple(x.shape) for x in inputs])
        fused = keras.KerasTensor(self.compute_output_shape([query_shape, context_shape]), dtype=self.compute_dtype)
        if not return_attention_scores:
            return fused
        scores = keras.KerasTensor(
            (query_shape[0], self.num_heads, query_shape[1], context_shape[1]), dtype=self.compute_dtype
        )
        return fused, scores

    def compute_mask(self, inputs, mask=None):
        if self.output_mode == "vector" or mask is None:
            return None
        return mask[0]

    def call(self, inputs, mask=None, return_attention_scores=False, training=False):
        query, context = inputs
        query_mask, context_mask = mask if mask is not None else (None, None)
        attended, scores = self.attention(
            query,
            context,
            query_mask=query_mask,
            value_mask=context_mask,
            return_attention_scores=True,
            training=training,
        )
        fused = self.norm(ops.cast(query, self.compute_dtype) + attended)
        if self.output_mode == "vector":
            if query_mask is None:
                fused = ops.mean(fused, axis=1)
            else:
                weights = ops.expand_dims(ops.cast(query_mask, fused.dtype), -1)
                count = ops.maximum(ops.sum(weights, axis=1), 1.0)
                fused = ops.sum(fused * weights, axis=1) / count
        if return_attention_scores:
            return fused, scores
        return fused

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "output": self.output_mode,
                "dropout": self.dropout,
            }
        )
        return config
