"""Descriptions (and, for training, their images) to the text-to-image models' inputs."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class TextToImagePreprocessor(Preprocessor):
    """For the tasks that draw an image from a description (`ConditionalVAE`,
    `ConditionalGAN`): images and descriptions in for training, the
    description's token ids alone for drawing.

    Args:
        image_converter: an `ImageConverter` (the size of the drawings).
        tokenizer: a `WordTokenizer` with the descriptions' words.
        sequence_length: token ids per description.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a dict with `"image"` (anything `convert_images` takes) and
            `"text"` (description strings `(B,)`).

    Returns:
        `({"image": (B, S, S, 3) float32 in [0, 1], "text": (B, L) int32},
        image)`: the image is also the target, which a VAE reconstructs.

    Example:

    >>> preprocessor = TextToImagePreprocessor(ImageConverter(16), WordTokenizer.from_corpus(["large red circle"]), 3)
    >>> x, target = preprocessor({"image": np.zeros((1, 32, 32, 3), "uint8"), "text": ["Large red circle"]})
    >>> x["text"].numpy().tolist(), tuple(target.shape)
    ([[5, 6, 4]], (1, 16, 16, 3))
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, sequence_length=3, **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        self.check_instance("tokenizer", tokenizer, WordTokenizer)
        self.check_length("sequence_length", sequence_length, 1)
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length

    def tokenize(self, descriptions):
        """Only the descriptions: int32 `(B, L)`."""
        if isinstance(descriptions, str):
            raise TypeError(
                f"Expected a batch of descriptions: wrap a single one in a list, [{descriptions!r:.60}]."
            )
        return self.tokenizer(descriptions, self.sequence_length, add_start_end=False)

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
            raise ValueError(
                'Expected x = {"image": images, "text": descriptions}, one description per image. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        if y is not None:
            raise ValueError("A text-to-image task learns from images and their descriptions: pass no targets.")
        images = convert_images(x["image"], self.image_converter)
        return self.pack({"image": images, "text": self.tokenize(x["text"])}, images, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), sequence_length=self.sequence_length)
        return config
