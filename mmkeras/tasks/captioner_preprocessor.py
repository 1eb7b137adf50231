"""The captioner's preprocessor: images and captions to decoder inputs and targets."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class CaptionerPreprocessor(Preprocessor):
    """Images (arrays of any size, or image files) and caption strings in;
    `{"image", "tokens"}` and the next tokens out, for teacher forcing.

    Args:
        image_converter: an `ImageConverter` (the backbone's image size).
        tokenizer: a `WordTokenizer` with the captions' vocabulary.
        sequence_length: L, the decoder's input length.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a batch of images: a uint8 or float array `(B, H, W, C)`, a
            list of image paths or file bytes, or a string tensor of paths;
            or a dict with the key `"image"`.
        y: optional caption strings `(B,)`.

    Returns:
        `{"image": (B, S, S, 3) float32}` without `y`; with it,
        `({"image": ..., "tokens": (B, L) int32}, next_tokens (B, L))`.

    Example:

    >>> preprocessor = CaptionerPreprocessor(ImageConverter(32), WordTokenizer.from_corpus(["a red circle"]), 6)
    >>> x, next_tokens = preprocessor(np.zeros((1, 64, 64, 3), "uint8"), ["a red circle"])
    >>> tuple(x["image"].shape), x["tokens"].numpy().tolist(), next_tokens.numpy().tolist()
    ((1, 32, 32, 3), [[2, 4, 6, 5, 3, 0]], [[4, 6, 5, 3, 0, 0]])
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, sequence_length=16, **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        if not isinstance(tokenizer, WordTokenizer):
            raise TypeError(
                "`tokenizer` must be a WordTokenizer (its [START]/[END] tokens drive generation). "
                f"Received: {type(tokenizer).__name__}"
            )
        self.check_length("sequence_length", sequence_length, 2)
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length

    def convert_images(self, images):
        """Only the images: float32 `(B, S, S, 3)` for the image encoder."""
        if isinstance(images, dict):
            images = images["image"]
        return convert_images(images, self.image_converter)

    def call(self, x, y=None, sample_weight=None):
        inputs = {"image": self.convert_images(x)}
        return self.pack_teacher_forced(inputs, self.tokenizer, y, self.sequence_length, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), sequence_length=self.sequence_length)
        return config
