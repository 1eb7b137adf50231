"""Texts to masked-language-model inputs, targets and weights."""

import keras
import numpy as np

from mmkeras.preprocessing.masking import mask_tokens
from mmkeras.preprocessing.wordpiece import WORDPIECE_RESERVED_TOKENS
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
from mmkeras.tasks.preprocessor import Preprocessor

#: the marker a text passed to `fill_mask` writes where a word is missing.
MASK_MARKER = "[MASK]"


@keras.saving.register_keras_serializable(package="mmkeras")
class MaskedLanguageModelPreprocessor(Preprocessor):
    """Texts in; BERT's corrupted ids, the original ids and the weights of
    the chosen positions out, drawn afresh every time it is called (so
    every epoch masks other tokens).

    Args:
        tokenizer: a `WordPieceTokenizer` (it has `[MASK]`).
        sequence_length: L, `[CLS] ... [SEP]` and padding.
        mask_rate: share of the regular tokens to predict.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: strings `(B,)`.

    Returns:
        `(corrupted (B, L) int32, original (B, L) int32, weights (B, L) float32)`, what `fit` takes as `(x, y, sample_weight)`.

    Example:

    >>> tokenizer = WordPieceTokenizer.from_corpus(["a red circle", "a blue square"] * 20, vocab_size=40)
    >>> preprocessor = MaskedLanguageModelPreprocessor(tokenizer, 8)
    >>> corrupted, original, weights = preprocessor(["a red circle"])
    >>> tuple(corrupted.shape), tokenizer.detokenize(original).numpy()[0]
    ((1, 8), b'a red circle')
    """

    nested_layers = ("tokenizer",)

    def __init__(self, tokenizer, sequence_length=32, mask_rate=0.15, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(tokenizer, WordPieceTokenizer):
            raise TypeError(
                f"`tokenizer` must be a WordPieceTokenizer (it has the [MASK] token). Received: {type(tokenizer).__name__}"
            )
        self.check_length("sequence_length", sequence_length, 3)
        if not 0.0 < mask_rate < 1.0:
            raise ValueError(f"`mask_rate` must be in (0, 1). Received: mask_rate={mask_rate!r}")
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.mask_rate = mask_rate

    def tokenize(self, texts):
        """`[CLS] pieces [SEP]` ids `(B, L)`, uncorrupted."""
        if isinstance(texts, str):
            raise TypeError(f"Expected a batch of texts: wrap a single one in a list, [{texts!r:.60}].")
        return self.tokenizer(texts, self.sequence_length)

    def tokenize_with_masks(self, texts):
        """Ids `(B, L)` of texts that write `[MASK]` where a piece is missing (eager)."""
        if isinstance(texts, str):
            raise TypeError(f"Expected a batch of texts: wrap a single one in a list, [{texts!r:.60}].")
        tokenizer = self.tokenizer
        rows = np.zeros((len(texts), self.sequence_length), "int32")
        for row, text in enumerate(texts):
            parts = str(text).split(MASK_MARKER)
            if len(parts) == 1:
                raise ValueError(f"{text!r:.80} has no {MASK_MARKER}: write it where the missing word goes.")
            pieces = tokenizer.tokenize(parts).to_list()
            ids = [tokenizer.cls_id]
            for i, part in enumerate(pieces):
                ids += part + ([tokenizer.mask_id] if i < len(pieces) - 1 else [])
            ids.append(tokenizer.sep_id)
            if len(ids) > self.sequence_length:
                raise ValueError(
                    f"{text!r:.80} is {len(ids)} pieces long with [CLS] and [SEP], more than "
                    f"sequence_length={self.sequence_length}."
                )
            rows[row, :len(ids)] = ids
        return rows

    def call(self, x, y=None, sample_weight=None):
        if y is not None:
            raise ValueError("A masked language model learns from the texts alone: pass no targets.")
        ids = self.tokenize(x)
        return mask_tokens(
            ids, self.tokenizer.mask_id, self.tokenizer.vocabulary_size,
            first_regular_id=len(WORDPIECE_RESERVED_TOKENS), rate=self.mask_rate,
        )

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), sequence_length=self.sequence_length, mask_rate=self.mask_rate)
        return config
