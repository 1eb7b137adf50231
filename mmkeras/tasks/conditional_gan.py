"""Text to image with a conditional GAN, as a task that `fit` trains."""

import keras

from mmkeras.models.cgan import build_cgan_discriminator
from mmkeras.models.cgan import build_cgan_generator
from mmkeras.tasks.text_to_image import TextToImageTask


@keras.saving.register_keras_serializable(package="mmkeras")
class ConditionalGAN(TextToImageTask):
    """A GAN conditioned on text: a generator
    (`build_cgan_generator`), a projection discriminator
    (`build_cgan_discriminator`) and their preprocessor, trained by `fit`.

    Each `train_step` draws a batch, then the discriminator learns to
    score real image + right description as real (label 0.9, one-sided
    label smoothing), drawn image + description as fake, and real image +
    another example's description as fake (so it must read the words);
    the generator learns to make the discriminator call its drawings
    real. `fit` logs `discriminator_loss` and `generator_loss`. The
    forward pass is the generator's, `[latent, text] -> images in [0, 1]`;
    `generate(descriptions)` draws uint8 images.

    The training step uses TensorFlow's `GradientTape`, so `fit` needs the
    TensorFlow backend; a trained task saved as `.keras` loads and
    generates on JAX and PyTorch too.

    Args:
        backbone: the generator, a model from `build_cgan_generator`.
        discriminator: a model from `build_cgan_discriminator` with the
            same image size and description length.
        preprocessor: a `TextToImagePreprocessor`.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> gan = ConditionalGAN.from_preset("world_cgan", vocabulary=["red", "blue", "circle"], channels=8,
    ...                                  discriminator_filters=(4, 8))
    >>> history = gan.fit({"image": np.zeros((4, 32, 32, 3), "uint8"), "text": ["red circle"] * 4},
    ...                   epochs=1, verbose=0)
    >>> sorted(history.history)
    ['discriminator_loss', 'generator_loss']
    >>> gan.generate(["blue circle"], seed=0).shape
    (1, 32, 32, 3)
    """

    preset_task = "ConditionalGAN"

    def __init__(self, backbone, discriminator, preprocessor, real_label=0.9, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        if not isinstance(discriminator, keras.Model) or sorted(getattr(discriminator, "input", {}) or {}) != [
            "image", "text"
        ]:
            raise ValueError(
                "`discriminator` must be a model from build_cgan_discriminator() with the inputs ['image', 'text']. "
                f"Received: {getattr(discriminator, 'name', type(discriminator).__name__)!r}"
            )
        if len(backbone.inputs) != 2:
            raise ValueError(f"`backbone` must be a generator from build_cgan_generator(). Received {backbone.name!r}.")
        self.check_drawer()
        drawn = (backbone.output.shape[1], backbone.inputs[1].shape[-1])
        judged = (discriminator.input["image"].shape[1], discriminator.input["text"].shape[-1])
        if drawn != judged:
            raise ValueError(
                f"The generator draws {drawn[0]}-pixel images from {drawn[1]} tokens but the discriminator judges "
                f"{judged[0]}-pixel images with {judged[1]} tokens."
            )
        if not 0.5 < real_label <= 1.0:
            raise ValueError(f"`real_label` must be in (0.5, 1]. Received: real_label={real_label!r}")
        self.discriminator = discriminator
        self.real_label = real_label
        self.latent_dim = backbone.inputs[0].shape[-1]
        self.cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        self.discriminator_loss_tracker = keras.metrics.Mean(name="discriminator_loss")
        self.generator_loss_tracker = keras.metrics.Mean(name="generator_loss")

    @property
    def drawer(self):
        return self.backbone

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, discriminator_filters=None, **backbone_overrides):
        """A new, untrained conditional GAN configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("ConditionalGAN")`)
                or a preset dict.
            vocabulary: a `WordTokenizer`, or a list of words.
            compile: compile with Adam at the preset's learning rate
                (`beta_1=0.5`) for both networks.
            discriminator_filters: the discriminator's convolution filters,
                if not the preset's.
            **backbone_overrides: arguments of `build_cgan_generator` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        judge_args = dict(config.get("discriminator", {}))
        if discriminator_filters is not None:
            judge_args["filters"] = discriminator_filters
        preprocessor = cls.make_preprocessor(vocabulary, args["image_size"], args["text_length"])
        vocab_size = preprocessor.tokenizer.vocabulary_size
        generator = build_cgan_generator(vocab_size, **args)
        discriminator = build_cgan_discriminator(
            vocab_size, image_size=args["image_size"], text_length=args["text_length"], **judge_args
        )
        task = cls(generator, discriminator, preprocessor)
        if compile:
            learning_rate = config.get("training", {}).get("learning_rate", 2e-4)
            task.compile(keras.optimizers.Adam(learning_rate, beta_1=0.5),
                         keras.optimizers.Adam(learning_rate, beta_1=0.5))
        return task

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", **kwargs):
        """Set each network's optimizer (`keras.Model.compile` arguments otherwise, e.g. `jit_compile`)."""
        super().compile(**kwargs)
        self.generator_optimizer = keras.optimizers.get(generator_optimizer)
        self.discriminator_optimizer = keras.optimizers.get(discriminator_optimizer)

    @property
    def metrics(self):
        return [self.discriminator_loss_tracker, self.generator_loss_tracker]

    def fit(self, *args, **kwargs):
        # Checked before Keras's trainer calls train_step: JAX's trainer calls it
        # as train_step(state, data) and would fail with a bare TypeError.
        self._check_backend()
        return super().fit(*args, **kwargs)

    @staticmethod
    def _check_backend():
        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(
                f"ConditionalGAN.fit needs the TensorFlow backend; this is {keras.backend.backend()!r}. "
                "Train with KERAS_BACKEND=tensorflow; the saved .keras file then loads and generates on "
                "any backend."
            )

    def train_step(self, data):
        self._check_backend()
        import tensorflow as tf

        x = data[0] if isinstance(data, tuple) else data
        real, text = x["image"], x["text"]
        batch = tf.shape(real)[0]
        # Another example's description: a real image with the wrong words must be judged fake.
        wrong_text = tf.roll(text, shift=1, axis=0)
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            drawn = self.backbone([tf.random.normal((batch, self.latent_dim)), text], training=True)
            scores = self.discriminator(
                {"image": tf.concat([real, tf.cast(drawn, real.dtype), real], axis=0),
                 "text": tf.concat([text, text, wrong_text], axis=0)},
                training=True,
            )
            real_score, drawn_score, mismatch_score = tf.split(scores, 3)
            discriminator_loss = (
                self.cross_entropy(self.real_label * tf.ones_like(real_score), real_score)
                + self.cross_entropy(tf.zeros_like(drawn_score), drawn_score)
                + self.cross_entropy(tf.zeros_like(mismatch_score), mismatch_score)
            )
            generator_loss = self.cross_entropy(tf.ones_like(drawn_score), drawn_score)
        for tape, loss, network, optimizer in (
            (discriminator_tape, discriminator_loss, self.discriminator, self.discriminator_optimizer),
            (generator_tape, generator_loss, self.backbone, self.generator_optimizer),
        ):
            gradients = tape.gradient(loss, network.trainable_variables)
            optimizer.apply_gradients(zip(gradients, network.trainable_variables))
        self.discriminator_loss_tracker.update_state(discriminator_loss)
        self.generator_loss_tracker.update_state(generator_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def get_config(self):
        config = super().get_config()
        config.update(
            discriminator=keras.saving.serialize_keras_object(self.discriminator), real_label=self.real_label
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return super().from_config(config)
