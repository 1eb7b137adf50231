"""What the preprocessors of paired images and texts share."""

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


class ImageTextPreprocessor(Preprocessor):
    """The base of the preprocessors that take `{"image", "text"}` pairs and
    no targets (`DualEncoderPreprocessor`, `TextToImagePreprocessor`): an
    image converter, a word tokenizer and the texts' padded length, each
    side also usable alone.

    Args:
        image_converter: an `ImageConverter`.
        tokenizer: a `WordTokenizer`.
        sequence_length: L, the texts' padded length.
        **kwargs: `keras.layers.Layer` arguments.
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        self.check_instance("tokenizer", tokenizer, WordTokenizer)
        self.check_length("sequence_length", sequence_length, 1)
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length

    def convert_images(self, images):
        """Only the images: float32 `(B, S, S, 3)`."""
        return convert_images(images, self.image_converter)

    def tokenize(self, texts):
        """Only the texts: int32 `(B, L)`."""
        if isinstance(texts, str):
            raise TypeError(f"Expected a batch of texts: wrap a single one in a list, [{texts!r:.60}].")
        return self.tokenizer(texts, self.sequence_length, add_start_end=False)

    def check_pairs(self, x, y, texts="strings"):
        """Refuse anything but `{"image", "text"}` and targets, naming what was received."""
        if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
            raise ValueError(
                f'Expected x = {{"image": images, "text": {texts}}}, one text per image. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        if y is not None:
            raise ValueError(f"{type(self).__name__} learns from the pairs alone: pass no targets.")

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), sequence_length=self.sequence_length)
        return config
