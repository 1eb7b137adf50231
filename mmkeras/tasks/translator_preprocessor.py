"""The translator's preprocessor: source sentences (and images) and target sentences to decoder inputs."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.preprocessing.tokenizer import as_string_tensor
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class TranslatorPreprocessor(Preprocessor):
    """Source strings (with images, for grounded translation) and target
    strings in; `{"source", "tokens"[, "image"]}` and the next target
    tokens out, for teacher forcing.

    Each language has its own `WordTokenizer`: a Chinese one makes every
    character a token, an English one every word.

    Args:
        source_tokenizer: a `WordTokenizer` of the source language.
        target_tokenizer: a `WordTokenizer` of the target language (its
            `[START]`/`[END]` tokens drive generation).
        source_length: S, source tokens per sentence, `[START]` and
            `[END]` included.
        target_length: T, the decoder's input length.
        image_converter: an `ImageConverter` for a grounded translator, or
            `None` for text only.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: source strings `(B,)`; for a grounded translator, a dict
            `{"text": strings, "image": images}` (arrays of any size or
            image files).
        y: optional target strings `(B,)`.

    Returns:
        `{"source": (B, S) int32}` (and `"image"`) without `y`; with it,
        `({"source": ..., "tokens": (B, T) int32}, next_tokens (B, T))`.

    Example:

    >>> english = WordTokenizer.from_corpus(["a red circle"])
    >>> chinese = WordTokenizer.from_corpus(["一个红色的圆形"])
    >>> preprocessor = TranslatorPreprocessor(english, chinese, source_length=6, target_length=10)
    >>> x, next_tokens = preprocessor(["a red circle"], ["一个红色的圆形"])
    >>> x["source"].numpy().tolist(), chinese.detokenize(next_tokens).numpy()[0].decode()
    ([[2, 4, 6, 5, 3, 0]], '一个红色的圆形')
    """

    nested_layers = ("source_tokenizer", "target_tokenizer", "image_converter")

    def __init__(self, source_tokenizer, target_tokenizer, source_length=16, target_length=24, image_converter=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.check_instance("source_tokenizer", source_tokenizer, WordTokenizer)
        self.check_instance(
            "target_tokenizer", target_tokenizer, WordTokenizer, " (its [START]/[END] tokens drive generation)"
        )
        self.check_length("source_length", source_length, 3)
        self.check_length("target_length", target_length, 2)
        if image_converter is not None:
            self.check_instance("image_converter", image_converter, ImageConverter)
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.source_length = source_length
        self.target_length = target_length
        self.image_converter = image_converter

    @property
    def grounded(self):
        """Whether the translator also sees an image."""
        return self.image_converter is not None

    def check_inputs(self, x):
        if self.grounded:
            if not isinstance(x, dict) or sorted(x) != ["image", "text"]:
                raise ValueError(
                    'This translator is grounded in images: expected x = {"text": source strings, "image": '
                    f"images}}, one image per sentence. Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
                )
            texts = x["text"]
        else:
            if isinstance(x, dict):
                raise ValueError(
                    "This translator reads text only: pass the source strings themselves, not a dict. "
                    f"Received a dict with {sorted(x)}; build the translator with image_size=... to use images."
                )
            texts = x
        if isinstance(texts, str):
            raise TypeError(f"Expected a batch of source strings: wrap a single one in a list, [{texts!r:.60}].")

    def split(self, x):
        """`(source strings, images or None)` from raw inputs."""
        if isinstance(x, dict):
            return x.get("text"), x.get("image")
        return x, None

    def tokenize_source(self, texts):
        """Only the source sentences: int32 `(B, S)`."""
        return self.source_tokenizer(as_string_tensor(texts), self.source_length, add_start_end=True)

    def call(self, x, y=None, sample_weight=None):
        texts, images = self.split(x)
        inputs = {"source": self.tokenize_source(texts)}
        if self.grounded:
            inputs["image"] = convert_images(images, self.image_converter)
        return self.pack_teacher_forced(inputs, self.target_tokenizer, y, self.target_length, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(
            self.nested_config(),
            source_length=self.source_length,
            target_length=self.target_length,
        )
        return config
