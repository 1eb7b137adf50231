import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class PatchEmbedding(keras.layers.Layer):
    """Cut images into square patches and embed each as a token (ViT).

    An `(S, S)` image becomes `(S / p)^2` tokens, one per `p x p` patch,
    read row by row: each patch's pixels are projected linearly to
    `hidden_dim` (a convolution with kernel and stride `p`). A learned 2-D
    position embedding is added, `row[i] + column[j]` for the patch in
    row i and column j, so the Transformer reading the tokens knows where
    each patch was. With `class_token=True` a learned `[CLS]` vector is
    put first (being learned, it needs no position vector); its output is
    the image vector of a ViT classifier.

    Args:
        patch_size: int, the side of a patch in pixels. The image's height
            and width must be multiples of it.
        hidden_dim: int, the width of the tokens.
        class_token: bool, put a learned `[CLS]` token first.
        kernel_initializer: initializer of the patch projection.
        position_initializer: initializer of the row, column and class
            token vectors (default: normal with standard deviation 0.02).
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        images: a float tensor `(B, H, W, C)` with known `H`, `W`, `C`.

    Returns:
        A tensor `(B, N, hidden_dim)`, `N = (H / p) * (W / p)`, plus one
        when `class_token` is set.

    Example:

    >>> tuple(PatchEmbedding(patch_size=8, hidden_dim=16, class_token=True)(keras.ops.zeros((2, 32, 32, 3))).shape)
    (2, 17, 16)

    Reference:
        Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers
        for Image Recognition at Scale", ICLR 2021.
    """

    def __init__(
        self,
        patch_size,
        hidden_dim,
        class_token=False,
        kernel_initializer="glorot_uniform",
        position_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("patch_size", patch_size)
        check_positive_int("hidden_dim", hidden_dim)
        if not isinstance(class_token, bool):
            raise TypeError(f"`class_token` must be a bool. Received: class_token={class_token!r}")
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.class_token = class_token
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        if position_initializer is None:
            position_initializer = keras.initializers.RandomNormal(stddev=0.02)
        self.position_initializer = keras.initializers.get(position_initializer)
        self.projection = keras.layers.Conv2D(
            hidden_dim,
            patch_size,
            strides=patch_size,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="projection",
        )

    def _grid(self, images_shape):
        check_rank(self, "images", images_shape, (4,), "(batch, height, width, channels)")
        height, width, channels = images_shape[1:]
        if None in (height, width, channels):
            raise ValueError(
                f"PatchEmbedding needs images of a known size. Received shape {tuple(images_shape)}. "
                "Resize them to one size first (ImageConverter)."
            )
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(
                f"PatchEmbedding with patch_size={self.patch_size} needs an image height and width that are "
                f"multiples of {self.patch_size}. Received shape {tuple(images_shape)}. Resize the images or "
                "choose a patch size that divides them."
            )
        return height // self.patch_size, width // self.patch_size

    def build(self, images_shape):
        rows, columns = self._grid(images_shape)
        build_sublayer(self.projection, tuple(images_shape))
        self.row_positions = self.add_weight(
            shape=(rows, self.hidden_dim), initializer=self.position_initializer, name="row_positions"
        )
        self.column_positions = self.add_weight(
            shape=(columns, self.hidden_dim), initializer=self.position_initializer, name="column_positions"
        )
        if self.class_token:
            self.class_embedding = self.add_weight(
                shape=(self.hidden_dim,), initializer=self.position_initializer, name="class_embedding"
            )
        self.built = True

    def compute_output_shape(self, images_shape):
        rows, columns = self._grid(images_shape)
        return (images_shape[0], rows * columns + int(self.class_token), self.hidden_dim)

    def call(self, images):
        rows, columns = self._grid(images.shape)
        patches = self.projection(ops.cast(images, self.compute_dtype))
        positions = self.row_positions[:, None, :] + self.column_positions[None, :, :]
        tokens = patches + ops.cast(positions, self.compute_dtype)[None]
        tokens = ops.reshape(tokens, (ops.shape(images)[0], rows * columns, self.hidden_dim))
        if not self.class_token:
            return tokens
        first = ops.cast(self.class_embedding, self.compute_dtype)
        first = ops.broadcast_to(first[None, None, :], (ops.shape(images)[0], 1, self.hidden_dim))
        return ops.concatenate([first, tokens], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "patch_size": self.patch_size,
                "hidden_dim": self.hidden_dim,
                "class_token": self.class_token,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "position_initializer": keras.initializers.serialize(self.position_initializer),
            }
        )
        return config
