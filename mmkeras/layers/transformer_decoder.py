import math

import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate


@keras.saving.register_keras_serializable(package="mmkeras")
class TransformerDecoder(keras.layers.Layer):
    """One Transformer decoder block with a key/value cache (pre-layer-norm, as in GPT-2).

    `h = x + SelfAttention(LN(x))` with a causal mask (position t sees
    positions <= t); with `cross_attention=True`, then
    `h = h + CrossAttention(LN(h), encoder_outputs)`; then
    `y = h + W_2 act(W_1 LN(h))`. Dropout follows each sub-block.

    A prefix can attend both ways: with `prefix_length=P` the first P
    positions see each other (a PaliGemma-style prefix: image tokens and
    a prompt), every later one still sees only what comes before it.

    Incremental decoding: pass `cache`, a tensor
    `(B, 2, S, heads, head_dim)` of the keys and values of every position written so far
    (zeros to start, see `initial_cache`), and `cache_update_index`, the
    position of `inputs`' first token. The block writes the new keys and
    values at that index, attends over the cache, and returns the updated
    cache with its output, so generating a token costs one position's work
    instead of the whole sequence's; the outputs equal those of the full
    sequence (tested). Cross-attention keys and values are recomputed from
    `encoder_outputs` at each call.

    Args:
        num_heads: int, number of attention heads.
        intermediate_dim: int, width of the feed-forward hidden layer.
        cross_attention: bool, add a cross-attention sub-block over
            `encoder_outputs`.
        dropout: dropout rate after each sub-block and on the attention
            weights.
        activation: activation of the feed-forward hidden layer.
        layer_norm_epsilon: epsilon of the layer normalisations.
        lora_rank: optional int, adapt the attention's query and value
            projections with LoRA of this rank (see `enable_lora`).
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor `(B, T, D)`; `D` divisible by `num_heads`.
        encoder_outputs: `(B, S_e, D_e)`, required with `cross_attention`.
        padding_mask: optional boolean `(B, T)` (or `(B, S)` with a cache),
            `True` at real tokens; keys at padded positions are never
            attended to. Defaults to the Keras mask of `inputs`.
        encoder_padding_mask: optional boolean `(B, S_e)`.
        prefix_length: optional int or int tensor `(B,)`: positions below
            it attend to each other in both directions.
        cache: optional `(B, 2, S, num_heads, D // num_heads)` keys and
            values, with `cache_update_index`.
        cache_update_index: int or int scalar tensor, where `inputs` go in
            the cache.
        training: Python bool, whether dropout runs.

    Returns:
        A tensor `(B, T, D)`; with a cache, `(outputs, updated_cache)`.

    Example:

    >>> block = TransformerDecoder(num_heads=2, intermediate_dim=32)
    >>> tuple(block(keras.ops.ones((2, 7, 16))).shape)
    (2, 7, 16)
    >>> cache = block.initial_cache(batch_size=2, max_length=7, width=16)
    >>> step, cache = block(keras.ops.ones((2, 1, 16)), cache=cache, cache_update_index=0)
    >>> tuple(step.shape), tuple(cache.shape)
    ((2, 1, 16), (2, 2, 7, 2, 8))

    LoRA: the pretrained projections freeze, and low-rank updates train:

    >>> block.enable_lora(rank=2)
    >>> sorted(w.path.split("/")[-1] for w in block.trainable_weights if "lora" in w.path)[:2]
    ['lora_kernel_a', 'lora_kernel_a']

    Reference:
        Vaswani et al., "Attention Is All You Need", NeurIPS 2017; Radford
        et al., "Language Models are Unsupervised Multitask Learners"
        (GPT-2), 2019; Hu et al., "LoRA: Low-Rank Adaptation of Large
        Language Models", ICLR 2022.
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        cross_attention=False,
        dropout=0.0,
        activation="gelu",
        layer_norm_epsilon=1e-6,
        lora_rank=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("num_heads", num_heads)
        if lora_rank is not None:
            check_positive_int("lora_rank", lora_rank)
        check_positive_int("intermediate_dim", intermediate_dim)
        check_rate("dropout", dropout)
        if not isinstance(cross_attention, bool):
            raise TypeError(f"`cross_attention` must be a bool. Received: cross_attention={cross_attention!r}")
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.cross_attention = cross_attention
        self.dropout = dropout
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon
        self.lora_rank = lora_rank
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy, name="dropout")
        self.supports_masking = True

    def _width(self, inputs_shape):
        check_rank(self, "inputs", inputs_shape, (3,), "(batch, sequence_length, features)")
        width = inputs_shape[-1]
        if width is None or width % self.num_heads:
            raise ValueError(
                f"TransformerDecoder needs a feature width divisible by num_heads={self.num_heads}. "
                f"Received shape {tuple(inputs_shape)}. Change the embedding width or the number of heads."
            )
        return width

    def _dense(self, units, name, activation=None):
        return keras.layers.Dense(units, activation=activation, dtype=self.dtype_policy, name=name)

    def _norm(self, name):
        return keras.layers.LayerNormalization(epsilon=self.layer_norm_epsilon, dtype=self.dtype_policy, name=name)

    def build(self, inputs_shape, encoder_outputs_shape=None):
        width = self._width(inputs_shape)
        if self.cross_attention and encoder_outputs_shape is None:
            raise ValueError(
                "This TransformerDecoder was created with cross_attention=True: call it with "
                "encoder_outputs=..., the sequence it attends to."
            )
        self.width, self.head_dim = width, width // self.num_heads
        shape = tuple(inputs_shape)
        # Sized by the model width, known only here; Keras rebuilds a loaded
        # layer from its build config before restoring weights (tested).
        self.self_norm = self._norm("self_attention_norm")
        self.self_query, self.self_key, self.self_value, self.self_output = (
            self._dense(width, f"self_attention_{part}") for part in ("query", "key", "value", "output")
        )
        for layer in (self.self_norm, self.self_query, self.self_key, self.self_value, self.self_output):
            build_sublayer(layer, shape)
        if self.cross_attention:
            check_rank(self, "encoder_outputs", encoder_outputs_shape, (3,), "(batch, encoder_length, features)")
            encoder_shape = tuple(encoder_outputs_shape)
            self.cross_norm = self._norm("cross_attention_norm")
            self.cross_query, self.cross_key, self.cross_value, self.cross_output = (
                self._dense(width, f"cross_attention_{part}") for part in ("query", "key", "value", "output")
            )
            for layer in (self.cross_norm, self.cross_query, self.cross_output):
                build_sublayer(layer, shape)
            build_sublayer(self.cross_key, encoder_shape)
            build_sublayer(self.cross_value, encoder_shape)
        self.feed_forward_norm = self._norm("feed_forward_norm")
        self.intermediate = self._dense(self.intermediate_dim, "intermediate", activation=self.activation)
        self.feed_forward_output = self._dense(width, "feed_forward_output")
        build_sublayer(self.feed_forward_norm, shape)
        build_sublayer(self.intermediate, shape)
        build_sublayer(self.feed_forward_output, shape[:-1] + (self.intermediate_dim,))
        self.built = True
        if self.lora_rank is not None:
            # Also when a block is reloaded: its adapters exist before its weights (theirs among them) load.
            self._apply_lora(self.lora_rank)

    def _apply_lora(self, rank):
        targets = [self.self_query, self.self_value]
        if self.cross_attention:
            targets += [self.cross_query, self.cross_value]
        for layer in self._flatten_layers(include_self=False):
            layer.trainable = layer in targets
        for dense in targets:
            dense.enable_lora(rank)  # freezes the kernel, adds the two low-rank matrices
            if dense.bias is not None:
                dense.bias.trainable = False

    def enable_lora(self, rank):
        """Freeze the block and adapt its attention's query and value projections with LoRA.

        Each adapted kernel `W` (frozen) becomes `W + A B` with `A` of shape
        `(width, rank)` and `B` of `(rank, width)`, `B` starting at zero so
        the block computes what it did before training; Keras's `Dense`
        holds the two matrices (`Dense.enable_lora`). Every other weight of
        the block stops training. The rank is saved with the block, so a
        reloaded one has its adapters.

        Args:
            rank: int, the rank of the updates.
        """
        check_positive_int("rank", rank)
        if not self.built:
            raise ValueError(f"Build {self.name} (call it once) before enabling LoRA, or pass lora_rank={rank} "
                             "when creating it.")
        if self.lora_rank is not None:
            raise ValueError(f"LoRA is already enabled on {self.name} (rank {self.lora_rank}).")
        self._apply_lora(rank)
        self.lora_rank = rank

    def initial_cache(self, batch_size, max_length, width=None):
        """An empty cache for sequences of up to `max_length` positions:
        zeros `(batch_size, 2, max_length, num_heads, head_dim)`."""
        width = getattr(self, "width", None) if width is None else width
        if width is None:
            raise ValueError("The block is not built yet: pass `width`, the feature width of its inputs.")
        self._width((None, None, width))
        return ops.zeros((batch_size, 2, max_length, self.num_heads, width // self.num_heads), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def _heads(self, x):
        return ops.reshape(x, (ops.shape(x)[0], ops.shape(x)[1], self.num_heads, self.head_dim))

    def _attend(self, query, key, value, allowed, training):
        # Scores and softmax in float32, so a float16 policy neither
        # overflows the masked scores nor loses the small weights.
        scale = 1.0 / math.sqrt(self.head_dim)
        scores = ops.einsum("bthd,bshd->bhts", ops.cast(query, "float32"), ops.cast(key, "float32")) * scale
        scores = ops.where(allowed[:, None, :, :], scores, -1e9)
        weights = self.dropout_layer(ops.softmax(scores, axis=-1), training=training)
        attended = ops.einsum("bhts,bshd->bthd", ops.cast(weights, self.compute_dtype), value)
        return ops.reshape(attended, (ops.shape(query)[0], ops.shape(query)[1], self.width))

    def _check_cache(self, cache, inputs):
        expected = (self.num_heads, self.head_dim)
        if len(cache.shape) != 5 or cache.shape[1] != 2 or tuple(cache.shape[3:]) != expected:
            raise ValueError(
                "`cache` must have shape (batch, 2, max_length, num_heads, head_dim) = "
                f"(batch, 2, max_length, {self.num_heads}, {self.head_dim}). Received shape {tuple(cache.shape)}. "
                "Make one with block.initial_cache(batch_size, max_length)."
            )
        if cache.shape[0] is not None and inputs.shape[0] is not None and cache.shape[0] != inputs.shape[0]:
            raise ValueError(
                f"`cache` holds {cache.shape[0]} sequences but `inputs` has {inputs.shape[0]}."
            )

    def call(
        self,
        inputs,
        encoder_outputs=None,
        padding_mask=None,
        encoder_padding_mask=None,
        prefix_length=None,
        cache=None,
        cache_update_index=None,
        mask=None,
        training=False,
    ):
        self._width(inputs.shape)
        if padding_mask is None and cache is None:
            padding_mask = mask
        if self.cross_attention and encoder_outputs is None:
            raise ValueError("This TransformerDecoder has cross-attention: pass `encoder_outputs`.")
        if (cache is None) != (cache_update_index is None):
            raise ValueError(
                "Pass `cache` and `cache_update_index` together (incremental decoding), or neither. "
                f"Received cache={'a tensor' if cache is not None else None}, "
                f"cache_update_index={cache_update_index!r}."
            )
        inputs = ops.cast(inputs, self.compute_dtype)
        length = ops.shape(inputs)[1]
        normed = self.self_norm(inputs)
        query = self._heads(self.self_query(normed))
        key = self._heads(self.self_key(normed))
        value = self._heads(self.self_value(normed))
        first = 0
        if cache is not None:
            self._check_cache(cache, inputs)
            first = ops.cast(cache_update_index, "int32")
            zero = ops.zeros((), "int32")
            cache = ops.slice_update(
                cache, (zero, zero, first, zero, zero), ops.cast(ops.stack([key, value], axis=1), cache.dtype)
            )
            key, value = cache[:, 0], cache[:, 1]
        query_positions = first + ops.arange(length, dtype="int32")
        key_positions = ops.arange(ops.shape(key)[1], dtype="int32")
        allowed = key_positions[None, None, :] <= query_positions[None, :, None]
        if prefix_length is not None:
            prefix = ops.reshape(ops.cast(prefix_length, "int32"), (-1, 1, 1))
            allowed = allowed | (key_positions[None, None, :] < prefix)
        if padding_mask is not None:
            allowed = allowed & ops.cast(padding_mask, "bool")[:, None, :]
        allowed = ops.broadcast_to(allowed, (ops.shape(inputs)[0], length, ops.shape(key)[1]))
        attended = self._attend(query, key, value, allowed, training)
        hidden = inputs + self.dropout_layer(self.self_output(attended), training=training)
        if self.cross_attention:
            encoder_outputs = ops.cast(encoder_outputs, self.compute_dtype)
            normed = self.cross_norm(hidden)
            cross_key = self._heads(self.cross_key(encoder_outputs))
            encoder_allowed = ops.ones((ops.shape(inputs)[0], length, ops.shape(encoder_outputs)[1]), "bool")
            if encoder_padding_mask is not None:
                encoder_allowed = encoder_allowed & ops.cast(encoder_padding_mask, "bool")[:, None, :]
            attended = self._attend(
                self._heads(self.cross_query(normed)), cross_key, self._heads(self.cross_value(encoder_outputs)),
                encoder_allowed, training,
            )
            hidden = hidden + self.dropout_layer(self.cross_output(attended), training=training)
        transformed = self.feed_forward_output(self.intermediate(self.feed_forward_norm(hidden)))
        outputs = hidden + self.dropout_layer(transformed, training=training)
        return outputs if cache is None else (outputs, cache)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "cross_attention": self.cross_attention,
                "dropout": self.dropout,
                "activation": keras.activations.serialize(self.activation),
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "lora_rank": self.lora_rank,
            }
        )
        return config
