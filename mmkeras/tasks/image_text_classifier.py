"""The base of the tasks that read an image and a text and choose a label."""

import numpy as np

from mmkeras.layers import TextEncoder
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
from mmkeras.tasks.image_text_classifier_preprocessor import ImageTextClassifierPreprocessor
from mmkeras.tasks.task import Task


class ImageTextClassifier(Task):
    """An image + text classifier: the backbone outputs probabilities over
    the preprocessor's labels (float32 softmax, so the loss is
    `sparse_categorical_crossentropy`), and `predict_labels` names them.

    Subclasses set `build_backbone` (a `mmkeras.models` builder, called
    as `build_backbone(vocab_size, num_labels, **preset_arguments)`, as a
    staticmethod) and `text_input` (the backbone's text input name).

    Example:

    `ProductClassifier` and `VisualQuestionAnswerer` are image-text classifiers:

    >>> from mmkeras.tasks import ProductClassifier
    >>> shop = ProductClassifier.from_preset(
    ...     "world_product_classifier", vocabulary=["green", "mug", "lamp"], labels=["kitchen", "lighting"])
    >>> labels, confidences = shop.predict_labels(np.zeros((2, 32, 32, 3), "uint8"), ["green mug", "green lamp"])
    >>> isinstance(shop, ImageTextClassifier), shop.labels, set(labels) <= {"kitchen", "lighting"}
    (True, ['kitchen', 'lighting'], True)
    """

    build_backbone = None
    text_input = "text"

    preprocessor_class = ImageTextClassifierPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        name = type(self).__name__
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        if sorted(inputs) != sorted(["image", self.text_input]) or preprocessor.text_input != self.text_input:
            raise ValueError(
                f"{name} needs a backbone with the inputs ['image', {self.text_input!r}] and a preprocessor "
                f"with text_input={self.text_input!r}. Received backbone inputs {sorted(inputs) or backbone.input} "
                f"and text_input={preprocessor.text_input!r}."
            )
        image_size, length = inputs["image"].shape[1], inputs[self.text_input].shape[1]
        if preprocessor.image_converter.image_size != image_size or preprocessor.sequence_length != length:
            raise ValueError(
                f"The backbone takes {image_size}-pixel images and {length} tokens, but the preprocessor makes "
                f"{preprocessor.image_converter.image_size}-pixel images and {preprocessor.sequence_length} "
                "tokens. Build both from one preset."
            )
        classes = backbone.output.shape[-1]
        if classes != len(preprocessor.labels):
            raise ValueError(
                f"The backbone has {classes} outputs but the preprocessor names {len(preprocessor.labels)} labels."
            )
        for layer in backbone.layers:
            if isinstance(layer, TextEncoder) and preprocessor.tokenizer.vocabulary_size > layer.vocab_size:
                raise ValueError(
                    f"The tokenizer has {preprocessor.tokenizer.vocabulary_size} tokens but the backbone's "
                    f"{layer.name!r} embeds only {layer.vocab_size}."
                )

    @classmethod
    def from_preset(cls, preset, vocabulary, labels, compile=True, **backbone_overrides):
        """A new, untrained task configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets()`) or dict.
            vocabulary: a `WordTokenizer`, a list of words, or a
                `WordPieceTokenizer` (with a BERT-style `text_encoder`).
            labels: the label names the task chooses from (answers, categories).
            compile: compile with Adam at the preset's learning rate, the
                sparse cross-entropy and accuracy.
            **backbone_overrides: arguments of the builder to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        if isinstance(vocabulary, (WordTokenizer, WordPieceTokenizer)):
            tokenizer = vocabulary
        else:
            tokenizer = WordTokenizer(vocabulary)
        labels = [str(label) for label in labels]
        backbone = cls.build_backbone(tokenizer.vocabulary_size, len(labels), **args)
        preprocessor = ImageTextClassifierPreprocessor(
            ImageConverter(backbone.input["image"].shape[1]),
            tokenizer,
            labels,
            sequence_length=backbone.input[cls.text_input].shape[1],
            text_input=cls.text_input,
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides,
                                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return task

    @property
    def labels(self):
        return list(self.preprocessor.labels)

    def predict_labels(self, images, texts, batch_size=256):
        """The most probable label of every (image, text) and its probability.

        Returns:
            `(labels, confidences)`: a list of strings and a float32 array.
        """
        probabilities = self.predict_probabilities(images, texts, batch_size=batch_size)
        best = probabilities.argmax(-1)
        return [self.preprocessor.labels[i] for i in best], probabilities.max(-1)

    def predict_probabilities(self, images, texts, batch_size=256):
        """float32 `(B, num_labels)`, in the order of `labels`."""
        if isinstance(texts, str):
            raise TypeError(f"`texts` must be a list of strings, one per image: wrap it, [{texts!r:.60}].")
        if texts is None:
            raise TypeError("`texts` is None: pass a list of strings, one per image.")
        probabilities = self.predict({"image": images, "text": list(texts)}, batch_size=batch_size, verbose=0)
        return np.asarray(probabilities, dtype="float32")
