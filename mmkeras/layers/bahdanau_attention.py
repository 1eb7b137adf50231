import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class BahdanauAttention(keras.layers.Layer):
    r"""Additive attention of one query vector over a set of values.

    For a query `q` (e.g. a decoder's hidden state) and values
    `v_1..v_N` (e.g. image regions):

    .. math::

        \text{score}_n = w^\top \tanh(W_1 v_n + W_2 q), \qquad a = \operatorname{softmax}(\text{score}), \qquad \text{context} = \sum_{n=1}^{N} a_n v_n

    (masked values get weight 0).

    The `tanh` and the scoring vector `w` turn `W_1 v_n + W_2 q`, a vector,
    into one score per value.

    Args:
        units: int, width of the hidden scoring space.
        use_bias: whether W1 and W2 have biases.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        query: tensor of shape `(B, Dq)`.
        values: tensor of shape `(B, N, Dv)`.
        mask: optional bool tensor `(B, N)`, `False` for values to ignore
            (padding). Defaults to the mask `values` carries, if any. A row
            with nothing unmasked gets all-zero weights and a zero context.
        projected_values: optional `project_values(values)`. A decoder that
            attends over the same values at every step computes `W1 v`
            once and passes it here, instead of once per step.

    Returns:
        A tuple `(context, weights)`: `context` of shape `(B, Dv)` and
        `weights` of shape `(B, N)`, which sum to 1 over unmasked values.

    Example:

    >>> attention = BahdanauAttention(units=8)
    >>> context, weights = attention(
    ...     keras.ops.ones((2, 4)), keras.ops.ones((2, 5, 3))
    ... )
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3), (2, 5))

    Reference:
        Bahdanau, Cho and Bengio, "Neural Machine Translation by Jointly
        Learning to Align and Translate", ICLR 2015.
    """

    def __init__(self, units, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        self.units = units
        self.use_bias = use_bias
        self.values_projection = keras.layers.Dense(
            units, use_bias=use_bias, dtype=self.dtype_policy, name="values_projection"
        )
        self.query_projection = keras.layers.Dense(
            units, use_bias=use_bias, dtype=self.dtype_policy, name="query_projection"
        )
        self.score = keras.layers.Dense(1, use_bias=False, dtype=self.dtype_policy, name="score")
        self.supports_masking = True

    def _check_shapes(self, query_shape, values_shape):
        check_rank(self, "query", query_shape, (2,), "(batch, query_dim)")
        check_rank(self, "values", values_shape, (3,), "(batch, num_values, value_dim)")
        if query_shape[-1] is None or values_shape[-1] is None:
            raise ValueError(
                "BahdanauAttention needs the last axis of `query` and `values` to be "
                f"known. Received query shape {tuple(query_shape)} and values shape "
                f"{tuple(values_shape)}."
            )

    def _check_call_shapes(self, query_shape, values_shape, mask_shape):
        """The batch of `query` and `values`, and `mask` against `values`, where the sizes are known."""
        if None not in (query_shape[0], values_shape[0]) and query_shape[0] != values_shape[0]:
            raise ValueError(
                "BahdanauAttention needs one query per example of `values`: the batch sizes must agree. "
                f"Received query shape {query_shape} and values shape {values_shape}."
            )
        if mask_shape is None:
            return
        if len(mask_shape) != 2 or any(
            None not in (got, want) and got != want for got, want in zip(mask_shape, values_shape[:2])
        ):
            raise ValueError(
                "BahdanauAttention expects `mask` of shape (batch, num_values), one flag per value, "
                f"matching values shape {values_shape}. Received mask shape {mask_shape}."
            )

    def build(self, query_shape, values_shape):
        self._check_shapes(query_shape, values_shape)
        build_sublayer(self.values_projection, values_shape)
        build_sublayer(self.query_projection, query_shape)
        build_sublayer(self.score, tuple(values_shape[:-1]) + (self.units,))
        self.built = True

    def project_values(self, values):
        """`W1 v` for every value, `(B, N, units)`: pass it as `projected_values`."""
        return self.values_projection(values)

    def compute_output_shape(self, query_shape, values_shape, **kwargs):
        self._check_shapes(query_shape, values_shape)
        return (values_shape[0], values_shape[2]), (values_shape[0], values_shape[1])

    def compute_mask(self, query, values, mask=None, **kwargs):
        # The values' mask is consumed here; context and weights need none.
        return None

    def call(self, query, values, mask=None, projected_values=None):
        if mask is None:
            mask = getattr(values, "_keras_mask", None)
        self._check_call_shapes(tuple(query.shape), tuple(values.shape), None if mask is None else tuple(mask.shape))
        if projected_values is None:
            projected_values = self.values_projection(values)
        hidden = ops.tanh(projected_values + ops.expand_dims(self.query_projection(query), 1))
        scores = ops.squeeze(self.score(hidden), axis=-1)
        weights = masked_softmax(scores, mask)
        context = ops.sum(ops.expand_dims(weights, -1) * ops.cast(values, weights.dtype), axis=1)
        return context, weights

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "use_bias": self.use_bias})
        return config


def masked_softmax(scores, mask=None, axis=-1):
    """Softmax over `axis` that gives masked positions exactly zero weight.

    Written without a large negative constant, so it is safe in float16,
    and a fully masked row gives zeros instead of NaN.
    """
    if mask is None:
        # ops.softmax would warn when `axis` has a single entry, which is
        # legitimate here (attention over one feature vector).
        exp = ops.exp(scores - ops.max(scores, axis=axis, keepdims=True))
        return exp / ops.sum(exp, axis=axis, keepdims=True)
    mask = ops.cast(mask, scores.dtype)
    shifted = scores - ops.max(ops.where(mask > 0, scores, ops.min(scores)), axis=axis, keepdims=True)
    exp = ops.exp(ops.minimum(shifted, 0.0)) * mask
    total = ops.sum(exp, axis=axis, keepdims=True)
    return exp / ops.maximum(total, keras.config.epsilon())
