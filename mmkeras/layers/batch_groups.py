import keras
from keras import ops

from mmkeras.layers._checks import check_choice
from mmkeras.layers._checks import check_positive_int

MODES = ("merge", "repeat", "split")


@keras.saving.register_keras_serializable(package="mmkeras")
class BatchGroups(keras.layers.Layer):
    """Move a group of K items per example into or out of the batch axis.

    Several items often share one expensive input: a scene has five
    questions, an image several captions. Encoding the image once and
    pairing it with each of its K items costs one image encoding instead of
    K. This layer does the bookkeeping, so layers written for one item per
    example (an LSTM text encoder, an attention over image regions) serve K:

    - `"merge"`: `(B, K, ...) -> (B * K, ...)`, the items of each example
      side by side in the batch (example 0's K items first).
    - `"repeat"`: `(B, ...) -> (B * K, ...)`, each example's features
      repeated K times, so they line up with the merged items.
    - `"split"`: `(B * K, ...) -> (B, K, ...)`, back to one row per example.

    Args:
        group_size: int, K, the items per example.
        mode: one of `"merge"`, `"repeat"`, `"split"`.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor; for `"merge"` of rank >= 3 with `K` as its second
            axis; for `"split"` with a batch size that is a multiple of `K`.

    Returns:
        The tensor with its batch axis reshaped as described above.

    Example:

    >>> questions = keras.ops.zeros((4, 5, 14))
    >>> tuple(BatchGroups(5, "merge")(questions).shape)
    (20, 14)
    >>> tuple(BatchGroups(5, "repeat")(keras.ops.zeros((4, 36, 64))).shape)
    (20, 36, 64)
    >>> tuple(BatchGroups(5, "split")(keras.ops.zeros((20, 19))).shape)
    (4, 5, 19)
    """

    def __init__(self, group_size, mode, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("group_size", group_size)
        check_choice("mode", mode, MODES)
        self.group_size = group_size
        self.mode = mode

    def _check_shape(self, input_shape):
        minimum_rank = 3 if self.mode == "merge" else 2 if self.mode == "split" else 1
        if len(input_shape) < minimum_rank:
            raise ValueError(
                f"BatchGroups(mode={self.mode!r}) expects inputs of rank >= {minimum_rank}. "
                f"Received shape {tuple(input_shape)}."
            )
        if self.mode == "merge" and input_shape[1] not in (None, self.group_size):
            raise ValueError(
                f"BatchGroups(group_size={self.group_size}, mode='merge') expects "
                f"{self.group_size} items per example on axis 1. Received shape "
                f"{tuple(input_shape)}. Build the layer with group_size={input_shape[1]}, "
                "or regroup the data."
            )
        if self.mode == "split" and input_shape[0] is not None and input_shape[0] % self.group_size:
            raise ValueError(
                f"BatchGroups(group_size={self.group_size}, mode='split') needs a batch size "
                f"that is a multiple of {self.group_size}. Received shape {tuple(input_shape)}."
            )

    def build(self, input_shape):
        self._check_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        batch, k = input_shape[0], self.group_size
        if self.mode == "merge":
            return (None if batch is None else batch * k,) + tuple(input_shape[2:])
        if self.mode == "repeat":
            return (None if batch is None else batch * k,) + tuple(input_shape[1:])
        return (None if batch is None else batch // k, k) + tuple(input_shape[1:])

    def compute_output_spec(self, inputs):
        # Regrouping keeps the dtype: grouped token ids stay integers in a functional model too.
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype=inputs.dtype)

    def call(self, inputs):
        shape = ops.shape(inputs)
        if self.mode == "merge":
            return ops.reshape(inputs, (-1,) + tuple(shape[2:]))
        if self.mode == "repeat":
            return ops.repeat(inputs, self.group_size, axis=0)
        return ops.reshape(inputs, (-1, self.group_size) + tuple(shape[1:]))

    def get_config(self):
        config = super().get_config()
        config.update({"group_size": self.group_size, "mode": self.mode})
        return config
