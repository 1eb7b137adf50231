"""Images and texts to the dual encoder's inputs."""

import keras

from mmkeras.tasks.image_text_preprocessor import ImageTextPreprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class DualEncoderPreprocessor(ImageTextPreprocessor):
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

    def __init__(self, image_converter, tokenizer, sequence_length=16, **kwargs):
        super().__init__(image_converter, tokenizer, sequence_length, **kwargs)

    def call(self, x, y=None, sample_weight=None):
        self.check_pairs(x, y)
        return {"image": self.convert_images(x["image"]), "text": self.tokenize(x["text"])}
