import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import carry_non_finite
from mmkeras.layers._checks import check_filters
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate


@keras.saving.register_keras_serializable(package="mmkeras")
class VideoEncoder(keras.layers.Layer):
    """3D-convolutional video encoder, with an optional motion stream.

    The two classic families of video models in one layer:

    - a **3D CNN**: blocks of `Conv3D(filters, kernel_size, "same")` and a
      max-pool that halves height and width (and, with
      `pool_time=True`, the number of frames), then an average over
      time and space: one vector per clip;
    - **two streams** (`two_stream=True`): the same stack run a second
      time, with its own weights, on the frame differences
      `x[t + 1] - x[t]`, a cheap stand-in for optical flow that shows what
      moved. The appearance and motion vectors are concatenated.

    Args:
        filters: sequence of ints, the filters of each block.
        kernel_size: int, the side of the cubic kernels.
        two_stream: whether to add the motion stream.
        pool_time: whether each block also halves the number of frames.
        output_dim: optional int, width of a final dense projection.
        activation: activation of the convolutions and the projection.
        dropout: dropout rate on the output during training.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        clips: `(B, T, H, W, C)` frames, channels last, scaled as you
            scale images (e.g. to [0, 1]).
        training: Python bool, whether dropout runs.

    Returns:
        `(B, D)`: `output_dim`, else `filters[-1]` (twice that with
        `two_stream=True`).

    Example:

    >>> encoder = VideoEncoder(filters=(8, 16), two_stream=True)
    >>> tuple(encoder(keras.ops.zeros((2, 8, 32, 32, 3))).shape)
    (2, 32)

    Reference:
        Simonyan and Zisserman, "Two-Stream Convolutional Networks for
        Action Recognition in Videos", NeurIPS 2014; Tran et al., "Learning
        Spatiotemporal Features with 3D Convolutional Networks", ICCV 2015.
    """

    def __init__(
        self,
        filters=(16, 32),
        kernel_size=3,
        two_stream=False,
        pool_time=False,
        output_dim=None,
        activation="relu",
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        filters = check_filters(filters, "(16, 32)")
        check_positive_int("kernel_size", kernel_size)
        if output_dim is not None:
            check_positive_int("output_dim", output_dim)
        check_rate("dropout", dropout)
        self.filters = filters
        self.kernel_size = kernel_size
        self.two_stream = bool(two_stream)
        self.pool_time = bool(pool_time)
        self.output_dim = output_dim
        self.activation = keras.activations.get(activation)
        self.dropout = dropout

        self.appearance_convolutions = self._convolutions("appearance")
        self.motion_convolutions = self._convolutions("motion") if self.two_stream else []
        pool = (2, 2, 2) if self.pool_time else (1, 2, 2)
        self.pool = keras.layers.MaxPooling3D(pool, padding="same", dtype=self.dtype_policy, name="pool")
        self.projection = (
            keras.layers.Dense(output_dim, activation=self.activation, dtype=self.dtype_policy,
                               name="projection")
            if output_dim is not None
            else None
        )
        self.output_dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def _convolutions(self, stream):
        return [
            keras.layers.Conv3D(f, self.kernel_size, padding="same", activation=self.activation,
                                dtype=self.dtype_policy, name=f"{stream}_conv_{i}")
            for i, f in enumerate(self.filters)
        ]

    def _streams(self):
        streams = [("appearance", self.appearance_convolutions)]
        if self.two_stream:
            streams.append(("motion", self.motion_convolutions))
        return streams

    def _check_shape(self, input_shape):
        check_rank(self, "clips", input_shape, (5,), "(batch, frames, height, width, channels)")
        frames, height, width, channels = input_shape[1:]
        if channels is None:
            raise ValueError(
                f"VideoEncoder needs the channel count (last axis) to be known. Received shape {tuple(input_shape)}."
            )
        if self.two_stream and frames is not None and frames < 2:
            raise ValueError(
                "VideoEncoder(two_stream=True) takes differences of consecutive frames, so clips need at "
                f"least 2 frames. Received shape {tuple(input_shape)}."
            )
        factor = 2 ** len(self.filters)
        for side in (height, width):
            if side is not None and side < factor:
                raise ValueError(
                    f"VideoEncoder with {len(self.filters)} blocks halves the frames' height and width "
                    f"{len(self.filters)} times, so they must be at least {factor}. Received shape "
                    f"{tuple(input_shape)}. Use fewer filters or larger frames."
                )

    def build(self, input_shape):
        self._check_shape(input_shape)
        for stream, convolutions in self._streams():
            shape = tuple(input_shape)
            if stream == "motion" and shape[1] is not None:
                shape = (shape[0], shape[1] - 1) + shape[2:]
            for conv in convolutions:
                build_sublayer(conv, shape)
                shape = self.pool.compute_output_shape(conv.compute_output_shape(shape))
        if self.projection is not None:
            build_sublayer(self.projection, (input_shape[0], self._stream_width()))
        self.built = True

    def _stream_width(self):
        return self.filters[-1] * (2 if self.two_stream else 1)

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        return (input_shape[0], self.output_dim or self._stream_width())

    def _run_stream(self, convolutions, x):
        for conv in convolutions:
            x = conv(x)
            if x.dtype == "float16":
                # TensorFlow's CPU kernels have no float16 MaxPool3D; pooling
                # in float32 gives the same maxima on every device.
                pooled = ops.max_pool(
                    ops.cast(x, "float32"), self.pool.pool_size, strides=self.pool.strides, padding=self.pool.padding
                )
                x = ops.cast(pooled, x.dtype)
            else:
                x = self.pool(x)
        return ops.mean(x, axis=(1, 2, 3))

    def call(self, clips, training=False):
        x = ops.cast(clips, self.compute_dtype)
        vectors = [self._run_stream(self.appearance_convolutions, x)]
        if self.two_stream:
            vectors.append(self._run_stream(self.motion_convolutions, x[:, 1:] - x[:, :-1]))
        x = ops.concatenate(vectors, axis=-1) if len(vectors) > 1 else vectors[0]
        if self.projection is not None:
            x = self.projection(x)
        return carry_non_finite(self.output_dropout(x, training=training), clips)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": list(self.filters),
                "kernel_size": self.kernel_size,
                "two_stream": self.two_stream,
                "pool_time": self.pool_time,
                "output_dim": self.output_dim,
                "activation": keras.activations.serialize(self.activation),
                "dropout": self.dropout,
            }
        )
        return config
