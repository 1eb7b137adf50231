"""Translation as a task: sentences (and images) in one language in, sentences in another out."""

import keras
import numpy as np

from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models.translator import build_translator
from mmkeras.models.translator import generate_translations
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.raw_datasets import check_raw_examples
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.task import Task
from mmkeras.tasks.translator_preprocessor import TranslatorPreprocessor
from mmkeras.training.compilation import compile_function


def as_tokenizer(name, vocabulary):
    """`vocabulary` as a `WordTokenizer` (a list of words makes one), refused by `name` otherwise."""
    if isinstance(vocabulary, WordTokenizer):
        return vocabulary
    if isinstance(vocabulary, (list, tuple)) and vocabulary and all(isinstance(word, str) for word in vocabulary):
        return WordTokenizer(list(vocabulary))
    raise TypeError(
        f"`{name}` must be a WordTokenizer or a non-empty list of words (learn one with "
        f"WordTokenizer.from_corpus(sentences)). Received: {vocabulary!r:.80}"
    )


@keras.saving.register_keras_serializable(package="mmkeras")
class Translator(Task):
    """A sequence-to-sequence translator (`build_translator`) with its preprocessor.

    Trains with `fit(sources, targets)` on raw sentence strings (for a
    grounded translator, `fit({"text": sources, "image": images},
    targets)`). Its forward pass returns the decoder's logits
    `(B, T, target_vocabulary_size)`; `translate` returns sentences.

    Args:
        backbone: a model from `mmkeras.models.build_translator`.
        preprocessor: a `TranslatorPreprocessor` whose tokenizers, lengths
            and image size match the backbone.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> preset = {"task": "Translator", "backbone": {"source_length": 8, "target_length": 12, "units": 32},
    ...           "training": {"learning_rate": 1e-2}}
    >>> translator = Translator.from_preset(preset, source_vocabulary=["a", "red", "circle"],
    ...                                     target_vocabulary=["一", "个", "红", "色", "的", "圆", "形"])
    >>> history = translator.fit(["a red circle"] * 4, ["一个红色的圆形"] * 4, epochs=1, verbose=0)
    >>> len(translator.translate(["a red circle", "a circle"]))
    2
    """

    preset_task = "Translator"
    preprocessor_class = TranslatorPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        self.check_parts(backbone, preprocessor)

    def check_parts(self, backbone, preprocessor):
        """Refuse a backbone and a preprocessor that were not built for each other, naming what differs."""
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        grounded = "image" in inputs
        if sorted(inputs) not in (["source", "tokens"], ["image", "source", "tokens"]):
            raise ValueError(
                "`backbone` must be a model from build_translator() with the inputs ['source', 'tokens'] "
                f"(and 'image'). Received inputs {sorted(inputs) or backbone.input}."
            )
        lengths = (inputs["source"].shape[1], inputs["tokens"].shape[1])
        if (preprocessor.source_length, preprocessor.target_length) != lengths:
            raise ValueError(
                f"The backbone takes {lengths[0]} source and {lengths[1]} target tokens, but the preprocessor "
                f"makes {preprocessor.source_length} and {preprocessor.target_length}. Build both from one preset."
            )
        if grounded != preprocessor.grounded or (
            grounded and preprocessor.image_converter.image_size != inputs["image"].shape[1]
        ):
            raise ValueError(
                "The backbone and the preprocessor disagree about images: build both from one preset "
                f"(backbone images: {inputs['image'].shape[1] if grounded else None}, preprocessor images: "
                f"{preprocessor.image_converter.image_size if preprocessor.grounded else None})."
            )
        self.check_vocabulary("source", preprocessor.source_tokenizer, backbone.get_layer("source_encoder").vocab_size)
        self.check_vocabulary("target", preprocessor.target_tokenizer, backbone.get_layer("decoder").vocab_size)

    @staticmethod
    def check_vocabulary(name, tokenizer, rows):
        """Refuse a tokenizer with more tokens than the backbone's embedding has rows."""
        layer = "source_encoder" if name == "source" else "decoder"
        if tokenizer.vocabulary_size > rows:
            raise ValueError(
                f"The {name} tokenizer has {tokenizer.vocabulary_size} tokens but the backbone's {layer!r} "
                f"has only {rows}: build the backbone with {name}_vocab_size={tokenizer.vocabulary_size}."
            )

    @classmethod
    def from_preset(cls, preset, source_vocabulary, target_vocabulary, compile=True, **backbone_overrides):
        """A new, untrained translator configured by `preset`.

        Args:
            preset: a preset dict, or the name of one registered with
                `mmkeras.tasks.register_preset`.
            source_vocabulary: a `WordTokenizer` of the source language,
                or a list of its words.
            target_vocabulary: a `WordTokenizer` of the target language,
                or a list of its words (characters for Chinese).
            compile: compile with the preset's learning rate and the masked
                sequence loss.
            **backbone_overrides: arguments of `build_translator` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        source = as_tokenizer("source_vocabulary", source_vocabulary)
        target = as_tokenizer("target_vocabulary", target_vocabulary)
        backbone = build_translator(source.vocabulary_size, target.vocabulary_size, **args)
        image_size = args.get("image_size")
        preprocessor = TranslatorPreprocessor(
            source, target, source_length=args["source_length"], target_length=args["target_length"],
            image_converter=None if image_size is None else ImageConverter(image_size),
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=MaskedSequenceCrossEntropy())
        return task

    @property
    def grounded(self):
        """Whether this translator also reads an image."""
        return self.preprocessor.grounded

    def _inputs(self, texts, images):
        if self.grounded:
            if images is None:
                raise ValueError("This translator is grounded in images: pass images=... with the sentences.")
            x = {"text": texts, "image": images}
        else:
            if images is not None:
                raise ValueError("This translator reads text only: build one with image_size=... to pass images.")
            x = texts
        self.preprocessor.check_inputs(x)
        check_raw_examples(x)
        return self.preprocessor(x)

    def search(self, texts, images=None, beam_width=1, max_length=None, length_penalty=0.0):
        """The whole search result for raw sentences (see
        `generate_translations`): `tokens`, `scores` and the attention over
        the source tokens (and image regions)."""
        return self._search(texts, images, beam_width, max_length, length_penalty)

    def _search(self, sources, images, beam_width, max_length, length_penalty=0.0):
        if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
            raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")
        max_length = self.preprocessor.target_length if max_length is None else max_length
        key = (beam_width, max_length, float(length_penalty))
        if key not in self._compiled_functions:
            tokenizer = self.preprocessor.target_tokenizer

            def search(inputs):
                return generate_translations(
                    self.backbone, inputs, tokenizer.start_id, tokenizer.end_id, max_length,
                    beam_width=beam_width, length_penalty=length_penalty,
                )

            self._compiled_functions[key] = compile_function(search)
        return self._compiled_functions[key](self._inputs(sources, images))

    def translate(self, texts, images=None, beam_width=1, max_length=None, return_scores=False):
        """Translate raw sentences: greedy (`beam_width=1`) or beam search.

        Args:
            texts: a list of source sentences.
            images: for a grounded translator, one image per sentence
                (arrays of any size or image files).
            beam_width: 1 for greedy search.
            max_length: target tokens at most (the training length by default).
            return_scores: also return each translation's log-probability.

        Returns:
            A list of strings in the target language; with `return_scores`,
            also a NumPy array of their total log-probabilities.
        """
        result = self._search(texts, images, beam_width, max_length)
        decoded = self.preprocessor.target_tokenizer.detokenize(result.tokens).numpy()
        sentences = [text.decode("utf-8") for text in np.atleast_1d(decoded)]
        if return_scores:
            return sentences, keras.ops.convert_to_numpy(result.scores)
        return sentences
