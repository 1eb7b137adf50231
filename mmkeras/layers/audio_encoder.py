import math

import keras
from keras import ops

from mmkeras.layers._checks import build_sublayer
from mmkeras.layers._checks import check_choice
from mmkeras.layers._checks import check_filters
from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank
from mmkeras.layers._checks import check_rate

OUTPUTS = ("sequence", "vector")
POOLINGS = ("avg", "max")


@keras.saving.register_keras_serializable(package="mmkeras")
class AudioEncoder(keras.layers.Layer):
    """Encoder for spectrogram frames (e.g. log-mel): a sequence or a vector.

    Blocks of `Conv1D(filters, kernel_size, strides, "same")` over time
    look at a few neighbouring frames at once and may shorten the sequence
    (a stride of 2 halves it); an optional bidirectional GRU then reads the
    whole utterance. `output="sequence"` keeps one vector per remaining
    frame, which a CTC speech recogniser needs; `output="vector"` pools the
    frames (masked frames excluded) into one vector per utterance.

    Args:
        filters: sequence of ints, the filters of each convolution block.
        kernel_size: int, frames each convolution sees.
        strides: int or one int per block, the time stride of each block.
            The sequence shrinks by their product (see `output_lengths`).
        recurrent_units: optional int, units of a bidirectional GRU after
            the convolutions (per direction).
        output: `"sequence"` or `"vector"`.
        pooling: for `output="vector"`, `"avg"` or `"max"` over frames.
        output_dim: optional int, width of a final dense projection.
        activation: activation of the convolutions.
        dropout: dropout rate after each block and on the output.
        use_cudnn: passed to the GRU (`"auto"`, `True` or `False`).
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        features: `(B, T, F)` frames of F features each.
        mask: optional bool `(B, T)`, `False` for padding frames (or carried
            by `features`). Used by the GRU and the pooling.
        training: Python bool, whether dropout runs.

    Returns:
        `(B, T', D)` for `"sequence"` with `T' = ceil(T / prod(strides))`,
        or `(B, D)` for `"vector"`. `D` is `output_dim`, else
        `2 * recurrent_units`, else `filters[-1]`. A sequence output carries the
        shortened mask.

    Example:

    >>> encoder = AudioEncoder(filters=(32, 32), strides=(1, 2), recurrent_units=16)
    >>> tuple(encoder(keras.ops.zeros((2, 100, 40))).shape)
    (2, 50, 32)
    """

    def __init__(
        self,
        filters=(64, 64),
        kernel_size=5,
        strides=1,
        recurrent_units=None,
        output="sequence",
        pooling="avg",
        output_dim=None,
        activation="relu",
        dropout=0.0,
        use_cudnn="auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        filters = check_filters(filters, "(64, 64)")
        strides = (strides,) * len(filters) if isinstance(strides, int) else tuple(strides)
        if len(strides) != len(filters):
            raise ValueError(
                f"`strides` needs one stride per block ({len(filters)}). Received: strides={strides!r}"
            )
        for s in strides:
            check_positive_int("strides", s)
        check_positive_int("kernel_size", kernel_size)
        if recurrent_units is not None:
            check_positive_int("recurrent_units", recurrent_units)
        check_choice("output", output, OUTPUTS)
        check_choice("pooling", pooling, POOLINGS)
        if output_dim is not None:
            check_positive_int("output_dim", output_dim)
        check_rate("dropout", dropout)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.recurrent_units = recurrent_units
        # `output` would shadow Layer.output, the functional-API output tensor.
        self.output_mode = output
        self.pooling = pooling
        self.output_dim = output_dim
        self.activation = keras.activations.get(activation)
        self.dropout = dropout
        self.use_cudnn = use_cudnn
        self.supports_masking = True

        self.convolutions = [
            keras.layers.Conv1D(f, kernel_size, strides=s, padding="valid", activation=self.activation,
                                dtype=self.dtype_policy, name=f"conv_{i}")
            for i, (f, s) in enumerate(zip(self.filters, self.strides))
        ]
        self.recurrent = (
            keras.layers.Bidirectional(
                keras.layers.GRU(recurrent_units, return_sequences=True, use_cudnn=use_cudnn,
                                 dtype=self.dtype_policy),
                dtype=self.dtype_policy, name="recurrent",
            )
            if recurrent_units is not None
            else None
        )
        self.projection = (
            keras.layers.Dense(output_dim, dtype=self.dtype_policy, name="projection")
            if output_dim is not None
            else None
        )
        self.block_dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def _check_shape(self, input_shape):
        check_rank(self, "features", input_shape, (3,), "(batch, frames, features per frame)")
        if input_shape[-1] is None:
            raise ValueError(
                "AudioEncoder needs the number of features per frame (last axis) to be known. "
                f"Received shape {tuple(input_shape)}."
            )

    def _frames_out(self, frames):
        return None if frames is None else self.output_lengths(frames)

    def output_lengths(self, lengths):
        """Frames left after the strided blocks, for input lengths `lengths`
        (an int or an int tensor): `ceil(length / prod(strides))`."""
        factor = math.prod(self.strides)
        if isinstance(lengths, int):
            return -(-lengths // factor)
        return (ops.cast(lengths, "int32") + factor - 1) // factor

    def build(self, input_shape):
        self._check_shape(input_shape)
        shape = tuple(input_shape)
        for conv in self.convolutions:
            padded = shape[:1] + (None if shape[1] is None else shape[1] + self.kernel_size - 1,) + shape[2:]
            build_sublayer(conv, padded)
            shape = conv.compute_output_shape(padded)
        if self.recurrent is not None:
            build_sublayer(self.recurrent, shape)
            shape = shape[:-1] + (2 * self.recurrent_units,)
        if self.projection is not None:
            build_sublayer(self.projection, shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        if self.output_dim is not None:
            width = self.output_dim
        elif self.recurrent_units is not None:
            width = 2 * self.recurrent_units
        else:
            width = self.filters[-1]
        if self.output_mode == "vector":
            return (input_shape[0], width)
        return (input_shape[0], self._frames_out(input_shape[1]), width)

    def _downsample_mask(self, mask):
        for stride in self.strides:
            mask = mask[:, ::stride]
        return mask

    def compute_mask(self, features, mask=None):
        if mask is None or self.output_mode == "vector":
            return None
        return self._downsample_mask(mask)

    def call(self, features, mask=None, training=False):
        x = ops.cast(features, self.compute_dtype)
        if mask is not None:
            mask = ops.cast(mask, "bool")
        for conv, stride in zip(self.convolutions, self.strides):
            x = self.block_dropout(conv(self._pad_frames(x, mask)), training=training)
            if mask is not None:
                mask = mask[:, ::stride]
        if self.recurrent is not None:
            x = self.block_dropout(self.recurrent(x, mask=mask, training=training), training=training)
        if self.output_mode == "vector":
            x = self._pool(x, mask)
        if self.projection is not None:
            x = self.projection(x)
        return x

    def _pad_frames(self, x, mask):
        """Zero the padding frames and pad the ends explicitly.

        With Keras's `padding="same"` a strided convolution pads more or
        less on the left depending on the parity of the sequence length, so
        the same utterance padded to a different batch length would be cut
        into different frames. Fixed end padding anchors the frame grid at
        the first frame, and zeroing the padding frames makes the last real
        frames see what they would see without any padding: an utterance
        is encoded the same in any batch.
        """
        if mask is not None:
            x = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
        before = (self.kernel_size - 1) // 2
        return ops.pad(x, [[0, 0], [before, self.kernel_size - 1 - before], [0, 0]])

    def _pool(self, x, mask):
        if mask is None:
            return ops.mean(x, axis=1) if self.pooling == "avg" else ops.max(x, axis=1)
        weights = ops.expand_dims(ops.cast(mask, x.dtype), -1)
        if self.pooling == "avg":
            return ops.sum(x * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
        lowest = ops.cast(-3e4 if x.dtype == "float16" else -1e9, x.dtype)
        pooled = ops.max(ops.where(weights > 0, x, lowest), axis=1)
        return ops.where(ops.sum(weights, axis=1) > 0, pooled, ops.zeros_like(pooled))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": list(self.filters),
                "kernel_size": self.kernel_size,
                "strides": list(self.strides),
                "recurrent_units": self.recurrent_units,
                "output": self.output_mode,
                "pooling": self.pooling,
                "output_dim": self.output_dim,
                "activation": keras.activations.serialize(self.activation),
                "dropout": self.dropout,
                "use_cudnn": self.use_cudnn,
            }
        )
        return config
