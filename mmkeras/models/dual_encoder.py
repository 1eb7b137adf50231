"""A dual encoder: images and texts mapped into one space, trained contrastively."""

import keras

from mmkeras.layers import ContrastiveSimilarity
from mmkeras.layers import ImageEncoder
from mmkeras.layers import TextEncoder


def build_dual_encoder(
    vocab_size,
    image_size=64,
    text_length=16,
    embed_dim=64,
    filters=(32, 64, 128),
    downsampling="max_pool",
    embedding_dim=64,
    text_units=128,
    initial_temperature=0.07,
    use_cudnn="auto",
    gather_across_replicas=True,
    name="dual_encoder",
):
    """Two towers and a similarity: the CLIP recipe at the book's scale.

    `"image_tower"`: `ImageEncoder` then a linear map to `embed_dim`;
    `"text_tower"`: a bidirectional `TextEncoder` then a linear map to
    `embed_dim`. The model's output is `ContrastiveSimilarity` logits
    `(B, B)` between the batch's images and texts (pair i = image i with
    text i); train it with `mmkeras.losses.SymmetricInfoNCE`. For
    retrieval, embed each side once with its tower (
    `model.get_layer( "image_tower")`, `"text_tower"`) and compare by cosine similarity.
    `filters` and `downsampling` (`"max_pool"` or `"strided"`) are the
    `ImageEncoder`'s. With `gather_across_replicas` (the default),
    data-parallel training uses the global batch's negatives on every
    replica (see `ContrastiveSimilarity`).

    Returns:
        A `keras.Model` with inputs
        `{"image": (B, S, S, 3), "text": (B, L) int}` and logits `(B, B)`.

    Example:

    >>> model = build_dual_encoder(vocab_size=20, image_size=16, text_length=5, embed_dim=8, filters=(4, 8),
    ...                            embedding_dim=4, text_units=8)
    >>> logits = model({"image": np.zeros((3, 16, 16, 3), "float32"), "text": np.ones((3, 5), "int32")})
    >>> tuple(logits.shape)  # every image against every text of the batch
    (3, 3)
    """
    image = keras.Input((image_size, image_size, 3), name="image")
    text = keras.Input((text_length,), dtype="int32", name="text")
    image_features = ImageEncoder(
        filters, output="vector", pooling="max", downsampling=downsampling, name="image_encoder"
    )(image)
    image_tower = keras.Model(
        image, keras.layers.Dense(embed_dim, name="image_projection")(image_features), name="image_tower"
    )
    text_features = TextEncoder(
        vocab_size, embedding_dim, text_units, bidirectional=True, use_cudnn=use_cudnn, name="text_encoder"
    )(text)
    text_tower = keras.Model(
        text, keras.layers.Dense(embed_dim, name="text_projection")(text_features), name="text_tower"
    )
    images = keras.Input((image_size, image_size, 3), name="image")
    texts = keras.Input((text_length,), dtype="int32", name="text")
    logits = ContrastiveSimilarity(
        initial_temperature, gather_across_replicas=gather_across_replicas, dtype="float32", name="similarity"
    )([image_tower(images), text_tower(texts)])
    return keras.Model({"image": images, "text": texts}, logits, name=name)
