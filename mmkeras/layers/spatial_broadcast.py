import keras
from keras import ops

from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class SpatialBroadcast(keras.layers.Layer):
    """Append a per-example vector to every position of a feature map.

    A conditional generator must draw what its condition asks for at every
    place of the image. Given only once, through a dense layer at the
    start, the condition is easy to drown: a conditional VAE whose latent
    code can carry the same information then learns to ignore it.
    Repeating the condition at every position of each feature map (as
    FiLM-like or "tiled" conditioning does) lets every convolution see it.

    Args:
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list `[feature_map, vector]`: `(B, H, W, C)` and `(B, D)`.

    Returns:
        `(B, H, W, C + D)`: the feature map with the vector concatenated
        to each position's channels.

    Example:

    >>> broadcast = SpatialBroadcast()
    >>> tuple(broadcast([keras.ops.zeros((2, 4, 4, 8)), keras.ops.ones((2, 3))]).shape)
    (2, 4, 4, 11)
    """

    def _check_shapes(self, input_shape):
        if not (isinstance(input_shape, (list, tuple)) and len(input_shape) == 2
                and all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(
                "SpatialBroadcast expects a list [feature_map (B, H, W, C), vector (B, D)]. "
                f"Received: one input of shape {tuple(input_shape)}."
            )
        map_shape, vector_shape = input_shape
        check_rank(self, "feature_map", map_shape, (4,), "(batch, height, width, channels)")
        check_rank(self, "vector", vector_shape, (2,), "(batch, features)")
        if None not in (map_shape[0], vector_shape[0]) and map_shape[0] != vector_shape[0]:
            raise ValueError(
                "The feature map and the vector must have one batch size. "
                f"Received shapes {tuple(map_shape)} and {tuple(vector_shape)}."
            )

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_shapes(input_shape)
        map_shape, vector_shape = input_shape
        channels = None if None in (map_shape[-1], vector_shape[-1]) else map_shape[-1] + vector_shape[-1]
        return tuple(map_shape[:-1]) + (channels,)

    def call(self, inputs):
        feature_map, vector = inputs
        vector = ops.cast(vector, feature_map.dtype)
        batch, height, width = ops.shape(feature_map)[0], ops.shape(feature_map)[1], ops.shape(feature_map)[2]
        tiled = ops.broadcast_to(vector[:, None, None, :], (batch, height, width, ops.shape(vector)[-1]))
        return ops.concatenate([feature_map, tiled], axis=-1)
