"""Descriptions (and, for training, their images) to the text-to-image models' inputs."""

import keras

from mmkeras.tasks.image_text_preprocessor import ImageTextPreprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class TextToImagePreprocessor(ImageTextPreprocessor):
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
        `({"image": (B, S, S, 3) float32 in [0, 1], "text": (B, L) int32}, image)`: the image is also the target, which a VAE reconstructs.

    Example:

    >>> preprocessor = TextToImagePreprocessor(ImageConverter(16), WordTokenizer.from_corpus(["large red circle"]), 3)
    >>> x, target = preprocessor({"image": np.zeros((1, 32, 32, 3), "uint8"), "text": ["Large red circle"]})
    >>> x["text"].numpy().tolist(), tuple(target.shape)
    ([[5, 6, 4]], (1, 16, 16, 3))
    """

    def __init__(self, image_converter, tokenizer, sequence_length=3, **kwargs):
        super().__init__(image_converter, tokenizer, sequence_length, **kwargs)

    def call(self, x, y=None, sample_weight=None):
        self.check_pairs(x, y, texts="descriptions")
        images = self.convert_images(x["image"])
        return self.pack({"image": images, "text": self.tokenize(x["text"])}, images, sample_weight)
