import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import carry_non_finite
from mmkeras.layers._checks import check_choice
from mmkeras.layers._checks import check_filters
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate

OUTPUTS = ("vector", "grid")
POOLINGS = ("avg", "max", "flatten")
DOWNSAMPLINGS = ("max_pool", "strided")
BLOCKS = ("plain", "residual")


@keras.saving.register_keras_serializable(package="mmkeras")
class ImageEncoder(keras.layers.Layer):
    """Convolutional image encoder: a vector per image or a grid of regions.

    A stack of blocks, each `Conv2D(filters, kernel_size, "same")`,
    optional batch normalisation, the activation and a 2x2 max-pool, turns
    an image `(B, H, W, C)` into a feature map `(B, H', W', F)` with
    `H' = H / 2**len(filters)`. With `downsampling="strided"` each block's
    convolution halves the map itself (stride 2, rounding odd sides up)
    and there is no pooling: a quarter of the convolution work and no
    pooling pass. On a 2-core CPU that made a 48-pixel, three-block
    encoder train 3.9 times faster
    (`benchmarks/image_encoder_downsampling.py`).

    With `block="residual"` each block is a ResNet basic block instead:
    two convolutions, and the block's input added back before the last
    activation, `y = act(F(x) + P x)`, where `F` is the two convolutions
    (the first one downsampling when `downsampling="strided"`) and `P` a
    1x1 convolution that gives the input the block's width (applied to
    every second pixel of each row and column when the block is strided,
    which is what a stride-2 1x1 convolution computes).
    The sum gives every block a path its gradient crosses unchanged, which
    is what lets much deeper stacks train. `block="plain"` (the default)
    is the VGG-style stack of one convolution per block. Then:

    - `output="grid"` flattens the map into `H' * W'` region vectors,
      `(B, H' * W', D)`: one feature vector per image region, the "values"
      an attention layer looks over.
    - `output="vector"` pools the map into one vector `(B, D)` (average or
      max over regions, or `"flatten"`, which keeps where things are).

    With `output_dim` a final dense projection maps each vector or region
    to `D = output_dim`; otherwise `D = filters[-1]` (or `H' * W' * F` for
    `pooling="flatten"`). Integer images (e.g. uint8) are cast to the
    compute dtype as they are: scale them first (e.g. `x / 255`).

    Args:
        filters: sequence of ints, the number of filters of each block.
        kernel_size: int, the side of each square convolution kernel.
        output: `"vector"` or `"grid"`.
        pooling: for `output="vector"`: `"avg"`, `"max"` or `"flatten"`.
        output_dim: optional int, width of a final dense projection.
        coordinates: for `output="grid"`: append each region's normalised
            `(row, column)`, making the output `D + 2` wide.
        activation: activation of the convolutions and the projection.
        batch_norm: whether to normalise after each convolution.
        downsampling: `"max_pool"` (a stride-1 convolution, then a 2x2
            max-pool) or `"strided"` (a stride-2 convolution).
        block: `"plain"` (one convolution per block) or `"residual"` (two,
            with a projected shortcut around them).
        dropout: dropout rate applied to the output during training.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        images: a tensor of shape `(B, H, W, C)`, channels last.
        training: Python bool, whether batch norm and dropout run in
            training mode.

    Returns:
        `(B, D)` for `output="vector"`, `(B, H' * W', D)` for `"grid"`
        (`D + 2` with `coordinates=True`).

    Example:

    >>> encoder = ImageEncoder(filters=(16, 32), output="grid", output_dim=8)
    >>> tuple(encoder(keras.ops.zeros((2, 32, 32, 3))).shape)
    (2, 64, 8)
    >>> residual = ImageEncoder(filters=(16, 32), block="residual")
    >>> tuple(residual(keras.ops.zeros((2, 32, 32, 3))).shape)
    (2, 32)

    Reference:
        He et al., "Deep Residual Learning for Image Recognition", CVPR
        2016 (the `"residual"` block; all shortcuts projected, their
        option C).
    """

    def __init__(
        self,
        filters=(32, 64, 128),
        kernel_size=3,
        output="vector",
        pooling="avg",
        output_dim=None,
        coordinates=False,
        activation="relu",
        batch_norm=False,
        downsampling="max_pool",
        dropout=0.0,
        block="plain",
        **kwargs,
    ):
        super().__init__(**kwargs)
        filters = check_filters(filters, "(32, 64)")
        check_positive_int("kernel_size", kernel_size)
        check_choice("output", output, OUTPUTS)
        check_choice("pooling", pooling, POOLINGS)
        check_choice("downsampling", downsampling, DOWNSAMPLINGS)
        check_choice("block", block, BLOCKS)
        if output_dim is not None:
            check_positive_int("output_dim", output_dim)
        if coordinates and output != "grid":
            raise ValueError(
                "`coordinates=True` appends region positions to a grid; it needs "
                f"output='grid'. Received: output={output!r}"
            )
        check_rate("dropout", dropout)
        self.filters = filters
        self.kernel_size = kernel_size
        # `output` would shadow Layer.output, the functional-API output tensor.
        self.output_mode = output
        self.pooling = pooling
        self.output_dim = output_dim
        self.coordinates = coordinates
        self.activation = keras.activations.get(activation)
        self.batch_norm = batch_norm
        self.downsampling = downsampling
        self.dropout = dropout
        self.block = block
        strides = 2 if downsampling == "strided" else 1
        residual = block == "residual"

        self.convolutions = [
            keras.layers.Conv2D(
                f,
                kernel_size,
                strides=strides,
                padding="same",
                activation=None if batch_norm else self.activation,
                use_bias=not batch_norm,
                dtype=self.dtype_policy,
                name=f"conv_{i}",
            )
            for i, f in enumerate(self.filters)
        ]
        self.normalizations = (
            [
                keras.layers.BatchNormalization(dtype=self.dtype_policy, name=f"norm_{i}")
                for i in range(len(self.filters))
            ]
            if batch_norm
            else []
        )
        # A residual block's second convolution and its shortcut; empty lists for plain blocks.
        self.second_convolutions = [
            keras.layers.Conv2D(
                f, kernel_size, padding="same", use_bias=not batch_norm, dtype=self.dtype_policy, name=f"conv_{i}_b"
            )
            for i, f in enumerate(self.filters)
            if residual
        ]
        self.second_normalizations = [
            keras.layers.BatchNormalization(dtype=self.dtype_policy, name=f"norm_{i}_b")
            for i in range(len(self.filters))
            if residual and batch_norm
        ]
        # A strided block's shortcut subsamples its input and then runs a
        # stride-1 1x1 convolution (see `_shortcut`), the same function as a
        # stride-2 1x1 convolution: PyTorch 2.14's CPU gradient of that
        # convolution on channels-last tensors with few input channels writes
        # past its buffer (oneDNN issue 6035) and crashed the process.
        self.shortcuts = [
            keras.layers.Conv2D(f, 1, padding="same", dtype=self.dtype_policy, name=f"shortcut_{i}")
            for i, f in enumerate(self.filters)
            if residual
        ]
        self.pool = (
            keras.layers.MaxPooling2D(2, dtype=self.dtype_policy, name="pool")
            if downsampling == "max_pool"
            else None
        )
        self.projection = (
            keras.layers.Dense(
                output_dim, activation=self.activation, dtype=self.dtype_policy, name="projection"
            )
            if output_dim is not None
            else None
        )
        self.output_dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def _check_shape(self, input_shape):
        check_rank(self, "images", input_shape, (4,), "(batch, height, width, channels)")
        height, width, channels = input_shape[1:]
        if channels is None:
            raise ValueError(
                "ImageEncoder needs the channel count (last axis) to be known. "
                f"Received shape {tuple(input_shape)}."
            )
        if self.pool is None:
            # A stride-2 "same" convolution never shrinks a side below 1.
            return
        factor = 2 ** len(self.filters)
        for side in (height, width):
            if side is not None and side < factor:
                raise ValueError(
                    f"ImageEncoder with {len(self.filters)} blocks halves the image "
                    f"{len(self.filters)} times, so height and width must be at least "
                    f"{factor}. Received shape {tuple(input_shape)}. Use fewer filters "
                    "or larger images."
                )

    def build(self, input_shape):
        self._check_shape(input_shape)
        shape = tuple(input_shape)
        for i, conv in enumerate(self.convolutions):
            build_sublayer(conv, shape)
            block_input_shape, shape = shape, conv.compute_output_shape(shape)
            if self.batch_norm:
                build_sublayer(self.normalizations[i], shape)
            if self.block == "residual":
                build_sublayer(self.second_convolutions[i], shape)
                if self.batch_norm:
                    build_sublayer(self.second_normalizations[i], shape)
                build_sublayer(self.shortcuts[i], shape[:-1] + block_input_shape[-1:])
            if self.pool is not None:
                shape = self.pool.compute_output_shape(shape)
        if self.projection is not None:
            build_sublayer(self.projection, self._pre_projection_shape(input_shape))
        self.built = True

    def _feature_map_shape(self, input_shape):
        shape = tuple(input_shape)
        for conv in self.convolutions:
            shape = conv.compute_output_shape(shape)
            if self.pool is not None:
                shape = self.pool.compute_output_shape(shape)
        return shape

    def _pre_projection_shape(self, input_shape):
        batch, height, width, channels = self._feature_map_shape(input_shape)
        regions = None if height is None or width is None else height * width
        if self.output_mode == "grid":
            return (batch, regions, channels)
        if self.pooling == "flatten":
            return (batch, None if regions is None else regions * channels)
        return (batch, channels)

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        shape = self._pre_projection_shape(input_shape)
        if self.projection is not None:
            shape = shape[:-1] + (self.output_dim,)
        if self.coordinates:
            shape = shape[:-1] + (shape[-1] + 2,)
        return shape

    def feature_maps(self, images, training=False):
        """The output of every block, `[(B, H/2, W/2, F0), (B, H/4, W/4, F1), ...]`.

        Useful to look inside the encoder (the book plots them).
        """
        x = ops.cast(images, self.compute_dtype)
        maps = []
        for i, conv in enumerate(self.convolutions):
            block_input = x
            x = conv(x)
            if self.batch_norm:
                x = self.activation(self.normalizations[i](x, training=training))
            if self.block == "residual":
                x = self.second_convolutions[i](x)
                if self.batch_norm:
                    x = self.second_normalizations[i](x, training=training)
                x = self.activation(x + self._shortcut(i, block_input))
            if self.pool is not None:
                x = self.pool(x)
            maps.append(x)
        return maps

    def _shortcut(self, index, block_input):
        if self.downsampling == "strided":
            # "same" padding of a 1x1, stride-2 convolution is zero, so it
            # reads rows and columns 0, 2, 4, ...: ceil(side / 2) of them.
            block_input = block_input[:, ::2, ::2, :]
        return self.shortcuts[index](block_input)

    def call(self, images, training=False):
        x = self.feature_maps(images, training=training)[-1]
        batch, height, width, channels = ops.shape(x)
        if self.output_mode == "grid":
            x = ops.reshape(x, (-1, height * width, channels))
        elif self.pooling == "avg":
            x = ops.mean(x, axis=(1, 2))
        elif self.pooling == "max":
            x = ops.max(x, axis=(1, 2))
        else:
            x = ops.reshape(x, (-1, height * width * channels))
        if self.projection is not None:
            x = self.projection(x)
        x = self.output_dropout(x, training=training)
        if self.coordinates:
            x = ops.concatenate([x, self._region_coordinates(x, height, width)], axis=-1)
        return carry_non_finite(x, images)

    def _region_coordinates(self, regions, height, width):
        # TensorFlow has no float16 `range` kernel: count in float32, then cast.
        rows = ops.cast((ops.arange(height, dtype="float32") + 0.5) / height * 2.0 - 1.0, self.compute_dtype)
        cols = ops.cast((ops.arange(width, dtype="float32") + 0.5) / width * 2.0 - 1.0, self.compute_dtype)
        grid = ops.stack(
            [
                ops.repeat(rows, width),
                ops.tile(cols, [height]),
            ],
            axis=-1,
        )
        return ops.broadcast_to(grid[None], ops.shape(regions)[:-1] + (2,))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": list(self.filters),
                "kernel_size": self.kernel_size,
                "output": self.output_mode,
                "pooling": self.pooling,
                "output_dim": self.output_dim,
                "coordinates": self.coordinates,
                "activation": keras.activations.serialize(self.activation),
                "batch_norm": self.batch_norm,
                "downsampling": self.downsampling,
                "dropout": self.dropout,
                "block": self.block,
            }
        )
        return config
