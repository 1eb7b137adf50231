"""Images from files, bytes or arrays, through an `ImageConverter` (TensorFlow)."""

import os

import numpy as np
import tensorflow as tf


# The first bytes of each format tf.io.decode_image reads, and the chunk every
# complete PNG ends with (a cut download or copy loses it).
_SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff", "GIF": b"GIF8", "BMP": b"BM"}
_PNG_END = b"IEND\xaeB`\x82"


def _image_problem(data):
    """Why `data` (bytes) cannot be decoded, or None: a cheap look at its first and last bytes."""
    if data.startswith(_SIGNATURES["PNG"]):
        return None if data.endswith(_PNG_END) else "a PNG file that is cut short (no IEND chunk at its end)"
    if any(data.startswith(signature) for signature in _SIGNATURES.values()):
        return None
    return f"not a PNG, JPEG, GIF or BMP file (it starts with {data[:8]!r}, {len(data)} bytes)"


def decode_image_bytes(data, source):
    """Decode one encoded image to uint8 `(H, W, 3)`, or say which `source` is broken.

    `tf.io.decode_image` names neither the file nor the request when the
    bytes are not an image. This looks at the bytes first (the format's
    signature; for PNG also its final chunk, which a truncated file lacks):
    eagerly it raises a `ValueError` naming `source`; inside `tf.data` or a
    `tf.function` (a SavedModel), where nothing can be raised per example,
    it fails with an `InvalidArgumentError` whose message starts with
    "Cannot decode image" and names `source`. Damage past these checks
    still surfaces as TensorFlow's own decoding error.

    Args:
        data: a scalar string tensor (or bytes), the file's contents.
        source: what to name in the error: a path, or "request 3".

    Example:

    >>> decode_image_bytes(b"not an image", "notes.png")
    Traceback (most recent call last):
    ...
    ValueError: Cannot decode image notes.png: not a PNG, JPEG, GIF or BMP file (it starts with b'not an i', 12 bytes).
    """
    data = tf.convert_to_tensor(data, tf.string)
    if tf.executing_eagerly():
        problem = _image_problem(data.numpy())
        if problem:
            raise ValueError(f"Cannot decode image {_as_text(source)}: {problem}.")
        return tf.io.decode_image(data, channels=3, expand_animations=False)
    starts = [tf.equal(tf.strings.substr(data, 0, len(signature)), signature) for signature in _SIGNATURES.values()]
    is_png = starts[0]
    end = tf.maximum(tf.strings.length(data) - len(_PNG_END), 0)
    complete_png = tf.equal(tf.strings.substr(data, end, len(_PNG_END)), _PNG_END)
    valid = tf.logical_and(tf.reduce_any(tf.stack(starts)), tf.logical_or(tf.logical_not(is_png), complete_png))
    check = tf.debugging.Assert(
        valid,
        # Its bytes are not printed: a binary prefix would make the message undecodable as text.
        ["Cannot decode image", source, "it is not a complete PNG, JPEG, GIF or BMP file; its length in bytes:",
         tf.strings.length(data)],
    )
    with tf.control_dependencies([check]):
        return tf.io.decode_image(tf.identity(data), channels=3, expand_animations=False)


def _as_text(source):
    if isinstance(source, tf.Tensor):
        source = source.numpy()
    return source.decode("utf-8", "replace") if isinstance(source, bytes) else str(source)


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
        return decode_image_bytes(source, f"given as {len(source)} bytes")
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if isinstance(source, str) and not os.path.isfile(source):
        raise FileNotFoundError(f"Image file not found: {source}")
    return decode_image_bytes(tf.io.read_file(source), source)


def _count(images):
    if isinstance(images, (list, tuple)):
        return len(images)
    shape = getattr(images, "shape", None)
    return None if shape is None or len(shape) < 4 or shape[0] is None else int(shape[0])


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

    Example:

    >>> converter = ImageConverter(image_size=32)
    >>> tuple(convert_images(np.zeros((2, 48, 64, 3), "uint8"), converter).shape)
    (2, 32, 32, 3)
    >>> tuple(convert_images(["data/fixtures/pairs/images/scene_0000.png"], converter).shape)
    (1, 32, 32, 3)
    """
    if _count(images) == 0:
        raise ValueError(f"Received no images (an empty batch of shape {np.shape(images)}); pass at least one.")
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
