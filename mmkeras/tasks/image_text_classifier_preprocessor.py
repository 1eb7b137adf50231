"""Images and texts in, the backbone's inputs out; label names to ids and back."""

import collections

import keras
import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.preprocessing.tokenizer import as_string_tensor
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
        tokenizer: a `WordTokenizer`.
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
        if not isinstance(image_converter, ImageConverter):
            raise TypeError(
                f"`image_converter` must be an ImageConverter. Received: {type(image_converter).__name__}"
            )
        if not isinstance(tokenizer, WordTokenizer):
            raise TypeError(f"`tokenizer` must be a WordTokenizer. Received: {type(tokenizer).__name__}")
        if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
            raise TypeError(f"`labels` must be a list of label names. Received: labels={labels!r:.60}")
        labels = [str(label) for label in labels]
        repeated = [label for label, count in collections.Counter(labels).items() if count > 1]
        if len(labels) < 2 or repeated or not all(labels):
            raise ValueError(
                "`labels` must hold two or more distinct, non-empty names. "
                f"Received {len(labels)} labels, repeated: {repeated[:5]}."
            )
        if isinstance(sequence_length, bool) or not isinstance(sequence_length, int) or sequence_length < 1:
            raise ValueError(f"`sequence_length` must be a positive int. Received: sequence_length={sequence_length!r}")
        if text_input not in ("text", "question"):
            raise ValueError(f"`text_input` must be 'text' or 'question'. Received: text_input={text_input!r}")
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.labels = labels
        self.sequence_length = sequence_length
        self.text_input = text_input
        self._label_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(labels), tf.range(len(labels), dtype=tf.int32)),
            default_value=-1,
        )

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
            raise ValueError(
                'Expected x = {"image": images, "text": strings}. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        inputs = {
            "image": convert_images(x["image"], self.image_converter),
            self.text_input: self.tokenizer(x["text"], self.sequence_length, add_start_end=False),
        }
        if y is None:
            return inputs
        return self.pack(inputs, self.label_ids(y), sample_weight)

    def label_ids(self, labels):
        """Ids of label names (strings), or label ids (ints) checked to be in range."""
        if isinstance(labels, (list, tuple, np.ndarray)) and len(labels) and not isinstance(
            np.asarray(labels).flat[0], (str, bytes, np.str_, np.bytes_)
        ):
            labels = tf.convert_to_tensor(np.asarray(labels))
        count = len(self.labels)
        if isinstance(labels, tf.Tensor) and labels.dtype.is_integer:
            ids = tf.cast(labels, tf.int32)
            if tf.executing_eagerly():
                bad = sorted(set(ids.numpy()[(ids.numpy() < 0) | (ids.numpy() >= count)].tolist()))
                if bad:
                    raise ValueError(f"Label ids must be in [0, {count}). Received: {bad[:5]}")
                return ids
            checks = [
                tf.debugging.assert_non_negative(ids, message=f"label ids must be in [0, {count})"),
                tf.debugging.assert_less(ids, count, message=f"label ids must be in [0, {count})"),
            ]
            with tf.control_dependencies(checks):
                return tf.identity(ids)
        labels = as_string_tensor(labels)
        ids = self._label_to_id.lookup(labels)
        if tf.executing_eagerly():
            unknown = sorted({label.decode("utf-8") for label in labels.numpy()[ids.numpy() < 0]})
            if unknown:
                raise ValueError(
                    f"Unknown labels {unknown[:5]}: this preprocessor knows {self.labels[:10]}"
                    f"{'...' if count > 10 else ''}. Build the task with every label of your data."
                )
            return ids
        check = tf.debugging.assert_non_negative(ids, message="a label is not one of the labels this preprocessor knows")
        with tf.control_dependencies([check]):
            return tf.identity(ids)

    def get_config(self):
        config = super().get_config()
        config.update(
            self.nested_config(),
            labels=list(self.labels),
            sequence_length=self.sequence_length,
            text_input=self.text_input,
        )
        return config
