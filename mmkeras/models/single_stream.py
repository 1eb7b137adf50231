"""A single-stream image-text Transformer (ImageBERT / ViLT), its pretraining
heads and its fine-tuning heads.

One Transformer reads image patches and words as one sequence: every
word can attend to every patch in every block, and the other way round,
where a dual encoder (`build_dual_encoder`) only compares two finished vectors.
"""

import keras
import numpy as np
from keras import ops

from mmkeras.layers import ImageEncoder
from mmkeras.layers import ModalityEmbedding
from mmkeras.layers import PatchEmbedding
from mmkeras.layers import PositionEmbedding
from mmkeras.layers import TransformerEncoder

IMAGE, TEXT = 0, 1


def _encode(layers, images, token_ids, return_attention_scores=False):
    """The encoder's forward pass over its named layers (shared by the probe)."""
    if "image_stem" in layers:
        grid = layers["image_stem"](images)
        side = int(round(grid.shape[1] ** 0.5))
        images = ops.reshape(grid, (-1, side, side, grid.shape[-1]))
    patches = layers["patch_embedding"](images)
    words = layers["text_position_embedding"](layers["token_embedding"](token_ids))
    modality = layers["modality_embedding"]
    x = ops.concatenate([modality(patches, modality=IMAGE), modality(words, modality=TEXT)], axis=1)
    x = layers["embedding_dropout"](layers["embedding_norm"](x))
    # Every patch (and the [CLS] token) is real; text padding (id 0) is never attended to.
    padding_mask = ops.concatenate([ops.ones_like(patches[:, :, 0], dtype="bool"), ops.not_equal(token_ids, 0)], axis=1)
    weights = []
    for i in range(layers["num_layers"]):
        x = layers[f"transformer_{i}"](x, padding_mask=padding_mask, return_attention_scores=return_attention_scores)
        if return_attention_scores:
            x, block_weights = x
            weights.append(block_weights)
    return weights if return_attention_scores else x


def build_single_stream_encoder(
    image_size,
    vocabulary_size,
    text_length,
    patch_size=4,
    hidden_dim=64,
    num_layers=2,
    num_heads=4,
    intermediate_dim=128,
    dropout=0.1,
    stem_filters=None,
    name="single_stream_encoder",
):
    """Image patches and words through one stack of Transformer blocks.

    The sequence is `[CLS] patch_1 ... patch_N word_1 ... word_L`: the
    patches from `PatchEmbedding` (with the [CLS] token and 2-D
    positions), the words from an embedding with 1-D positions, and a
    `ModalityEmbedding` added to each part so every block knows which is
    which. A layer norm, then `num_layers` `TransformerEncoder` blocks;
    text padding (id 0) is masked out everywhere. Position 0, the [CLS]
    token, summarises the pair: the image-text matching and answer heads
    read it.

    Args:
        image_size: int, side of the square images (a multiple of
            `patch_size`).
        vocabulary_size: int, size of the token vocabulary.
        text_length: int, the fixed length of the token rows.
        patch_size: int, side of the square patches.
        hidden_dim: int, width of every token vector.
        num_layers: int, number of Transformer blocks.
        num_heads: int, attention heads per block.
        intermediate_dim: int, width of each block's feed-forward layer.
        dropout: float, dropout rate inside the blocks.
        stem_filters: optional sequence of ints. With it, a small strided
            CNN (`ImageEncoder(stem_filters, output="grid")`) turns the
            image into a feature map first and the patches are cut from
            that map, the "hybrid" of the ViT paper; without it, from the
            pixels, as in ViLT. A stem hands the Transformer local features
            it would otherwise have to learn from many more images.

    Returns:
        A `keras.Model` from
        `{"image": (B, image_size, image_size, 3) float in [0, 1], "token_ids": (B, text_length) int}` to
        `(B, 1 + N + text_length, hidden_dim)`, `N = (image_size / patch_size) ** 2`
        (the stem's map side instead of `image_size` with a stem).

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=1, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> tuple(encoder(inputs).shape)  # [CLS] + 16 patches + 6 words
    (2, 23, 16)

    Reference:
        Qi et al., "ImageBERT: Cross-modal Pre-training with Large-scale
        Weak-supervised Image-Text Data", 2020; Kim et al., "ViLT:
        Vision-and-Language Transformer Without Convolution or Region
        Supervision", ICML 2021.
    """
    images = keras.Input((image_size, image_size, 3), name="image")
    token_ids = keras.Input((text_length,), dtype="int32", name="token_ids")
    layers = {}
    if stem_filters is not None:
        layers["image_stem"] = ImageEncoder(stem_filters, output="grid", downsampling="strided", name="image_stem")
    layers |= {
        "patch_embedding": PatchEmbedding(patch_size, hidden_dim, class_token=True, name="patch_embedding"),
        "token_embedding": keras.layers.Embedding(vocabulary_size, hidden_dim, name="token_embedding"),
        "text_position_embedding": PositionEmbedding(text_length, name="text_position_embedding"),
        "modality_embedding": ModalityEmbedding(2, name="modality_embedding"),
        "embedding_norm": keras.layers.LayerNormalization(name="embedding_norm"),
        "embedding_dropout": keras.layers.Dropout(dropout, name="embedding_dropout"),
        "num_layers": num_layers,
    }
    for i in range(num_layers):
        layers[f"transformer_{i}"] = TransformerEncoder(
            num_heads, intermediate_dim, dropout=dropout, name=f"transformer_{i}"
        )
    outputs = _encode(layers, images, token_ids)
    return keras.Model({"image": images, "token_ids": token_ids}, outputs, name=name)


def _encoder_inputs(encoder):
    image_shape = encoder.input["image"].shape[1:]
    text_length = encoder.input["token_ids"].shape[1]
    return {
        "image": keras.Input(image_shape, name="image"),
        "token_ids": keras.Input((text_length,), dtype="int32", name="token_ids"),
    }


def text_offset(encoder):
    """Where the words start in the encoder's output sequence: 1 + number of patches.

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=1, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> text_offset(encoder)  # the [CLS] token and 16 patches come first
    17
    """
    return encoder.output.shape[1] - encoder.input["token_ids"].shape[1]


def build_attention_probe(encoder):
    """A model that returns the encoder's attention weights, block by block.

    A copy of the encoder's layers (same configurations, the encoder's
    current weights) wired to return each block's attention weights, so
    it shows what the trained encoder attends to. Build it after training;
    later training of the encoder does not reach the copy.

    Returns:
        A `keras.Model` from the encoder's inputs to a list of
        `num_layers` tensors `(B, num_heads, S, S)`, `S` the sequence length:
        row t holds how much position t read from every position. With
        one block, Keras returns that one tensor rather than a list of one.

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=2, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> weights = build_attention_probe(encoder)(inputs)
    >>> len(weights), tuple(weights[0].shape)  # two blocks; 2 heads, 23 positions
    (2, (2, 2, 23, 23))
    """
    originals = {layer.name: layer for layer in encoder.layers if not isinstance(layer, keras.layers.InputLayer)}
    layers = {name: type(layer).from_config(layer.get_config()) for name, layer in originals.items()}
    layers["num_layers"] = sum(name.startswith("transformer_") for name in originals)
    inputs = _encoder_inputs(encoder)
    weights = _encode(layers, inputs["image"], inputs["token_ids"], return_attention_scores=True)
    probe = keras.Model(inputs, weights, name=f"{encoder.name}_attention")
    for name, layer in originals.items():
        layers[name].set_weights(layer.get_weights())
    return probe


def build_single_stream_pretrainer(encoder, name="single_stream_pretrainer"):
    """The encoder with ImageBERT's two pretraining heads.

    - `mlm`: at every word position, logits over the vocabulary for the
      original token (train with `MaskedSequenceCrossEntropy`, targets 0
      where nothing was masked);
    - `itm`: from the [CLS] position, one logit for "this text describes
      this image" (binary cross-entropy from logits).

    `make_image_text_matching_dataset` makes the batches.

    Returns:
        A `keras.Model` from the encoder's inputs to
        `{"mlm": (B, L, V), "itm": (B, 1)}` logits, both float32.

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=1, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> outputs = build_single_stream_pretrainer(encoder)(inputs)
    >>> tuple(outputs["mlm"].shape), tuple(outputs["itm"].shape)
    ((2, 6, 30), (2, 1))
    """
    inputs = _encoder_inputs(encoder)
    sequence = encoder(inputs)
    vocabulary_size = encoder.get_layer("token_embedding").input_dim
    hidden_dim = sequence.shape[-1]
    words = sequence[:, text_offset(encoder):]
    words = keras.layers.Dense(hidden_dim, activation="gelu", name="mlm_transform")(words)
    words = keras.layers.LayerNormalization(name="mlm_norm")(words)
    mlm = keras.layers.Dense(vocabulary_size, dtype="float32", name="mlm")(words)
    itm = keras.layers.Dense(1, dtype="float32", name="itm")(sequence[:, 0])
    return keras.Model(inputs, {"mlm": mlm, "itm": itm}, name=name)


def build_single_stream_classifier(encoder, num_classes, dropout=0.1, name="single_stream_classifier"):
    """The encoder with a softmax over `num_classes` from its [CLS] position (e.g. VQA answers).

    Returns:
        A `keras.Model` from the encoder's inputs to probabilities
        `(B, num_classes)`.

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=1, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> tuple(build_single_stream_classifier(encoder, num_classes=5)(inputs).shape)
    (2, 5)
    """
    inputs = _encoder_inputs(encoder)
    pooled = keras.layers.Dropout(dropout, name="head_dropout")(encoder(inputs)[:, 0])
    outputs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="answer")(pooled)
    return keras.Model(inputs, outputs, name=name)


def pairwise_match_scores(pretrainer, images, token_ids, batch_size=512):
    """Image-text matching logits of every text against every image.

    A single-stream model has no separate embeddings to compare: each
    (text, image) pair runs through the whole encoder, `T x I` forward
    passes, which is why such models rerank a dual encoder's shortlist in
    practice rather than search a large collection.

    Args:
        pretrainer: a model with an `itm` output (`build_single_stream_pretrainer`).
        images: float `(I, H, W, 3)` in [0, 1].
        token_ids: int `(T, L)`.
        batch_size: pairs per forward pass.

    Returns:
        float32 `(T, I)`: row t holds text t's scores for every image.

    Example:

    >>> encoder = build_single_stream_encoder(image_size=16, vocabulary_size=30, text_length=6, hidden_dim=16,
    ...                                       num_layers=1, num_heads=2, intermediate_dim=32)
    >>> inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "token_ids": np.ones((2, 6), "int32")}
    >>> pretrainer = build_single_stream_pretrainer(encoder)
    >>> scores = pairwise_match_scores(pretrainer, np.zeros((3, 16, 16, 3), "float32"), np.ones((2, 6), "int32"))
    >>> scores.shape  # two texts against three images
    (2, 3)
    """
    images = np.asarray(images, dtype="float32")
    token_ids = np.asarray(token_ids, dtype="int32")
    num_texts, num_images = len(token_ids), len(images)
    text_index = np.repeat(np.arange(num_texts), num_images)
    image_index = np.tile(np.arange(num_images), num_texts)
    scores = []
    for start in range(0, len(text_index), batch_size):
        rows = slice(start, start + batch_size)
        outputs = pretrainer.predict_on_batch(
            {"image": images[image_index[rows]], "token_ids": token_ids[text_index[rows]]}
        )
        scores.append(np.asarray(outputs["itm"])[:, 0])
    return np.concatenate(scores).reshape(num_texts, num_images)
