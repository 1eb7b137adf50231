import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mmkeras")
class Sampling(keras.layers.Layer):
    """Draw `z ~ N(mean, exp(log_var))` so that gradients reach both inputs.

    The reparameterisation trick of variational autoencoders (document
    000 lists VAEs among its encoders and generators): instead of
    sampling `z` directly, which has no gradient, sample `eps ~ N(0, I)`
    and return `z = mean + exp(log_var / 2) * eps`, a differentiable
    function of `mean` and `log_var`.

    With `kl_weight > 0` the layer also adds the VAE's regulariser to the
    model's losses: `kl_weight` times the batch mean of
    `KL(N(mean, exp(log_var)) || N(0, I)) = -1/2 sum(1 + log_var - mean^2 - exp(log_var))`.

    Args:
        kl_weight: float >= 0, weight of the KL term added as a loss.
        seed: optional int, for reproducible draws.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a list `[mean, log_var]`, two tensors of one shape `(B, D)`.

    Returns:
        `z` of shape `(B, D)`; a new draw at every call.

    Example:

    >>> z = Sampling(seed=0)([keras.ops.zeros((2, 4)), keras.ops.zeros((2, 4))])
    >>> tuple(z.shape)
    (2, 4)
    """

    def __init__(self, kl_weight=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(kl_weight, (int, float)) or kl_weight < 0:
            raise ValueError(f"`kl_weight` must be a number >= 0. Received: kl_weight={kl_weight!r}")
        self.kl_weight = float(kl_weight)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _check_shapes(self, input_shape):
        is_pair = (
            isinstance(input_shape, (list, tuple)) and len(input_shape) == 2
            and all(isinstance(s, (list, tuple)) for s in input_shape)
        )
        if not is_pair or tuple(input_shape[0][1:]) != tuple(input_shape[1][1:]):
            received = [tuple(s) for s in input_shape] if is_pair else f"one input of shape {tuple(input_shape)}"
            raise ValueError(f"Sampling expects [mean, log_var] of one shape. Received: {received}.")

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_shapes(input_shape)
        return tuple(input_shape[0])

    def call(self, inputs):
        mean, log_var = inputs
        if self.kl_weight > 0:
            # In float32 whatever the policy: exp(log_var) and mean**2 overflow
            # float16 (largest value 65504) long before training diverges.
            mean32, log_var32 = ops.cast(mean, "float32"), ops.cast(log_var, "float32")
            kl = -0.5 * ops.sum(1.0 + log_var32 - ops.square(mean32) - ops.exp(log_var32), axis=-1)
            self.add_loss(self.kl_weight * ops.mean(kl))
        mean = ops.cast(mean, self.compute_dtype)
        log_var = ops.cast(log_var, self.compute_dtype)
        noise = keras.random.normal(ops.shape(mean), dtype=self.compute_dtype, seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * noise

    def get_config(self):
        config = super().get_config()
        config.update({"kl_weight": self.kl_weight, "seed": self.seed})
        return config
