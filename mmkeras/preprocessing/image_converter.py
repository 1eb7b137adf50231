"""Images of any size and type to the size and scale a model takes."""

import types

import keras
from keras import ops

from mmkeras.layers._checks import is_concrete

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area")


def _keras_ops():
    return types.SimpleNamespace(
        convert_to_tensor=ops.convert_to_tensor, cast=ops.cast, concatenate=ops.concatenate, clip=ops.clip,
        resize=lambda images, size, interpolation, antialias: ops.image.resize(
            images, size, interpolation=interpolation, antialias=antialias),
    )


def _tensorflow_ops():
    import tensorflow as tf

    return types.SimpleNamespace(
        convert_to_tensor=tf.convert_to_tensor, cast=tf.cast, clip=tf.clip_by_value,
        concatenate=lambda tensors, axis: tf.concat(tensors, axis=axis),
        resize=lambda images, size, interpolation, antialias: tf.image.resize(
            images, size, method=interpolation, antialias=antialias),
    )


def _is_tensorflow_tensor(value):
    return type(value).__module__.startswith("tensorflow")


@keras.saving.register_keras_serializable(package="mmkeras")
class ImageConverter(keras.layers.Layer):
    """Resizes images to a square `image_size` and scales them to [0, 1].

    The one place where a task turns whatever images it is given (uint8
    photos of any size, floats, one image or a batch) into what its
    backbone takes: float32 `(B, image_size, image_size, 3)` in [0, 1].

    - Integer images (uint8 files, `np.uint8` arrays) are divided by 255;
      float images are taken to be in [0, 1] already, as the world's
      pipelines and `matplotlib` give them, and are only clipped.
    - Grey images (one channel) are repeated to three channels; a fourth
      (alpha) channel is dropped.
    - Images already at `image_size` are not resampled, so the conversion
      of the world's images is exactly `image / 255`.

    Written with `keras.ops` only, so it runs in a `tf.data` map (on the
    TensorFlow backend), inside a model's graph and inside an exported
    SavedModel alike.

    Args:
        image_size: int, the side of the square output.
        interpolation: one of `"bilinear"`, `"nearest"`, `"bicubic"`,
            `"area"`.
        antialias: low-pass filter when shrinking, so a large photo does
            not alias into a small one.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Call arguments:
        images: `(H, W, C)` or `(B, H, W, C)`, C in {1, 3, 4}, integer or
            float.

    Returns:
        float32 `(image_size, image_size, 3)` or
        `(B, image_size, image_size, 3)` in [0, 1].

    Example:

    >>> converter = ImageConverter(image_size=32)
    >>> photo = np.full((2, 100, 60, 3), 255, dtype="uint8")
    >>> out = converter(photo)
    >>> tuple(out.shape), float(ops.max(out))
    ((2, 32, 32, 3), 1.0)
    """

    def __init__(self, image_size, interpolation="bilinear", antialias=True, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
            raise ValueError(f"`image_size` must be a positive int. Received: image_size={image_size!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` must be one of {INTERPOLATIONS}. Received: interpolation={interpolation!r}"
            )
        if not isinstance(antialias, bool):
            raise TypeError(f"`antialias` must be a bool. Received: antialias={antialias!r}")
        self.image_size = image_size
        self.interpolation = interpolation
        self.antialias = antialias
        # Integer images must reach call() as integers, to know to scale them.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    def call(self, images):
        # A task's preprocessor runs in tf.data, where the images are TensorFlow
        # tensors (symbolic ones, inside the map) whatever Keras's backend:
        # JAX or PyTorch ops cannot read them, so TensorFlow's ops do the same
        # steps there (as Keras's own preprocessing layers do in tf.data).
        if keras.backend.backend() != "tensorflow" and _is_tensorflow_tensor(images):
            backend = _tensorflow_ops()
        else:
            backend = _keras_ops()
        images = backend.convert_to_tensor(images)
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(
                "ImageConverter expects an image (H, W, C) or a batch (B, H, W, C). "
                f"Received shape {tuple(images.shape)}."
            )
        channels = images.shape[-1]
        if channels not in (1, 3, 4):
            raise ValueError(
                "ImageConverter expects 1 (grey), 3 (RGB) or 4 (RGBA) channels, last. "
                f"Received shape {tuple(images.shape)}; channels-first images need "
                "ops.transpose(images, (0, 2, 3, 1))."
            )
        dtype = keras.backend.standardize_dtype(images.dtype)
        if dtype == "bool" or dtype.startswith("complex") or dtype == "string":
            raise TypeError(f"ImageConverter expects integer or float pixels. Received dtype {dtype}.")
        is_integer = "int" in dtype
        if not is_integer and is_concrete(images):
            finite = ops.convert_to_numpy(ops.all(ops.isfinite(images), axis=tuple(range(1, rank)) if rank == 4 else None))
            if not finite.all():
                where = f"image {int(finite.ravel().argmin())}" if rank == 4 else "the image"
                raise ValueError(
                    f"ImageConverter: {where} holds NaN or infinite pixels, and a model would turn it into "
                    "ordinary-looking output. Check how the image was made or decoded."
                )
        images = backend.cast(images, "float32")
        if is_integer:
            images = images / 255.0
        if channels == 1:
            images = backend.concatenate([images] * 3, axis=-1)
        elif channels == 4:
            images = images[..., :3]
        if tuple(images.shape[-3:-1]) != (self.image_size, self.image_size):
            images = backend.resize(images, (self.image_size, self.image_size), self.interpolation, self.antialias)
        return backend.clip(images, 0.0, 1.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + (self.image_size, self.image_size, 3)

    def get_config(self):
        config = super().get_config()
        config.update(image_size=self.image_size, interpolation=self.interpolation, antialias=self.antialias)
        return config
