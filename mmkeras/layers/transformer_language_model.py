import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_ids_in_range
from mmkeras.layers._checks import check_integer_ids
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate
from mmkeras.layers.transformer_decoder import TransformerDecoder


@keras.saving.register_keras_serializable(package="mmkeras")
class TransformerLanguageModel(keras.layers.Layer):
    """A decoder-only Transformer language model that can read a prefix of vectors.

    Token ids are embedded, an optional `prefix` of vectors already in the
    model's width (image tokens from a `ModalityProjector`, say) goes in
    front of them, learned position vectors are added, and `num_layers`
    causal `TransformerDecoder` blocks and a final layer norm follow. The
    logits are the hidden states times the token embedding table
    (`tie_weights=True`, as in GPT-2) or a separate dense head.

    With `prefix_length=P` the first P positions of the sequence (the
    prefix, and a prompt after it) attend to each other in both
    directions, as PaliGemma's image and prompt do; the positions after
    them see only what comes before, so the model can be trained to write
    them one by one.

    Generation uses `call_with_cache`: the keys and values of every
    position written so far live in one cache tensor
    `(B, num_layers, 2, S, num_heads, head_dim)`, so each new token costs one position's work.
    `mmkeras.generation.language_model_step` wraps it into the step
    function of the compiled searches.

    Args:
        vocabulary_size: int, number of token ids.
        max_length: int, the longest sequence (prefix included).
        hidden_dim: int, the model width; divisible by `num_heads`.
        num_layers: int, number of decoder blocks.
        num_heads: int, attention heads per block.
        intermediate_dim: int, width of each block's feed-forward layer.
        dropout: dropout rate inside the blocks and on the embeddings.
        tie_weights: bool, compute the logits with the token embedding
            table (True) or with a dense layer of their own (False).
        layer_norm_epsilon: epsilon of the layer normalisations.
        lora_rank: optional int: only LoRA updates of this rank to every
            block's attention query and value projections train (see
            `enable_lora`).
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        token_ids: int tensor `(B, T)`.
            An id outside `[0, vocabulary_size)` raises a ValueError naming it when
            the layer runs eagerly; inside a compiled graph (`fit`,
            a traced function, `jax.jit`) it is not checked, and the backend
            decides (an error on TensorFlow's CPU, a zero vector on its
            GPU, a clamped index under XLA).
        prefix: optional float tensor `(B, P, hidden_dim)` placed before the
            tokens.
        padding_mask: optional boolean `(B, P + T)`, `True` at real
            positions; padded positions are never attended to.
        prefix_length: optional int or int tensor `(B,)`, the length of the
            part that attends both ways. Defaults to fully causal.
        training: Python bool, whether dropout runs.

    Returns:
        float32 logits `(B, P + T, vocabulary_size)`: position t's scores
        for the token at t + 1.

    Example:

    >>> model = TransformerLanguageModel(vocabulary_size=30, max_length=12, hidden_dim=16,
    ...                                  num_layers=2, num_heads=2, intermediate_dim=32)
    >>> tuple(model(keras.ops.ones((2, 5), "int32")).shape)
    (2, 5, 30)
    >>> image_tokens = keras.ops.zeros((2, 4, 16))
    >>> tuple(model(keras.ops.ones((2, 5), "int32"), prefix=image_tokens, prefix_length=4).shape)
    (2, 9, 30)
    >>> cache = model.initial_cache(batch_size=2)
    >>> logits, cache = model.call_with_cache(image_tokens, cache, cache_update_index=0)
    >>> tuple(logits.shape), tuple(cache.shape)
    ((2, 4, 30), (2, 2, 2, 12, 2, 8))

    With LoRA of rank 2, 256 of its weights train, the low-rank updates of
    two blocks' query and value projections:

    >>> model.enable_lora(rank=2)
    >>> sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    256

    Reference:
        Radford et al., "Language Models are Unsupervised Multitask
        Learners" (GPT-2), 2019; Beyer et al., "PaliGemma", 2024.
    """

    def __init__(
        self,
        vocabulary_size,
        max_length,
        hidden_dim,
        num_layers,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        tie_weights=True,
        layer_norm_epsilon=1e-6,
        lora_rank=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if lora_rank is not None:
            check_positive_int("lora_rank", lora_rank)
        for name, value in (
            ("vocabulary_size", vocabulary_size),
            ("max_length", max_length),
            ("hidden_dim", hidden_dim),
            ("num_layers", num_layers),
            ("num_heads", num_heads),
            ("intermediate_dim", intermediate_dim),
        ):
            check_positive_int(name, value)
        check_rate("dropout", dropout)
        if hidden_dim % num_heads:
            raise ValueError(
                f"`hidden_dim` must be divisible by `num_heads`. Received: hidden_dim={hidden_dim}, "
                f"num_heads={num_heads}."
            )
        if not isinstance(tie_weights, bool):
            raise TypeError(f"`tie_weights` must be a bool. Received: tie_weights={tie_weights!r}")
        self.vocabulary_size = vocabulary_size
        self.max_length = max_length
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.tie_weights = tie_weights
        self.layer_norm_epsilon = layer_norm_epsilon
        self.lora_rank = lora_rank
        policy = self.dtype_policy
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size, hidden_dim, embeddings_initializer=keras.initializers.RandomNormal(stddev=0.02),
            dtype=policy, name="token_embedding",
        )
        self.embedding_dropout = keras.layers.Dropout(dropout, dtype=policy, name="embedding_dropout")
        self.blocks = [
            TransformerDecoder(
                num_heads, intermediate_dim, dropout=dropout, layer_norm_epsilon=layer_norm_epsilon,
                lora_rank=lora_rank, dtype=policy, name=f"decoder_{i}",
            )
            for i in range(num_layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(epsilon=layer_norm_epsilon, dtype=policy, name="final_norm")
        self.output_head = None if tie_weights else keras.layers.Dense(
            vocabulary_size, dtype=policy, name="output_head"
        )

    def build(self, token_ids_shape=None):
        width = (None, None, self.hidden_dim)
        self.positions = self.add_weight(
            shape=(self.max_length, self.hidden_dim),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="positions",
        )
        build_sublayer(self.token_embedding, (None, None))
        for block in self.blocks:
            build_sublayer(block, width)
        build_sublayer(self.final_norm, width)
        if self.output_head is not None:
            build_sublayer(self.output_head, width)
        self.built = True
        if self.lora_rank is not None:
            self._freeze_outside_blocks()

    def _freeze_outside_blocks(self):
        self.positions.trainable = False
        for layer in (self.token_embedding, self.final_norm, self.output_head):
            if layer is not None:
                layer.trainable = False

    def enable_lora(self, rank):
        """Freeze the model and adapt every block's attention query and value projections with LoRA.

        See `TransformerDecoder.enable_lora`: only the low-rank matrices
        train, and the rank is saved with the model.

        Args:
            rank: int, the rank of the updates.
        """
        check_positive_int("rank", rank)
        if self.lora_rank is not None:
            raise ValueError(f"LoRA is already enabled on {self.name} (rank {self.lora_rank}).")
        for block in self.blocks:
            block.enable_lora(rank)
        self._freeze_outside_blocks()
        self.lora_rank = rank

    def initial_cache(self, batch_size, max_length=None):
        """An empty key/value cache for `max_length` positions (default: the
        model's `max_length`): zeros
        `(batch_size, num_layers, 2, max_length, num_heads, hidden_dim // num_heads)`."""
        max_length = self.max_length if max_length is None else max_length
        self._check_length(max_length)
        head_dim = self.hidden_dim // self.num_heads
        return ops.zeros(
            (batch_size, self.num_layers, 2, max_length, self.num_heads, head_dim), self.compute_dtype
        )

    def _check_length(self, length):
        if isinstance(length, int) and length > self.max_length:
            raise ValueError(
                f"This TransformerLanguageModel holds sequences of up to max_length={self.max_length} "
                f"positions, prefix included. Received {length}. Shorten the prompt or the answer, or "
                f"create the model with max_length >= {length}."
            )

    def _check_vectors(self, argument, vectors):
        check_rank(self, argument, vectors.shape, (3,), "(batch, length, hidden_dim)")
        if vectors.shape[-1] != self.hidden_dim:
            raise ValueError(
                f"`{argument}` must have the model's width hidden_dim={self.hidden_dim} as its last axis. "
                f"Received shape {tuple(vectors.shape)}. Project it first, e.g. with a ModalityProjector."
            )

    def _logits(self, hidden):
        hidden = ops.cast(self.final_norm(hidden), "float32")
        if self.output_head is not None:
            return ops.cast(self.output_head(hidden), "float32")
        return ops.matmul(hidden, ops.transpose(ops.cast(self.token_embedding.embeddings, "float32")))

    def _positions(self, first, length):
        return ops.cast(ops.take(self.positions, first + ops.arange(length, dtype="int32"), axis=0), self.compute_dtype)

    def call(self, token_ids, prefix=None, padding_mask=None, prefix_length=None, training=False):
        check_rank(self, "token_ids", token_ids.shape, (2,), "(batch, length)")
        check_integer_ids(self, "token_ids", token_ids.dtype)
        check_ids_in_range(self, "token_ids", token_ids, self.vocabulary_size)
        vectors = self.token_embedding(ops.cast(token_ids, "int32"))
        if prefix is not None:
            self._check_vectors("prefix", prefix)
            vectors = ops.concatenate([ops.cast(prefix, self.compute_dtype), vectors], axis=1)
        self._check_length(vectors.shape[1])
        hidden = vectors + self._positions(0, ops.shape(vectors)[1])[None]
        hidden = self.embedding_dropout(hidden, training=training)
        for block in self.blocks:
            hidden = block(hidden, padding_mask=padding_mask, prefix_length=prefix_length, training=training)
        return self._logits(hidden)

    def call_with_cache(self, inputs, cache, cache_update_index, padding_mask=None, prefix_length=None):
        """Run `inputs` at positions `cache_update_index ...` against the cache.

        Args:
            inputs: float `(B, T, hidden_dim)`, vectors without positions:
                `model.token_embedding(ids)` for tokens, or prefix vectors.
            cache: from `initial_cache` or a previous call.
            cache_update_index: int or int scalar tensor, the position of
                `inputs`' first vector.
            padding_mask: optional boolean `(B, S)` over the cache's positions.
            prefix_length: as in `call`.

        Returns:
            `(logits (B, T, vocabulary_size), updated_cache)`.
        """
        self._check_vectors("inputs", inputs)
        if not self.built:
            self.build()
        if len(cache.shape) != 6 or cache.shape[1] != self.num_layers:
            raise ValueError(
                f"`cache` must have shape (batch, num_layers={self.num_layers}, 2, max_length, num_heads, "
                f"head_dim). Received shape {tuple(cache.shape)}. Make one with model.initial_cache(batch_size)."
            )
        index = ops.cast(cache_update_index, "int32")
        hidden = ops.cast(inputs, self.compute_dtype) + self._positions(index, ops.shape(inputs)[1])[None]
        updated = []
        for i, block in enumerate(self.blocks):
            hidden, layer_cache = block(
                hidden, padding_mask=padding_mask, prefix_length=prefix_length,
                cache=cache[:, i], cache_update_index=index,
            )
            updated.append(layer_cache)
        return self._logits(hidden), ops.stack(updated, axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "max_length": self.max_length,
                "hidden_dim": self.hidden_dim,
                "num_layers": self.num_layers,
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "tie_weights": self.tie_weights,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "lora_rank": self.lora_rank,
            }
        )
        return config
