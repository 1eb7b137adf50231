"""Image captioning as a task: images in, caption strings out."""

import keras
import numpy as np

from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models.captioner import build_captioner
from mmkeras.models.captioner import generate_captions
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.captioner_preprocessor import CaptionerPreprocessor
from mmkeras.tasks.task import Task
from mmkeras.training.compilation import compile_function


@keras.saving.register_keras_serializable(package="mmkeras")
class Captioner(Task):
    """An attention captioner (`build_captioner`) with its preprocessor.

    Trains with `fit(images, captions)` on raw data: image arrays of any
    size or image file paths, and caption strings in any language. Its
    forward pass returns the decoder's logits `(B, L, vocabulary_size)`;
    `generate` returns captions as strings.

    Args:
        backbone: a model from `mmkeras.models.build_captioner`.
        preprocessor: a `CaptionerPreprocessor` whose tokenizer and image
            size match the backbone.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> captioner = Captioner.from_preset("world_captioner", vocabulary=["a", "red", "circle"])
    >>> history = captioner.fit(np.zeros((4, 40, 40, 3), "uint8"), ["a red circle"] * 4, epochs=1, verbose=0)
    >>> len(captioner.generate(np.zeros((2, 40, 40, 3), "uint8")))
    2
    """

    preset_task = "Captioner"
    preprocessor_class = CaptionerPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        if sorted(inputs) != ["image", "tokens"]:
            raise ValueError(
                "`backbone` must be a model from build_captioner() with the inputs ['image', 'tokens']. "
                f"Received inputs {sorted(inputs) or backbone.input}."
            )
        image_size, length = inputs["image"].shape[1], inputs["tokens"].shape[1]
        if preprocessor.image_converter.image_size != image_size or preprocessor.sequence_length != length:
            raise ValueError(
                f"The backbone takes {image_size}-pixel images and {length} tokens, but the preprocessor "
                f"makes {preprocessor.image_converter.image_size}-pixel images and "
                f"{preprocessor.sequence_length} tokens. Build both from one preset."
            )
        rows = backbone.get_layer("decoder").vocab_size
        if preprocessor.tokenizer.vocabulary_size > rows:
            raise ValueError(
                f"The tokenizer has {preprocessor.tokenizer.vocabulary_size} tokens but the decoder predicts "
                f"only {rows}: build the backbone with vocab_size={preprocessor.tokenizer.vocabulary_size}."
            )

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, **backbone_overrides):
        """A new, untrained captioner configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("Captioner")`)
                or a preset dict.
            vocabulary: the caption words: a `WordTokenizer`, or a list of
                words (learn one with `WordTokenizer.from_corpus(captions)`).
            compile: compile with the preset's learning rate and the masked
                sequence loss (XLA chosen per device by `mmkeras.training`).
            **backbone_overrides: arguments of `build_captioner` to change.
        """
        config = cls.preset_config(preset)
        backbone_args = {**config["backbone"], **backbone_overrides}
        tokenizer = vocabulary if isinstance(vocabulary, WordTokenizer) else WordTokenizer(vocabulary)
        backbone = build_captioner(tokenizer.vocabulary_size, **backbone_args)
        preprocessor = CaptionerPreprocessor(
            ImageConverter(backbone_args["image_size"]),
            tokenizer,
            sequence_length=backbone_args["sequence_length"],
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=MaskedSequenceCrossEntropy())
        return task

    @property
    def tokenizer(self):
        return self.preprocessor.tokenizer

    def search(self, images, beam_width=1, max_length=None, length_penalty=0.0):
        """The whole search result for raw `images` (see `generate_captions`):
        `tokens`, `scores` and the attention over the image regions."""
        if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
            raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")
        max_length = self.preprocessor.sequence_length if max_length is None else max_length
        key = (beam_width, max_length, float(length_penalty))
        if key not in self._compiled_functions:
            tokenizer = self.tokenizer

            def search(converted):
                return generate_captions(
                    self.backbone, converted, tokenizer.start_id, tokenizer.end_id, max_length,
                    beam_width=beam_width, length_penalty=length_penalty,
                )

            self._compiled_functions[key] = compile_function(search)
        converted = self.preprocessor.convert_images(images)
        if len(converted.shape) != 4:
            raise ValueError(
                "Expected a batch of images (B, H, W, C), a list of paths or a list of files. Received one image "
                f"of shape {tuple(np.shape(images))}: pass images[None] to caption it alone."
            )
        return self._compiled_functions[key](converted)

    def generate(self, images, beam_width=1, max_length=None, return_scores=False):
        """Caption raw `images`: greedy (`beam_width=1`) or beam search.

        Args:
            images: anything `CaptionerPreprocessor` takes (arrays, paths).
            beam_width: 1 for greedy search.
            max_length: words to generate at most (the training length by default).
            return_scores: also return each caption's log-probability.

        Returns:
            A list of caption strings; with `return_scores`, also a NumPy
            array of their total log-probabilities.
        """
        result = self.search(images, beam_width=beam_width, max_length=max_length)
        texts = self.tokenizer.detokenize(result.tokens).numpy()
        captions = [text.decode("utf-8") for text in np.atleast_1d(texts)]
        if return_scores:
            return captions, keras.ops.convert_to_numpy(result.scores)
        return captions
