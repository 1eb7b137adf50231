"""A small BERT-style encoder, its masked-language-model pretraining head,
and a pooled text tower for multimodal models."""

import keras

from mmkeras.layers import MaskedMeanPooling
from mmkeras.layers import PositionEmbedding
from mmkeras.layers import TransformerEncoder


def build_bert_encoder(
    vocab_size,
    sequence_length,
    hidden_dim=64,
    num_layers=2,
    num_heads=4,
    intermediate_dim=128,
    dropout=0.1,
    name="bert_encoder",
):
    """Token ids to contextual vectors: embeddings, positions, Transformer blocks.

    `Embedding(mask_zero=True)` (id 0 is padding) + `PositionEmbedding` +
    layer norm + `num_layers` `TransformerEncoder` blocks. The padding mask
    flows through every block.

    Returns:
        A `keras.Model` from ids `(B, L)` to `(B, L, hidden_dim)`.

    Example:

    >>> encoder = build_bert_encoder(vocab_size=30, sequence_length=8, hidden_dim=16, num_layers=1, num_heads=2,
    ...                              intermediate_dim=32)
    >>> tuple(encoder(np.ones((2, 8), "int32")).shape)
    (2, 8, 16)
    """
    ids = keras.Input((sequence_length,), dtype="int32", name="token_ids")
    x = keras.layers.Embedding(vocab_size, hidden_dim, mask_zero=True, name="token_embedding")(ids)
    x = PositionEmbedding(sequence_length, name="position_embedding")(x)
    x = keras.layers.LayerNormalization(name="embedding_norm")(x)
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(num_layers):
        x = TransformerEncoder(num_heads, intermediate_dim, dropout=dropout, name=f"transformer_{i}")(x)
    return keras.Model(ids, x, name=name)


def build_mlm_model(encoder, name="masked_language_model"):
    """The encoder plus a head that predicts every position's original token.

    Train it on `mmkeras.preprocessing.mask_tokens` outputs, with the mask
    weights as `sample_weight`, so only the chosen positions count.

    Returns:
        A `keras.Model` from ids `(B, L)` to softmax `(B, L, vocab_size)`.

    Example:

    >>> encoder = build_bert_encoder(vocab_size=30, sequence_length=8, hidden_dim=16, num_layers=1, num_heads=2,
    ...                              intermediate_dim=32)
    >>> probabilities = build_mlm_model(encoder)(np.ones((2, 8), "int32"))
    >>> tuple(probabilities.shape), np.allclose(keras.ops.convert_to_numpy(probabilities).sum(-1), 1, atol=1e-5)
    ((2, 8, 30), True)
    """
    vocab_size = encoder.get_layer("token_embedding").input_dim
    hidden_dim = encoder.output_shape[-1]
    ids = keras.Input(encoder.input_shape[1:], dtype="int32", name="token_ids")
    x = encoder(ids)
    x = keras.layers.Dense(hidden_dim, activation="gelu", name="mlm_transform")(x)
    x = keras.layers.LayerNormalization(name="mlm_norm")(x)
    predictions = keras.layers.Dense(vocab_size, activation="softmax", dtype="float32", name="mlm_predictions")(x)
    return keras.Model(ids, predictions, name=name)


def build_bert_text_tower(encoder, name="text_encoder"):
    """A sentence vector from a (pretrained) encoder: the mean over real tokens.

    Use it as `build_product_classifier(..., text_encoder=tower)`; the
    encoder's weights are shared, so fine-tuning the classifier fine-tunes
    them too (set `encoder.trainable = False` to keep them).

    Returns:
        A `keras.Model` from ids `(B, L)` to `(B, hidden_dim)`.

    Example:

    >>> encoder = build_bert_encoder(vocab_size=30, sequence_length=8, hidden_dim=16, num_layers=1, num_heads=2,
    ...                              intermediate_dim=32)
    >>> tower = build_bert_text_tower(encoder)
    >>> tuple(tower(np.array([[5, 6, 7, 0, 0, 0, 0, 0]], "int32")).shape)
    (1, 16)
    """
    ids = keras.Input(encoder.input_shape[1:], dtype="int32", name="token_ids")
    return keras.Model(ids, MaskedMeanPooling(name="mean_pool")(encoder(ids)), name=name)
