"""Text to image with a conditional VAE, as a task: descriptions in, uint8 images out."""

import keras

from mmkeras.models.cvae import build_cvae
from mmkeras.tasks.text_to_image import TextToImageTask


@keras.saving.register_keras_serializable(package="mmkeras")
class ConditionalVAE(TextToImageTask):
    """A VAE conditioned on text (`build_cvae`) with its preprocessor.

    Trains with `fit({"image": images, "text": descriptions})` (no
    targets: it reconstructs the images); `generate(descriptions)` draws
    new uint8 images. Its forward pass returns the reconstructions in [0, 1].

    Args:
        backbone: a model from `mmkeras.models.build_cvae`.
        preprocessor: a `TextToImagePreprocessor` with its image size and
            description length.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> cvae = ConditionalVAE.from_preset("world_cvae", vocabulary=["red", "blue", "circle"], filters=(4, 8))
    >>> history = cvae.fit({"image": np.zeros((4, 32, 32, 3), "uint8"), "text": ["red circle"] * 4},
    ...                    epochs=1, verbose=0)
    >>> cvae.generate(["blue circle"], seed=0).shape
    (1, 32, 32, 3)
    """

    preset_task = "ConditionalVAE"

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        if not any(layer.name == "decoder" for layer in backbone.layers):
            raise ValueError(f"`backbone` must be a model from build_cvae() (with a 'decoder'). Received {backbone.name!r}.")
        self.decoder = backbone.get_layer("decoder")
        self.check_drawer()

    @property
    def drawer(self):
        return self.decoder

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, **backbone_overrides):
        """A new, untrained CVAE configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("ConditionalVAE")`)
                or a preset dict.
            vocabulary: a `WordTokenizer`, or a list of words.
            compile: compile with Adam at the preset's learning rate and the
                mean squared error of the pixels.
            **backbone_overrides: arguments of `build_cvae` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        preprocessor = cls.make_preprocessor(vocabulary, args["image_size"], args["text_length"])
        task = cls(build_cvae(preprocessor.tokenizer.vocabulary_size, **args), preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss="mse")
        return task
