import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_ids_in_range
from mmkeras.layers._checks import check_integer_ids
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate
from mmkeras.layers.bahdanau_attention import BahdanauAttention


@keras.saving.register_keras_serializable(package="mmkeras")
class LSTMDecoder(keras.layers.Layer):
    """LSTM language decoder that attends over features at every step.

    The "show, attend and tell" decoder. At step t, with previous state
    `(h, c)`, token `y_t` and features `f_1..f_N` (image regions):

        context_t, a_t = BahdanauAttention(h, f)
        h, c           = LSTMCell([embed(y_t), context_t], (h, c))
        logits_t       = Dense(vocab_size)([h, context_t])

    The initial state is a learned `tanh` projection of the mean feature.
    Called on a whole token sequence it is teacher-forced (the true
    previous token at every step); `step` runs one step, for generation
    loops.

    Args:
        vocab_size: int, number of token ids.
        embedding_dim: int, width of the token embeddings.
        units: int, width of the LSTM state.
        attention_units: int, width of the attention's scoring space
            (defaults to `units`).
        dropout: dropout rate before the output projection.
        mask_zero: whether token id 0 is padding; if so, the output carries
            a mask that Keras uses to leave padding out of the loss.
        unroll: how the teacher-forced steps run. `"auto"` (default)
            unrolls them when the sequence length is known when the model
            is built and uses `keras.ops.scan` otherwise; `True` always
            unrolls (the length must be known), `False` always scans.
            Unrolled steps train faster on a CPU and compile with XLA on
            TensorFlow, whose `scan` gradient XLA rejects ("XLA compilation
            requires a fixed tensor list size").
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list `[tokens, features]`: `tokens` int `(B, T)`, the
            previous tokens (starting with the start token); `features`
            `(B, N, D)` region features, or `(B, D)` for a single vector.
            A mask carried by `features` is respected.
            An id outside `[0, vocab_size)` raises a ValueError naming it when
            the layer runs eagerly; inside a compiled graph (`fit`,
            a traced function, `jax.jit`) it is not checked, and the backend
            decides (an error on TensorFlow's CPU, a zero vector on its
            GPU, a clamped index under XLA).
        training: Python bool, whether dropout runs.

    Returns:
        Logits of shape `(B, T, vocab_size)`.

    Example:

    >>> decoder = LSTMDecoder(vocab_size=20, embedding_dim=8, units=16)
    >>> tokens = keras.ops.convert_to_tensor([[2, 5, 6, 0]])
    >>> tuple(decoder([tokens, keras.ops.ones((1, 9, 4))]).shape)
    (1, 4, 20)

    Reference:
        Xu et al., "Show, Attend and Tell: Neural Image Caption Generation
        with Visual Attention", ICML 2015.
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        units,
        attention_units=None,
        dropout=0.0,
        mask_zero=True,
        unroll="auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("embedding_dim", embedding_dim)
        check_positive_int("units", units)
        if attention_units is not None:
            check_positive_int("attention_units", attention_units)
        check_rate("dropout", dropout)
        if unroll not in (True, False, "auto"):
            raise ValueError(f"`unroll` must be True, False or 'auto'. Received: unroll={unroll!r}")
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.attention_units = attention_units
        self.dropout = dropout
        self.mask_zero = mask_zero
        self.unroll = unroll

        self.embedding = keras.layers.Embedding(
            vocab_size, embedding_dim, dtype=self.dtype_policy, name="embedding"
        )
        self.attention = BahdanauAttention(
            attention_units or units, dtype=self.dtype_policy, name="attention"
        )
        self.cell = keras.layers.LSTMCell(units, dtype=self.dtype_policy, name="cell")
        self.initial_h = keras.layers.Dense(
            units, activation="tanh", dtype=self.dtype_policy, name="initial_h"
        )
        self.initial_c = keras.layers.Dense(
            units, activation="tanh", dtype=self.dtype_policy, name="initial_c"
        )
        self.output_dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)
        self.output_projection = keras.layers.Dense(
            vocab_size, dtype=self.dtype_policy, name="output_projection"
        )

    def _check_shapes(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                "LSTMDecoder expects a list [tokens, features]. "
                f"Received input shape(s): {input_shape}"
            )
        tokens_shape, features_shape = input_shape
        check_rank(self, "tokens", tokens_shape, (2,), "(batch, sequence_length) token ids")
        check_rank(
            self, "features", features_shape, (2, 3), "(batch, regions, dim) or (batch, dim)"
        )
        if features_shape[-1] is None:
            raise ValueError(
                "LSTMDecoder needs the feature width (last axis of `features`) to be "
                f"known. Received features shape {tuple(features_shape)}."
            )
        return tokens_shape, features_shape

    def _check_unroll(self, tokens_shape):
        if self.unroll is True and tokens_shape[1] is None:
            raise ValueError(
                "LSTMDecoder(unroll=True) needs the sequence length to be known. Received tokens of "
                f"shape {tuple(tokens_shape)}; give the Input a fixed length or use unroll='auto'."
            )

    def build(self, input_shape):
        tokens_shape, features_shape = self._check_shapes(input_shape)
        self._check_unroll(tokens_shape)
        batch, feature_dim = features_shape[0], features_shape[-1]
        build_sublayer(self.embedding, tokens_shape)
        build_sublayer(self.attention, (batch, self.units), (batch, None, feature_dim))
        build_sublayer(self.cell, (batch, self.embedding_dim + feature_dim))
        build_sublayer(self.initial_h, (batch, feature_dim))
        build_sublayer(self.initial_c, (batch, feature_dim))
        build_sublayer(self.output_projection, (batch, self.units + feature_dim))
        self.built = True

    def compute_output_shape(self, input_shape):
        tokens_shape, _ = self._check_shapes(input_shape)
        return (tokens_shape[0], tokens_shape[1], self.vocab_size)

    def compute_output_spec(self, inputs, **kwargs):
        # Symbolic calls (functional models) come here instead of call().
        if isinstance(inputs, (list, tuple)) and inputs:
            check_integer_ids(self, "tokens", inputs[0].dtype)
        return super().compute_output_spec(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs[0], 0)

    def _features_and_mask(self, features, features_mask=None):
        if features_mask is None:
            features_mask = getattr(features, "_keras_mask", None)
        features = ops.cast(features, self.compute_dtype)
        if len(features.shape) == 2:
            features = ops.expand_dims(features, 1)
        return features, features_mask

    def _ensure_built(self, features, tokens=None):
        # decode/step/initial_state bypass __call__, which would build the
        # layer; JAX must not meet an unbuilt sublayer inside a traced scan.
        if self.built:
            return
        tokens_shape = tuple(tokens.shape) if tokens is not None else (features.shape[0], 1)
        self.build([tokens_shape, tuple(features.shape)])

    def initial_state(self, features, features_mask=None):
        """The decoder's starting `[h, c]`, each `(B, units)`, from the features."""
        features, features_mask = self._features_and_mask(features, features_mask)
        self._ensure_built(features)
        if features_mask is None:
            mean = ops.mean(features, axis=1)
        else:
            weights = ops.expand_dims(ops.cast(features_mask, features.dtype), -1)
            mean = ops.sum(features * weights, axis=1) / ops.maximum(
                ops.sum(weights, axis=1), 1.0
            )
        return [self.initial_h(mean), self.initial_c(mean)]

    def _advance(self, embedded, state, features, features_mask, keys):
        context, weights = self.attention(state[0], features, mask=features_mask, projected_values=keys)
        cell_input = ops.concatenate([embedded, ops.cast(context, embedded.dtype)], axis=-1)
        hidden, state = self.cell(cell_input, state)
        return hidden, state, context, weights

    def attention_keys(self, features):
        """The features projected for attention, `(B, N, attention_units)`.

        They do not change from step to step: compute them once and pass
        them to every `step` call as `keys`.
        """
        features, _ = self._features_and_mask(features)
        self._ensure_built(features)
        return self.attention.project_values(features)

    def step(self, tokens, state, features, features_mask=None, training=False, keys=None):
        """One decoding step.

        Args:
            tokens: int tensor `(B,)`, the previous token of each sequence.
            state: `[h, c]`, from `initial_state` or the previous step.
            features: `(B, N, D)` (or `(B, D)`) features to attend over.
            features_mask: optional bool `(B, N)`.
            training: Python bool.
            keys: optional `attention_keys(features)`, to save computing
                them again at every step.

        Returns:
            `(logits (B, vocab_size), new_state [h, c], weights (B, N))`.
        """
        features, features_mask = self._features_and_mask(features, features_mask)
        self._ensure_built(features)
        hidden, state, context, weights = self._advance(
            self.embedding(tokens), state, features, features_mask, keys
        )
        output = self.output_dropout(ops.concatenate([hidden, context], -1), training=training)
        return self.output_projection(output), state, weights

    def decode(self, tokens, features, features_mask=None, training=False):
        """Teacher-forced decoding that also returns the attention weights.

        Returns:
            `(logits (B, T, vocab_size), weights (B, T, N))`.
        """
        check_integer_ids(self, "tokens", tokens.dtype)
        check_ids_in_range(self, "tokens", tokens, self.vocab_size)
        features, features_mask = self._features_and_mask(features, features_mask)
        self._ensure_built(features, tokens)
        state = self.initial_state(features, features_mask)
        keys = self.attention.project_values(features)
        steps = tokens.shape[1]
        self._check_unroll(tokens.shape)
        if self.unroll is True or (self.unroll == "auto" and steps is not None):
            return self._decode_unrolled(tokens, state, features, features_mask, keys, steps, training)
        embedded = ops.moveaxis(self.embedding(tokens), 1, 0)

        # The TensorFlow backend's scan needs its per-step outputs to have
        # the carry's structure, so the carry holds every per-step output.
        def scan_step(carry, embedded_t):
            h, c = carry[0], carry[1]
            hidden, (h, c), context, weights = self._advance(
                embedded_t, [h, c], features, features_mask, keys
            )
            carry = (h, c, ops.cast(context, h.dtype), ops.cast(weights, h.dtype))
            return carry, carry

        first = (
            state[0],
            state[1],
            ops.zeros_like(features[:, 0, :]),
            ops.zeros_like(features[:, :, 0]),
        )
        _, (hiddens, _, contexts, weights) = ops.scan(scan_step, first, embedded)
        outputs = ops.concatenate([hiddens, ops.cast(contexts, hiddens.dtype)], -1)
        outputs = self.output_dropout(ops.moveaxis(outputs, 0, 1), training=training)
        return self.output_projection(outputs), ops.moveaxis(weights, 0, 1)

    def _decode_unrolled(self, tokens, state, features, features_mask, keys, steps, training):
        embedded = self.embedding(tokens)
        outputs, weights = [], []
        for t in range(steps):
            hidden, state, context, step_weights = self._advance(
                embedded[:, t], state, features, features_mask, keys
            )
            outputs.append(ops.concatenate([hidden, ops.cast(context, hidden.dtype)], -1))
            weights.append(ops.cast(step_weights, hidden.dtype))
        outputs = self.output_dropout(ops.stack(outputs, axis=1), training=training)
        return self.output_projection(outputs), ops.stack(weights, axis=1)

    def call(self, inputs, training=False):
        tokens, features = inputs
        logits, _ = self.decode(tokens, features, training=training)
        return logits

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "attention_units": self.attention_units,
                "dropout": self.dropout,
                "mask_zero": self.mask_zero,
                "unroll": self.unroll,
            }
        )
        return config
