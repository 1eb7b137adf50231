"""Text to image: a conditional variational autoencoder, and a judge of its drawings."""

import keras

from mmkeras.layers import ImageEncoder
from mmkeras.layers import Sampling
from mmkeras.layers import SpatialBroadcast
from mmkeras.layers import TextEncoder
from mmkeras.layers._checks import check_filters
from mmkeras.layers._checks import check_positive_int


def build_cvae(
    vocab_size,
    image_size=32,
    text_length=3,
    latent_dim=8,
    filters=(16, 32),
    embedding_dim=32,
    text_units=64,
    hidden_units=128,
    kl_weight=None,
    use_cudnn="auto",
    name="cvae",
):
    """Text-to-image generation with a VAE, conditioned on text.

    Both halves read the description (each with its own `TextEncoder` and
    dense layer):

    - the encoder reads the image and the description and outputs the mean
      and log-variance of `q(z | image, text)`; `Sampling` draws `z` and
      adds the KL term to the model's losses;
    - the decoder (`"decoder"`, a model of its own) turns `[z, text]` into
      an image with transposed convolutions, the condition appended to
      every position of every feature map (`SpatialBroadcast`). Given only
      once, at the start, the condition was ignored: `z` learned to carry
      the colour itself.

    Trained to reconstruct its input (e.g. `loss="mse"` on pixels in
    [0, 1]), the decoder learns to draw an image for a description from
    any `z ~ N(0, I)`: see `generate_images`.

    Args:
        vocab_size: the tokenizer's vocabulary size.
        image_size: side of the square images, a multiple of 4, at least 8.
        text_length: token ids per description.
        latent_dim: size of `z`.
        filters: the image encoder's convolution filters; the last also
            sets the decoder's first feature map.
        embedding_dim, text_units: the description encoder's sizes.
        hidden_units: width of the dense layers on both sides.
        kl_weight: weight of the KL term. Keras averages a pixel loss over
            the pixels; `kl_weight = beta / (image_size ** 2 * 3)` weighs
            the KL against the per-pixel loss as the VAE objective does
            against the summed one, times `beta`. Defaults to `beta = 1`:
            on object portraits with `loss="mse"`, `beta = 1` drew the
            requested shape more often than `beta = 0.2` or `0.02`, whose
            latent code carried the shape and overrode the description.
        use_cudnn: passed to the text encoder's LSTM.
        name: model name.

    Returns:
        A `keras.Model` from
        `{"image": (B, S, S, 3) in [0, 1], "text": (B, L) int}` to reconstructions `(B, S, S, 3)` in [0, 1],
        with the sub-models `"decoder"` (`[latent (B, latent_dim), text]` to
        images).

    Example:

    >>> cvae = build_cvae(vocab_size=20, image_size=16, filters=(8, 16))
    >>> generate_images(cvae, keras.ops.ones((2, 3), "int32"), seed=0).shape
    (2, 16, 16, 3)
    """
    _check_drawing_sizes(image_size, vocab_size=vocab_size, text_length=text_length, latent_dim=latent_dim,
                         embedding_dim=embedding_dim, text_units=text_units, hidden_units=hidden_units)
    filters = check_filters(filters, "(16, 32)")
    if kl_weight is None:
        kl_weight = 1.0 / (image_size * image_size * 3)

    def condition_of(text, side):
        return _description_condition(text, vocab_size, embedding_dim, text_units, hidden_units, use_cudnn, side)

    decoder = _build_image_drawer(latent_dim, text_length, image_size, filters[-1], hidden_units,
                                  lambda text: condition_of(text, "decoder"), name="decoder")

    image = keras.Input((image_size, image_size, 3), name="image")
    model_text = keras.Input((text_length,), dtype="int32", name="text")
    features = ImageEncoder(filters, output="vector", pooling="flatten", name="image_encoder")(image)
    h = keras.layers.Concatenate(name="image_and_condition")([features, condition_of(model_text, "encoder")])
    h = keras.layers.Dense(hidden_units, activation="relu", name="posterior")(h)
    z_mean = keras.layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(h)
    z = Sampling(kl_weight=kl_weight, name="sampling")([z_mean, z_log_var])
    reconstruction = decoder([z, model_text])
    return keras.Model({"image": image, "text": model_text}, reconstruction, name=name)


def _description_condition(text, vocab_size, embedding_dim, text_units, hidden_units, use_cudnn, prefix):
    """A description's token ids to a condition vector, with weights of its own.

    Every network that reads the description gets its own encoder: one
    encoder shared by the encoder, the decoder and the outer model cannot be
    reloaded from a .keras file.
    """
    encoded = TextEncoder(vocab_size, embedding_dim, text_units, use_cudnn=use_cudnn,
                          name=f"{prefix}_text_encoder")(text)
    return keras.layers.Dense(hidden_units // 2, activation="relu", name=f"{prefix}_condition")(encoded)


def _build_image_drawer(latent_dim, text_length, image_size, channels, hidden_units, condition_of, name,
                        batch_norm=False):
    """`[latent, text]` to an image in [0, 1]: the CVAE's decoder and the GAN's generator.

    The condition is appended to every position of every feature map
    (`SpatialBroadcast`); given only once, at the start, it was ignored.
    """

    def activate(x, layer_name):
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"{layer_name}_norm")(x)
        return keras.layers.ReLU(name=f"{layer_name}_relu")(x)

    latent = keras.Input((latent_dim,), name="latent")
    text = keras.Input((text_length,), dtype="int32", name=f"{name}_text")
    condition = condition_of(text)
    side = image_size // 4
    x = keras.layers.Concatenate(name="latent_and_condition")([latent, condition])
    x = activate(keras.layers.Dense(hidden_units, name="hidden")(x), "hidden")
    x = activate(keras.layers.Dense(side * side * channels, name="seed_map")(x), "seed_map")
    x = keras.layers.Reshape((side, side, channels), name="first_map")(x)
    for i, width in enumerate((channels, max(channels // 2, 8))):
        x = SpatialBroadcast(name=f"condition_{i}")([x, condition])
        x = keras.layers.Conv2DTranspose(width, 3, strides=2, padding="same", name=f"upsample_{i}")(x)
        x = activate(x, f"upsample_{i}")
    drawn = keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid", dtype="float32", name="pixels")(x)
    return keras.Model([latent, text], drawn, name=name)


def _check_drawing_sizes(image_size, **sizes):
    if not isinstance(image_size, int) or image_size % 4 or image_size < 8:
        raise ValueError(
            f"`image_size` must be a multiple of 4, at least 8 (the decoder doubles a quarter-size map twice). "
            f"Received: image_size={image_size!r}"
        )
    for argument, value in sizes.items():
        check_positive_int(argument, value)


def _drawer_of(model):
    """The `[latent, text]` to image network of a CVAE, or the model itself if it is one."""
    if isinstance(model, keras.Model):
        if any(layer.name == "decoder" for layer in model.layers):
            return model.get_layer("decoder")
        inputs = model.inputs or []
        if len(inputs) == 2 and len(inputs[0].shape) == 2 and len(inputs[1].shape) == 2 and len(model.outputs) == 1:
            return model
    raise ValueError(
        "Expected a model from build_cvae (with a 'decoder' sub-model) or from build_cgan_generator "
        f"(inputs [latent, text]). Received: {getattr(model, 'name', type(model).__name__)!r}"
    )


def generate_images(cvae, text_ids, seed=None, temperature=1.0):
    """Draw one image per description with a trained CVAE or GAN generator.

    Args:
        cvae: a model from `build_cvae` (its decoder draws), or a generator
            from `build_cgan_generator`.
        text_ids: int `(B, L)`, tokenized descriptions.
        seed: optional int for the latent draws.
        temperature: scale of `z ~ N(0, temperature^2 I)`; below 1 gives
            more typical, less varied images.

    Returns:
        float32 images `(B, S, S, 3)` in [0, 1] (a NumPy array).

    Example:

    >>> cvae = build_cvae(vocab_size=20, image_size=16, filters=(8, 16))
    >>> images = generate_images(cvae, np.ones((2, 3), "int32"), seed=0, temperature=0.5)
    >>> images.shape, bool(images.min() >= 0 and images.max() <= 1)
    ((2, 16, 16, 3), True)
    """
    decoder = _drawer_of(cvae)
    latent_dim = decoder.inputs[0].shape[-1]
    text_length = decoder.inputs[1].shape[-1]
    text_ids = keras.ops.convert_to_tensor(text_ids)
    if len(text_ids.shape) != 2 or text_ids.shape[-1] != text_length:
        raise ValueError(
            f"Expected token ids of shape (batch, {text_length}), as the model was built with "
            f"text_length={text_length}. Received shape {tuple(text_ids.shape)}."
        )
    if not isinstance(temperature, (int, float)) or temperature < 0:
        raise ValueError(f"`temperature` must be a number >= 0. Received: temperature={temperature!r}")
    latent = keras.random.normal((text_ids.shape[0], latent_dim), seed=seed) * temperature
    return keras.ops.convert_to_numpy(decoder([latent, keras.ops.cast(text_ids, "int32")]))


def build_attribute_classifier(attributes, image_size=32, filters=(16, 32, 64), name="attribute_classifier"):
    """A judge for generated images: one softmax head per attribute.

    Trained on real images (`make_object_images`, with
    `attributes={"color": 6, "shape": 3}`), it then scores generated ones: a drawing "has the
    requested colour" when this classifier, which never saw a generated
    image, says so.

    Args:
        attributes: dict of head name to number of classes, e.g.
            `{"color": len(COLORS), "shape": len(SHAPES)}`.
        image_size: side of the square images.
        filters: the `ImageEncoder`'s filters (max-pooled to a vector).
        name: model name.

    Returns:
        A `keras.Model` from images `(B, S, S, 3)` in [0, 1] to a dict of
        softmax outputs `{name: (B, classes)}`, one per attribute.

    Example:

    >>> judge = build_attribute_classifier({"color": 6, "shape": 3}, image_size=16, filters=(4,))
    >>> {name: tuple(p.shape) for name, p in judge(keras.ops.zeros((2, 16, 16, 3))).items()}
    {'color': (2, 6), 'shape': (2, 3)}
    """
    if not isinstance(attributes, dict) or not attributes:
        raise ValueError(
            "`attributes` must be a non-empty dict of head name to class count, e.g. {'color': 6, 'shape': 3}. "
            f"Received: attributes={attributes!r:.80}"
        )
    for attribute, classes in attributes.items():
        check_positive_int(f"attributes[{attribute!r}]", classes)
    check_positive_int("image_size", image_size)
    image = keras.Input((image_size, image_size, 3), name="image")
    features = ImageEncoder(filters, output="vector", pooling="max", name="image_encoder")(image)
    heads = {
        attribute: keras.layers.Dense(classes, activation="softmax", dtype="float32", name=attribute)(features)
        for attribute, classes in attributes.items()
    }
    return keras.Model(image, heads, name=name)
