"""A small Vision Transformer: image patches as tokens, Transformer encoder blocks."""

import keras

from mmkeras.layers import PatchEmbedding
from mmkeras.layers import TransformerEncoder


def build_vit_encoder(
    image_size,
    patch_size=4,
    hidden_dim=64,
    num_layers=2,
    num_heads=4,
    intermediate_dim=128,
    dropout=0.1,
    name="vit_encoder",
):
    """Images to one vector per image, the ViT way.

    `PatchEmbedding` cuts the image into `patch_size` squares, projects each
    to `hidden_dim` and adds a learned [CLS] token and 2-D positions;
    `num_layers` `TransformerEncoder` blocks let every patch attend to every
    other; the [CLS] token's final vector, layer-normalised, represents the
    image. Unlike a CNN, nothing here assumes that neighbouring pixels
    belong together (no convolution beyond the patch projection, no
    pooling): the model has to learn locality from data, which is why a
    ViT needs more images than a CNN of the same size to match it.

    Args:
        image_size: int, the side of the square images (a multiple of
            `patch_size`).
        patch_size, hidden_dim: as in `mmkeras.layers.PatchEmbedding`.
        num_layers, num_heads, intermediate_dim, dropout: the Transformer
            blocks.

    Returns:
        A `keras.Model` from float images `(B, image_size, image_size, 3)`
        in [0, 1] to `(B, hidden_dim)`.

    Example:

    >>> encoder = build_vit_encoder(image_size=16, patch_size=4, hidden_dim=16, num_layers=1, num_heads=2)
    >>> tuple(encoder(np.zeros((2, 16, 16, 3), "float32")).shape)
    (2, 16)

    Reference:
        Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for
        Image Recognition at Scale", ICLR 2021.
    """
    images = keras.Input((image_size, image_size, 3), name="image")
    x = PatchEmbedding(patch_size, hidden_dim, class_token=True, name="patch_embedding")(images)
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(num_layers):
        x = TransformerEncoder(num_heads, intermediate_dim, dropout=dropout, name=f"transformer_{i}")(x)
    vector = keras.layers.LayerNormalization(name="final_norm")(x[:, 0])
    return keras.Model(images, vector, name=name)
