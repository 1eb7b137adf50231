import math

import keras
from keras import ops

from mmkeras.training.replicas import gather_from_replicas


@keras.saving.register_keras_serializable(package="mmkeras")
class ContrastiveSimilarity(keras.layers.Layer):
    r"""Scaled cosine similarities between two batches of embeddings.

    `logits[i, j] = s * cos(a_i, b_j)` for every pair of a batch of `a`
    (e.g. images) and a batch of `b` (e.g. captions), where `a_i` and
    `b_i` belong together. The scale `s = 1 / temperature` is a trainable
    weight, stored as `log s` (so it stays positive) and capped at
    `max_scale` (as in CLIP), because an unbounded scale lets the loss fall
    by sharpening instead of aligning. Train with
    `mmkeras.losses.SymmetricInfoNCE`.

    Under data parallelism each replica embeds only its share of the
    batch, which would leave each with fewer negatives than one device
    has. So during training (`training=True`, as in `fit`) the layer
    gathers `a` and `b` from every replica first
    (`mmkeras.training.gather_from_replicas`) and returns the logits of
    the global batch on each: the loss is then the single-device loss of
    the global batch, and its gradient reaches each replica's own
    embeddings through the gather (see `SymmetricInfoNCE`). Under
    TensorFlow's distribution strategies this is an all-gather; under JAX's
    `keras.distribution` the step is already computed over the global
    batch; on one device nothing changes. Prediction and evaluation keep
    each replica's own batch.

    .. math::

        \text{logits}_{ij} = s\, \frac{a_i^\top b_j}{\lVert a_i \rVert\, \lVert b_j \rVert}, \qquad s = \min\!\left(\frac{1}{\tau},\; s_{\max}\right)

    Args:
        initial_temperature: float > 0, the starting temperature (0.07 in
            CLIP).
        learn_temperature: whether the temperature is trained.
        max_scale: the largest allowed `s`.
        gather_across_replicas: whether training compares each replica's
            examples with the global batch (`True`, as CLIP does) or only
            with its own share (`False`).
        **kwargs: base layer keyword arguments, e.g. `name`.

    Call arguments:
        inputs: `[a (B_a, D), b (B_b, D)]`, the same width D.
        training: bool; when true and `gather_across_replicas`, the
            inputs are gathered from every data-parallel replica first.

    Returns:
        Logits `(B_a, B_b)`; during multi-replica training, of the global
        batch.

    Example:

    >>> a = keras.ops.convert_to_tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> logits = ContrastiveSimilarity(initial_temperature=0.5)([a, a])
    >>> keras.ops.convert_to_numpy(logits).round(3).tolist()
    [[2.0, 0.0], [0.0, 2.0]]

    Reference:
        Radford et al., "Learning Transferable Visual Models From Natural
        Language Supervision" (CLIP), ICML 2021.
    """

    def __init__(
        self, initial_temperature=0.07, learn_temperature=True, max_scale=100.0, gather_across_replicas=True, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(gather_across_replicas, bool):
            raise ValueError(
                "`gather_across_replicas` must be True or False. "
                f"Received: gather_across_replicas={gather_across_replicas!r}"
            )
        if not initial_temperature > 0:
            raise ValueError(
                f"`initial_temperature` must be > 0. Received: initial_temperature={initial_temperature!r}"
            )
        if not max_scale >= 1.0 / initial_temperature:
            raise ValueError(
                f"`max_scale` ({max_scale!r}) must be at least 1 / initial_temperature "
                f"({1.0 / initial_temperature:.4g}), or the starting scale would already be capped."
            )
        self.initial_temperature = initial_temperature
        self.learn_temperature = learn_temperature
        self.max_scale = max_scale
        self.gather_across_replicas = gather_across_replicas

    def _check(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or not all(
            isinstance(s, (list, tuple)) and len(s) == 2 for s in input_shape
        ):
            raise ValueError(
                "ContrastiveSimilarity expects two batches of vectors, "
                "`[a (batch_a, dim), b (batch_b, dim)]`, e.g. pooled image and text "
                f"embeddings. Received: {input_shape}"
            )
        if input_shape[0][-1] != input_shape[1][-1]:
            raise ValueError(
                "ContrastiveSimilarity compares vectors of one width; project both "
                "modalities to a shared width first (e.g. with a Dense layer each). "
                f"Received widths {input_shape[0][-1]} and {input_shape[1][-1]}."
            )

    def build(self, input_shape):
        self._check(input_shape)
        self.log_scale = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(math.log(1.0 / self.initial_temperature)),
            trainable=self.learn_temperature,
            name="log_scale",
        )
        self.built = True

    @property
    def temperature(self):
        """The current temperature, `1 / s`."""
        return 1.0 / ops.minimum(ops.exp(self.log_scale), self.max_scale)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0][0], input_shape[1][0])

    def call(self, inputs, training=None):
        self._check([tuple(x.shape) for x in inputs])
        if training and self.gather_across_replicas:
            inputs = [gather_from_replicas(x) for x in inputs]
        a, b = (ops.cast(x, self.compute_dtype) for x in inputs)
        a = a / ops.sqrt(ops.sum(a * a, axis=-1, keepdims=True) + 1e-12)
        b = b / ops.sqrt(ops.sum(b * b, axis=-1, keepdims=True) + 1e-12)
        scale = ops.cast(ops.minimum(ops.exp(self.log_scale), self.max_scale), self.compute_dtype)
        return scale * ops.matmul(a, ops.transpose(b))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "initial_temperature": self.initial_temperature,
                "learn_temperature": self.learn_temperature,
                "max_scale": self.max_scale,
                "gather_across_replicas": self.gather_across_replicas,
            }
        )
        return config
