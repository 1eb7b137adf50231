import keras
from keras import ops

from mmkeras.layers._checks import check_rate


@keras.saving.register_keras_serializable(package="mmkeras")
class ModalityDropout(keras.layers.Layer):
    """Drop whole modalities at random while training.

    For every example and every modality, with probability `rate`, the
    modality's tensor is replaced by zeros: a blank image, an all-padding
    token row, or zero features, depending on where the layer sits. If
    that would drop every modality of an example, one of them (chosen at
    random) is kept. Outside training the inputs pass unchanged, so a
    missing modality at inference is given the same way: zeros.

    Zeros are what a model trained with this layer learns to read as
    "absent". Placed on the raw inputs, blank images and empty texts
    become inputs the model has seen; placed on encoder outputs, zero
    features do. Unlike `Dropout`, nothing is rescaled: a present modality
    looks the same in training and at inference.

    Args:
        rate: float in [0, 1), the probability of dropping each modality.
        seed: optional int seed of the random draws.
        **kwargs: base layer keyword arguments, e.g. `name`.

    Call arguments:
        inputs: a list of two or more tensors with a common batch size;
            ranks and dtypes may differ (images, token ids, features).
        training: Python bool, whether to drop.

    Returns:
        A list of tensors with the shapes and dtypes of `inputs`.

    Example:

    >>> image, tokens = keras.ops.ones((4, 8, 8, 3)), keras.ops.ones((4, 5), "int32")
    >>> dropped = ModalityDropout(0.5, seed=1)([image, tokens], training=True)
    >>> [tuple(x.shape) for x in dropped]
    [(4, 8, 8, 3), (4, 5)]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_rate("rate", rate)
        self.rate = rate
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def _check(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2 or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                "ModalityDropout expects a list of two or more modality tensors, "
                "e.g. `ModalityDropout(0.3)([image, tokens])`; dropping the only "
                f"modality would leave nothing to learn from. Received: {input_shape}"
            )

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return [tuple(s) for s in input_shape]

    def _shapes(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            return tuple(inputs.shape)
        return [tuple(x.shape) for x in inputs]

    def compute_output_spec(self, inputs, training=False):
        self._check(self._shapes(inputs))
        return [keras.KerasTensor(x.shape, dtype=x.dtype) for x in inputs]

    def compute_mask(self, inputs, mask=None):
        return mask

    def call(self, inputs, training=False):
        self._check(self._shapes(inputs))
        if not training or self.rate == 0.0:
            return list(inputs)
        count = len(inputs)
        batch = ops.shape(inputs[0])[0]
        draws = keras.random.uniform((batch, count), seed=self.seed_generator)
        dropped = draws < self.rate
        # Rows that lost everything keep the modality with the largest draw.
        rescue = ops.one_hot(ops.argmax(draws, axis=-1), count) > 0.5
        all_dropped = ops.all(dropped, axis=-1, keepdims=True)
        keep = ops.logical_or(ops.logical_not(dropped), ops.logical_and(all_dropped, rescue))
        outputs = []
        for m, x in enumerate(inputs):
            shape = (batch,) + (1,) * (len(x.shape) - 1)
            outputs.append(ops.where(ops.reshape(keep[:, m], shape), x, ops.zeros_like(x)))
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
