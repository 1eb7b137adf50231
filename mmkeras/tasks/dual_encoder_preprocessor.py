"""Images and texts to the dual encoder's inputs."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class DualEncoderPreprocessor(Preprocessor):
    """Image-text pairs in, `{"image", "text"}` out; each side also alone.

    There are no targets: pair i (image i, text i) is the positive of
    row i of the similarity matrix, every other pair of the batch a
    negative.

    Args:
        image_converter: an `ImageConverter`.
        tokenizer: a `WordTokenizer`.
        sequence_length: L, the texts' padded length.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a dict with `"image"` (anything `convert_images` takes) and
            `"text"` (strings `(B,)`).

    Returns:
        `{"image": (B, S, S, 3) float32, "text": (B, L) int32}`.

    Example:

    >>> preprocessor = DualEncoderPreprocessor(ImageConverter(16), WordTokenizer.from_corpus(["a red circle"]), 4)
    >>> x = preprocessor({"image": np.zeros((1, 20, 20, 3), "uint8"), "text": ["A red circle."]})
    >>> tuple(x["image"].shape), x["text"].numpy().tolist()
    ((1, 16, 16, 3), [[4, 6, 5, 0]])
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, sequence_length=16, **kwargs):
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

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
            raise ValueError(
                'Expected x = {"image": images, "text": strings}, one text per image. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        if y is not None:
            raise ValueError(
                "A dual encoder learns from the pairs alone (text i describes image i): pass no targets."
            )
        return {"image": self.convert_images(x["image"]), "text": self.tokenize(x["text"])}

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), sequence_length=self.sequence_length)
        return config
