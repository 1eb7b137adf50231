"""Text to image with a conditional GAN: a generator and a projection discriminator."""

import keras

from mmkeras.layers import ImageEncoder
from mmkeras.layers._checks import check_filters
from mmkeras.models.cvae import _build_image_drawer
from mmkeras.models.cvae import _check_drawing_sizes
from mmkeras.models.cvae import _description_condition


def build_cgan_generator(
    vocab_size,
    image_size=32,
    text_length=3,
    latent_dim=16,
    channels=32,
    embedding_dim=32,
    text_units=64,
    hidden_units=128,
    use_cudnn="auto",
    name="generator",
):
    """A GAN generator, conditioned on a description.

    The same network as the CVAE's decoder (`build_cvae`): noise and the
    description's condition go through dense layers to a quarter-size
    feature map, which two transposed convolutions double twice, the
    condition appended to every position of every map. Only the training
    differs: no encoder tells the generator which `z` to use; a
    discriminator (`build_cgan_discriminator`) judges its drawings.

    Args:
        vocab_size: the tokenizer's vocabulary size.
        image_size: side of the square images, a multiple of 4, at least 8.
        text_length: token ids per description.
        latent_dim: size of the noise `z`.
        channels: channels of the first feature map.
        embedding_dim, text_units: the description encoder's sizes.
        hidden_units: width of the dense layers.
        use_cudnn: passed to the text encoder's LSTM.
        name: model name.

    Returns:
        A `keras.Model` from `[latent (B, latent_dim), text (B, L) int]` to
        images `(B, S, S, 3)` in [0, 1]. `generate_images` draws from it.

    Example:

    >>> generator = build_cgan_generator(vocab_size=20, image_size=16)
    >>> generate_images(generator, keras.ops.ones((2, 3), "int32"), seed=0).shape
    (2, 16, 16, 3)
    """
    _check_drawing_sizes(image_size, vocab_size=vocab_size, text_length=text_length, latent_dim=latent_dim,
                         channels=channels, embedding_dim=embedding_dim, text_units=text_units,
                         hidden_units=hidden_units)

    def condition_of(text):
        return _description_condition(text, vocab_size, embedding_dim, text_units, hidden_units, use_cudnn, name)

    return _build_image_drawer(latent_dim, text_length, image_size, channels, hidden_units, condition_of, name=name,
                               batch_norm=True)


def build_cgan_discriminator(
    vocab_size,
    image_size=32,
    text_length=3,
    filters=(32, 64),
    embedding_dim=32,
    text_units=64,
    hidden_units=128,
    dropout=0.3,
    downsampling="strided",
    use_cudnn="auto",
    name="discriminator",
):
    """A projection discriminator: is this a real image of this description?

    The image's features `h` (an `ImageEncoder` with leaky ReLUs, then a
    dense layer) give two scores that are added: `w . h`, how real the
    image looks whatever it shows, and `h . P c`, how well it matches the
    description's condition `c` (Miyato and Koyama, "cGANs with Projection
    Discriminator", 2018). A real image with the wrong description
    therefore scores lower than with the right one.

    The image encoder halves its maps with stride-2 convolutions rather
    than max-pooling, as DCGAN's discriminator does (Radford et al.,
    2016), so it learns its own downsampling; on a CPU the step is also
    cheaper.

    Args:
        vocab_size: the tokenizer's vocabulary size.
        image_size: side of the square images.
        text_length: token ids per description.
        filters: the image encoder's convolution filters.
        embedding_dim, text_units: the description encoder's sizes.
        hidden_units: size of `h`.
        dropout: dropout on the image features while training, which
            keeps the discriminator from memorising the real images and
            winning too early.
        downsampling: the image encoder's downsampling, `"strided"` or
            `"max_pool"`.
        use_cudnn: passed to the text encoder's LSTM.
        name: model name.

    Returns:
        A `keras.Model` from
        `{"image": (B, S, S, 3) in [0, 1], "text": (B, L) int}` to logits `(B, 1)`: positive means "real and matching".

    Example:

    >>> discriminator = build_cgan_discriminator(vocab_size=20, image_size=16, filters=(8, 16))
    >>> tuple(discriminator({"image": keras.ops.zeros((2, 16, 16, 3)),
    ...                      "text": keras.ops.ones((2, 3), "int32")}).shape)
    (2, 1)
    """
    _check_drawing_sizes(image_size, vocab_size=vocab_size, text_length=text_length, embedding_dim=embedding_dim,
                         text_units=text_units, hidden_units=hidden_units)
    filters = check_filters(filters, "(32, 64)")
    image = keras.Input((image_size, image_size, 3), name="image")
    text = keras.Input((text_length,), dtype="int32", name="text")
    features = ImageEncoder(filters, output="vector", pooling="flatten", activation="leaky_relu", dropout=dropout,
                            downsampling=downsampling, name="image_encoder")(image)
    h = keras.layers.Dense(hidden_units, activation="leaky_relu", name="features")(features)
    condition = _description_condition(text, vocab_size, embedding_dim, text_units, hidden_units, use_cudnn, name)
    projected = keras.layers.Dense(hidden_units, use_bias=False, name="condition_projection")(condition)
    looks_real = keras.layers.Dense(1, name="looks_real")(h)
    matches = keras.layers.Dot(axes=1, name="matches_description")([h, projected])
    logits = keras.layers.Add(dtype="float32", name="logits")([looks_real, matches])
    return keras.Model({"image": image, "text": text}, logits, name=name)
