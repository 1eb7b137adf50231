"""Images and texts in, the backbone's inputs out; label names to ids and back."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.label_table import LabelTable
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class ImageTextClassifierPreprocessor(Preprocessor):
    """For tasks that read an image and a text and choose one label:
    visual question answering (the text is the question) and product
    classification (title and description).

    It holds the label names, so a task trained on your own labels answers
    with them; nothing comes from the bundled world's constants.

    Args:
        image_converter: an `ImageConverter`.
        tokenizer: a `WordTokenizer` (a text's row holds its words alone)
            or a `WordPieceTokenizer` (`[CLS] pieces [SEP]`, as a
            BERT-style text tower was pretrained to read them).
        labels: the label names, in the order of the backbone's outputs.
        sequence_length: L, the text's padded length.
        text_input: the backbone's name for the text input (`"question"`
            for `build_vqa_model`, `"text"` for `build_product_classifier`).
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a dict with `"image"` (anything `convert_images` takes) and
            `"text"` (strings `(B,)`).
        y: optional label names `(B,)` (strings), or their ids (ints).

    Returns:
        `{"image": (B, S, S, 3) float32, text_input: (B, L) int32}`, with
        `y` as int32 ids `(B,)` when given.

    Example:

    >>> preprocessor = ImageTextClassifierPreprocessor(
    ...     ImageConverter(16), WordTokenizer.from_corpus(["what colour is it"]), ["red", "blue"], 6, "question")
    >>> x, y = preprocessor({"image": np.zeros((1, 20, 20, 3), "uint8"), "text": ["What colour is it?"]}, ["blue"])
    >>> x["question"].numpy().tolist(), y.numpy().tolist()
    ([[7, 4, 5, 6, 0, 0]], [1])
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, labels, sequence_length=16, text_input="text", **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        self.check_instance("tokenizer", tokenizer, (WordTokenizer, WordPieceTokenizer))
        table = LabelTable(labels)
        self.check_length("sequence_length", sequence_length, 1)
        if text_input not in ("text", "question"):
            raise ValueError(f"`text_input` must be 'text' or 'question'. Received: text_input={text_input!r}")
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.label_table = table
        self.labels = table.labels
        self.sequence_length = sequence_length
        self.text_input = text_input

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
            raise ValueError(
                'Expected x = {"image": images, "text": strings}. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        inputs = {
            "image": convert_images(x["image"], self.image_converter),
            self.text_input: self.tokenize(x["text"]),
        }
        if y is None:
            return inputs
        return self.pack(inputs, self.label_ids(y), sample_weight)

    @property
    def wraps_text(self):
        """Whether a text's row starts and ends with the tokenizer's marks
        (`[CLS]` ... `[SEP]` for WordPiece)."""
        return isinstance(self.tokenizer, WordPieceTokenizer)

    def tokenize(self, texts):
        """Only the texts: int32 `(B, L)`."""
        if isinstance(texts, str):
            raise TypeError(f"Expected a batch of texts: wrap a single one in a list, [{texts!r:.60}].")
        return self.tokenizer(texts, self.sequence_length, add_start_end=self.wraps_text)

    def label_ids(self, labels):
        """Ids of label names (strings), or label ids (ints) checked to be in range."""
        return self.label_table.ids(labels)

    def check_targets(self, y):
        self.label_table.ids(y)

    def get_config(self):
        config = super().get_config()
        config.update(
            self.nested_config(),
            labels=list(self.labels),
            sequence_length=self.sequence_length,
            text_input=self.text_input,
        )
        return config
