"""A small vision-language model as a task: images and prompts in, answer strings out."""

import keras
import numpy as np

from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models.vision_language import build_vision_language_model
from mmkeras.models.vision_language import generate_answers
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor
from mmkeras.tasks.task import Task
from mmkeras.tasks.vision_language_preprocessor import VisionLanguagePreprocessor
from mmkeras.training.compilation import compile_function


@keras.saving.register_keras_serializable(package="mmkeras")
class VisionLanguageModel(Task):
    """A small vision-language model (`build_vision_language_model`) with its preprocessor.

    Trains with `fit({"image": images, "prompt": prompts}, answers)` on raw
    data: images of any size or image files, prompts and answers as
    strings, any task written as a prompt. Its forward pass returns the
    answer positions' logits; `generate` writes the answers.

    Args:
        backbone: a model from `mmkeras.models.build_vision_language_model`.
        preprocessor: a `VisionLanguagePreprocessor` whose image size,
            prompt and answer lengths and tokenizer match the backbone.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> vlm = VisionLanguageModel.from_preset("world_vlm", vocabulary=["what", "color", "is", "it", "red"],
    ...                                       hidden_dim=16, num_layers=1, intermediate_dim=16)
    >>> x = {"image": np.zeros((4, 40, 40, 3), "uint8"), "prompt": ["what color is it?"] * 4}
    >>> history = vlm.fit(x, ["red"] * 4, epochs=1, verbose=0)
    >>> len(vlm.generate(x["image"][:2], x["prompt"][:2]))
    2
    """

    preset_task = "VisionLanguageModel"
    preprocessor_class = VisionLanguagePreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        if sorted(inputs) != ["image", "prompt_ids", "token_ids"]:
            raise ValueError(
                "`backbone` must be a model from build_vision_language_model() with the inputs "
                f"['image', 'prompt_ids', 'token_ids']. Received inputs {sorted(inputs) or backbone.input}."
            )
        expected = (inputs["image"].shape[1], inputs["prompt_ids"].shape[1], inputs["token_ids"].shape[1])
        made = (preprocessor.image_converter.image_size, preprocessor.prompt_length, preprocessor.answer_length)
        if expected != made:
            raise ValueError(
                f"The backbone takes {expected[0]}-pixel images, {expected[1]}-token prompts and {expected[2]}-token "
                f"answers, but the preprocessor makes {made[0]}, {made[1]} and {made[2]}. Build both from one preset."
            )
        rows = backbone.get_layer("language_model").vocabulary_size
        if preprocessor.tokenizer.vocabulary_size > rows:
            raise ValueError(
                f"The tokenizer has {preprocessor.tokenizer.vocabulary_size} tokens but the language model has "
                f"only {rows}: build the backbone with vocabulary_size={preprocessor.tokenizer.vocabulary_size}."
            )

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, **backbone_overrides):
        """A new, untrained vision-language model configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("VisionLanguageModel")`)
                or a preset dict.
            vocabulary: the prompts' and answers' words: a `WordTokenizer`,
                or a list of words.
            compile: compile with the preset's learning rate and the masked
                sequence loss.
            **backbone_overrides: arguments of `build_vision_language_model` to change.
        """
        config = cls.preset_config(preset)
        backbone_args = {**config["backbone"], **backbone_overrides}
        tokenizer = vocabulary if isinstance(vocabulary, WordTokenizer) else WordTokenizer(vocabulary)
        backbone = build_vision_language_model(vocabulary_size=tokenizer.vocabulary_size, **backbone_args)
        preprocessor = VisionLanguagePreprocessor(
            ImageConverter(backbone_args["image_size"]), tokenizer,
            prompt_length=backbone_args["prompt_length"], answer_length=backbone_args["answer_length"],
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=MaskedSequenceCrossEntropy())
        return task

    @property
    def tokenizer(self):
        return self.preprocessor.tokenizer

    def generate(self, images, prompts, max_length=None, temperature=None, top_k=None, seed=None,
                 return_scores=False, batch_size=256):
        """Answer each prompt about its image.

        Args:
            images: anything the preprocessor takes (arrays of any size, paths).
            prompts: a list of strings, one per image.
            max_length: answer words to write at most (La - 1 by default).
            temperature: `None` for greedy search; a float > 0 to sample.
            top_k: with `temperature`, sample among the k most likely words.
            seed: with `temperature`, an int for reproducible samples.
            return_scores: also return each answer's log-probability.
            batch_size: answers written at once (each holds a key/value
                cache of the whole sequence).

        Returns:
            A list of answer strings; with `return_scores`, also a NumPy
            array of their log-probabilities.
        """
        inputs = self.preprocessor({"image": images, "prompt": prompts})
        if len(inputs["prompt_ids"]) != len(inputs["image"]):
            raise ValueError(
                f"Expected one prompt per image. Received {len(inputs['image'])} images and "
                f"{len(inputs['prompt_ids'])} prompts."
            )
        key = (max_length, temperature, top_k, seed)
        if key not in self._compiled_functions:
            tokenizer = self.tokenizer

            def search(images, prompt_ids):
                return generate_answers(
                    self.backbone, images, prompt_ids, tokenizer.start_id, tokenizer.end_id, max_length=max_length,
                    temperature=temperature, top_k=top_k, seed=seed,
                )

            self._compiled_functions[key] = compile_function(search)
        Preprocessor.check_length("batch_size", batch_size)
        answers, scores = [], []
        for start in range(0, len(inputs["image"]), batch_size):
            result = self._compiled_functions[key](
                inputs["image"][start:start + batch_size], inputs["prompt_ids"][start:start + batch_size]
            )
            texts = self.tokenizer.detokenize(result.tokens).numpy()
            answers += [text.decode("utf-8") for text in np.atleast_1d(texts)]
            scores.append(keras.ops.convert_to_numpy(result.scores))
        if return_scores:
            return answers, np.concatenate(scores)
        return answers
