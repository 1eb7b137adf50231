import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_choice
from mmkeras.layers._checks import check_ids_in_range
from mmkeras.layers._checks import check_integer_ids
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate

RNNS = ("lstm", "gru")
OUTPUTS = ("vector", "sequence")


@keras.saving.register_keras_serializable(package="mmkeras")
class TextEncoder(keras.layers.Layer):
    """Recurrent text encoder: token ids to a sentence vector or a sequence.

    `Embedding` then an `LSTM` or `GRU`, optionally bidirectional. Id 0 is
    padding: with `mask_zero=True` the recurrent layer skips padded steps,
    so appending more padding never changes the output. The vector output
    is the recurrent state after the last real token (both directions,
    concatenated, when bidirectional); the sequence output has one vector
    per token and carries the padding mask to the next layer.

    Args:
        vocab_size: int, number of token ids (ids are in `[0, vocab_size)`).
        embedding_dim: int, width of the token embeddings.
        units: int, width of the recurrent state (per direction).
        rnn: `"lstm"` or `"gru"`.
        bidirectional: whether to read the text in both directions.
        output: `"vector"` gives `(B, D)`; `"sequence"` gives `(B, T, D)`.
        mask_zero: whether id 0 is padding to be skipped.
        dropout: dropout rate on the recurrent layer's inputs.
        use_cudnn: passed to the recurrent layer: `"auto"`, `True` or
            `False`. cuDNN kernels cannot be compiled by XLA;
            `mmkeras.training.compile_model` sets this to `False` when it
            compiles for a GPU with XLA.
        embeddings_initializer: initializer of the embedding matrix.
        freeze_embeddings: keep the embedding matrix fixed in training
            (e.g. pretrained Word2Vec vectors loaded with
            `set_embedding_matrix`); the recurrent layer still trains.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        tokens: int tensor of shape `(B, T)`, 0 for padding.
            An id outside `[0, vocab_size)` raises a ValueError naming it when
            the layer runs eagerly; inside a compiled graph (`fit`,
            a traced function, `jax.jit`) it is not checked, and the backend
            decides (an error on TensorFlow's CPU, a zero vector on its
            GPU, a clamped index under XLA).
        training: Python bool, whether dropout runs.

    Returns:
        `(B, D)` for `output="vector"`, `(B, T, D)` for `"sequence"`, with
        `D = units` (or `2 * units` when bidirectional).

    Example:

    >>> encoder = TextEncoder(vocab_size=50, embedding_dim=8, units=16)
    >>> tuple(encoder(keras.ops.convert_to_tensor([[5, 7, 9, 0, 0]])).shape)
    (1, 16)
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        units,
        rnn="lstm",
        bidirectional=False,
        output="vector",
        mask_zero=True,
        dropout=0.0,
        use_cudnn="auto",
        embeddings_initializer="uniform",
        freeze_embeddings=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("embedding_dim", embedding_dim)
        check_positive_int("units", units)
        check_choice("rnn", rnn, RNNS)
        check_choice("output", output, OUTPUTS)
        check_choice("use_cudnn", use_cudnn, ("auto", True, False))
        check_rate("dropout", dropout)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.rnn = rnn
        self.bidirectional = bidirectional
        # `output` would shadow Layer.output, the functional-API output tensor.
        self.output_mode = output
        self.mask_zero = mask_zero
        self.dropout = dropout
        self.use_cudnn = use_cudnn
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.freeze_embeddings = freeze_embeddings

        self.embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            mask_zero=mask_zero,
            embeddings_initializer=self.embeddings_initializer,
            dtype=self.dtype_policy,
            name="embedding",
        )
        self.embedding.trainable = not freeze_embeddings
        recurrent_class = keras.layers.LSTM if rnn == "lstm" else keras.layers.GRU
        recurrent = recurrent_class(
            units,
            return_sequences=output == "sequence",
            dropout=dropout,
            use_cudnn=use_cudnn,
            dtype=self.dtype_policy,
            name=rnn,
        )
        self.recurrent = (
            keras.layers.Bidirectional(recurrent, dtype=self.dtype_policy, name="bidirectional")
            if bidirectional
            else recurrent
        )
        self.supports_masking = True

    @property
    def output_dim(self):
        return self.units * (2 if self.bidirectional else 1)

    def set_embedding_matrix(self, matrix):
        """Load pretrained word vectors, one row per token id.

        Builds the layer if needed. The matrix is assigned to the weights,
        not put into the config, so saving the model stores it once, with
        the other weights.

        Args:
            matrix: array `(vocab_size, embedding_dim)`, e.g. the first
                result of `mmkeras.preprocessing.embedding_matrix`.
        """
        matrix = keras.ops.convert_to_numpy(matrix)
        expected = (self.vocab_size, self.embedding_dim)
        if tuple(matrix.shape) != expected:
            raise ValueError(
                f"TextEncoder expects an embedding matrix of shape {expected} "
                f"(vocab_size, embedding_dim). Received shape {tuple(matrix.shape)}. "
                "Build the matrix from the same tokenizer vocabulary and vector "
                "width as the encoder."
            )
        if not self.embedding.built:
            self.embedding.build((None, None))
        self.embedding.embeddings.assign(matrix.astype(self.embedding.embeddings.dtype))

    def build(self, input_shape):
        check_rank(self, "tokens", input_shape, (2,), "(batch, sequence_length) token ids")
        build_sublayer(self.embedding, input_shape)
        build_sublayer(self.recurrent, tuple(input_shape) + (self.embedding_dim,))
        self.built = True

    def compute_output_shape(self, input_shape):
        check_rank(self, "tokens", input_shape, (2,), "(batch, sequence_length) token ids")
        if self.output_mode == "sequence":
            return (input_shape[0], input_shape[1], self.output_dim)
        return (input_shape[0], self.output_dim)

    def compute_output_spec(self, tokens, **kwargs):
        # Symbolic calls (functional models) come here instead of call().
        check_integer_ids(self, "tokens", tokens.dtype)
        return super().compute_output_spec(tokens, **kwargs)

    def compute_mask(self, tokens, mask=None):
        if self.output_mode == "vector" or not self.mask_zero:
            return None
        return ops.not_equal(tokens, 0)

    def call(self, tokens, training=False):
        check_integer_ids(self, "tokens", tokens.dtype)
        check_ids_in_range(self, "tokens", tokens, self.vocab_size)
        embedded = self.embedding(tokens)
        mask = ops.not_equal(tokens, 0) if self.mask_zero else None
        return self.recurrent(embedded, mask=mask, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "rnn": self.rnn,
                "bidirectional": self.bidirectional,
                "output": self.output_mode,
                "mask_zero": self.mask_zero,
                "dropout": self.dropout,
                "use_cudnn": self.use_cudnn,
                "embeddings_initializer": keras.initializers.serialize(
                    self.embeddings_initializer
                ),
                "freeze_embeddings": self.freeze_embeddings,
            }
        )
        return config
