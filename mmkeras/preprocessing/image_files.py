"""Images from files, bytes or arrays, through an `ImageConverter` (TensorFlow)."""

import os

import numpy as np
import tensorflow as tf


def read_image(source):
    """One image file (a path, or its encoded bytes) as uint8 `(H, W, 3)`.

    PNG, JPEG, GIF (first frame) and BMP decode; grey images are repeated
    to three channels and alpha is dropped. Works on a scalar string
    tensor inside `tf.data` too, where `source` is always a path.

    Example:

    >>> read_image("data/fixtures/pairs/images/scene_0000.png").shape
    TensorShape([64, 64, 3])
    """
    if isinstance(source, bytes):
        data = tf.constant(source)
    else:
        if isinstance(source, os.PathLike):
            source = os.fspath(source)
        if isinstance(source, str) and not os.path.isfile(source):
            raise FileNotFoundError(f"Image file not found: {source}")
        data = tf.io.read_file(source)
    return tf.io.decode_image(data, channels=3, expand_animations=False)


def convert_images(images, converter):
    """A batch of images of any kind as `converter` makes them.

    Args:
        images: a numeric array or tensor `(B, H, W, C)` (or one image
            `(H, W, C)`), a list of image paths (str or `pathlib.Path`)
            or encoded files (bytes), or a 1-D string tensor of paths.
            Files may have different sizes: each is converted on its own.
        converter: an `ImageConverter`.

    Returns:
        float32 `(B, S, S, 3)` in [0, 1] (or `(S, S, 3)` for one array image).
    """
    if isinstance(images, (list, tuple)) and images and isinstance(images[0], (str, bytes, os.PathLike)):
        return tf.stack([converter(read_image(source)) for source in images])
    if isinstance(images, (str, bytes, os.PathLike)):
        raise TypeError(
            "Expected a batch of images: wrap a single path or file in a list, e.g. "
            f"[{images!r:.60}]."
        )
    if isinstance(images, tf.Tensor) and images.dtype == tf.string:
        size = converter.image_size
        return tf.map_fn(
            lambda path: converter(read_image(path)),
            images,
            fn_output_signature=tf.TensorSpec((size, size, 3), tf.float32),
        )
    if isinstance(images, (list, tuple)):
        images = np.asarray(images)
    return converter(images)
