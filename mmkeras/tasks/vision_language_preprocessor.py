"""The vision-language model's preprocessor: images and prompts in, answers as targets."""

import keras
import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.image_files import convert_images
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class VisionLanguagePreprocessor(Preprocessor):
    """`{"image", "prompt"}` in; the backbone's
    `{"image", "prompt_ids", "token_ids"}` and, with answers, the answers' next tokens out.

    One word tokenizer holds the prompts' and the answers' words (the
    language model reads both and writes answers with the same table).
    Prompts are padded to `prompt_length`, answers become
    `[START] words [END]` teacher-forcing pairs of `answer_length`.

    Args:
        image_converter: an `ImageConverter` (the backbone's image size).
        tokenizer: a `WordTokenizer`.
        prompt_length: Lp, the backbone's prompt length.
        answer_length: La, the backbone's answer length.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: `{"image": images, "prompt": strings}`: images as a uint8 or
            float array `(B, H, W, C)`, paths or file bytes; one prompt per
            image.
        y: optional answer strings `(B,)`.

    Returns:
        `{"image": (B, S, S, 3) float32, "prompt_ids": (B, Lp) int32}`
        without `y`; with it, the inputs with `"token_ids"` `(B, La)` and
        the next tokens `(B, La)`.

    Example:

    >>> tokenizer = WordTokenizer.from_corpus(["what color is it", "red"])
    >>> preprocessor = VisionLanguagePreprocessor(ImageConverter(32), tokenizer, prompt_length=6, answer_length=3)
    >>> x, next_tokens = preprocessor({"image": np.zeros((1, 50, 50, 3), "uint8"), "prompt": ["what color is it?"]},
    ...                               ["red"])
    >>> tuple(x["image"].shape), x["prompt_ids"].numpy().tolist(), next_tokens.numpy().tolist()
    ((1, 32, 32, 3), [[8, 4, 5, 6, 0, 0]], [[7, 3, 0]])
    """

    nested_layers = ("image_converter", "tokenizer")

    def __init__(self, image_converter, tokenizer, prompt_length, answer_length, **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        self.check_instance("tokenizer", tokenizer, WordTokenizer, " (its [START]/[END] tokens drive generation)")
        self.check_length("prompt_length", prompt_length, 1)
        self.check_length("answer_length", answer_length, 2)
        self.image_converter = image_converter
        self.tokenizer = tokenizer
        self.prompt_length = prompt_length
        self.answer_length = answer_length

    def convert_images(self, images):
        """Only the images: float32 `(B, S, S, 3)`."""
        return convert_images(images, self.image_converter)

    def tokenize_prompts(self, prompts):
        """Only the prompts: int32 `(B, Lp)`.

        Eagerly, a prompt longer than `prompt_length` words is refused;
        inside a `tf.data` map (where nothing can be raised per example)
        it is cut to its first `prompt_length` words.
        """
        if isinstance(prompts, str):
            raise TypeError(f"Expected a batch of prompts: wrap a single one in a list, [{prompts!r:.60}].")
        ids = self.tokenizer(prompts, self.prompt_length + 1, add_start_end=False)
        if tf.executing_eagerly():
            too_long = np.flatnonzero(ids[:, -1].numpy())
            if too_long.size:
                raise ValueError(
                    f"Prompt {int(too_long[0])} has more than prompt_length={self.prompt_length} words, and the "
                    "model cannot read the rest. Shorten it, or build the task with a longer prompt_length."
                )
        return ids[:, :-1]

    def check_targets(self, y):
        """Refuse answers longer than `answer_length - 1` words (their end token would be cut)."""
        if isinstance(y, (list, tuple, np.ndarray)) and len(y):
            ids = self.tokenizer([str(answer) for answer in y], self.answer_length + 2)
            too_long = np.flatnonzero(ids[:, -1].numpy())
            if too_long.size:
                raise ValueError(
                    f"Answer {int(too_long[0])} ({str(y[too_long[0]])!r:.60}) has more than "
                    f"answer_length - 1 = {self.answer_length - 1} words: its end token would be cut and the "
                    "model would never learn to stop. Build the task with a longer answer_length."
                )

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict) or sorted(x) != ["image", "prompt"]:
            raise ValueError(
                'Expected x = {"image": images, "prompt": strings}, one prompt per image. '
                f"Received: {sorted(x) if isinstance(x, dict) else type(x).__name__}."
            )
        inputs = {"image": self.convert_images(x["image"]), "prompt_ids": self.tokenize_prompts(x["prompt"])}
        return self.pack_teacher_forced(inputs, self.tokenizer, y, self.answer_length, sample_weight, key="token_ids")

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), prompt_length=self.prompt_length, answer_length=self.answer_length)
        return config
