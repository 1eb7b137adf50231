"""A word-level tokenizer: a Keras layer whose vocabulary saves with the model."""

import collections
import os

import keras
import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.text_normalization import join_words
from mmkeras.preprocessing.text_normalization import normalize_text
from mmkeras.preprocessing.text_normalization import split_words

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
RESERVED_TOKENS = (PAD, UNK, START, END)


@keras.saving.register_keras_serializable(package="mmkeras")
class WordTokenizer(keras.layers.Layer):
    """Maps text in any language to padded integer ids and back.

    Text is normalised the Unicode way (`mmkeras.preprocessing.text_normalization`):
    NFKC, case folding, punctuation removed, each Chinese character (and
    Japanese kana) a word of its own; accents and scripts are kept, so
    "Café" is "café" and "一个红色的圆" is six words. Words are looked up
    in a fixed vocabulary whose first entries are the reserved tokens
    `[PAD]` (id 0), `[UNK]` (1), `[START]` (2) and `[END]` (3).

    It is a Keras layer: held by a model (a task's preprocessor), its
    vocabulary is part of the layer's config, so it is stored inside the
    `.keras` file and reloads under `safe_mode=True` with no side file.
    Every method works on string tensors, so it runs inside
    `tf.data.Dataset.map` (tokenize there, not inside a compiled model: XLA
    cannot compile string ops). Calling it goes straight to TensorFlow's
    string ops on every Keras backend; it is not meant for a symbolic
    `keras.Input`.

    Args:
        vocabulary: a sequence of words (without the reserved tokens), or
            the path of a vocabulary file written by `save`.
        sequence_length: the default length of the rows `__call__` returns;
            `None` means every call passes one.
        add_start_end: the default of `__call__`'s `add_start_end`.
        portable: normalise with core TensorFlow ops only (Unicode lower
            case instead of NFKC + case folding; see
            `text_normalization`), so a SavedModel that contains the
            tokenizer loads where tensorflow-text is not installed (see
            `mmkeras.serving`). The ids are the same for text in NFC with no
            compatibility characters.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Call arguments:
        texts: a string, a list of strings, or a string tensor of any rank.
        sequence_length: int, the fixed length of every row (defaults to
            the layer's); a fixed length keeps compiled (XLA) models from
            retracing.
        add_start_end: whether to wrap each text in `[START]`/`[END]`.
            When a text is truncated its `[END]` is kept.

    Returns:
        An int32 tensor of shape `texts.shape + (sequence_length,)`.

    Example:

    >>> tokenizer = WordTokenizer.from_corpus(["a red circle", "a blue square"])
    >>> tokenizer(["A red square!"], sequence_length=6).numpy()
    array([[2, 4, 7, 8, 3, 0]], dtype=int32)
    >>> tokenizer.detokenize([[2, 4, 7, 8, 3, 0]]).numpy()
    array([b'a red square'], dtype=object)
    >>> chinese = WordTokenizer.from_corpus(["一个红色的圆", "一个蓝色的方块"])
    >>> chinese.detokenize(chinese(["一个红色的方块。"], sequence_length=10)).numpy()[0].decode()
    '一个红色的方块'
    """

    def __init__(self, vocabulary, sequence_length=None, add_start_end=True, portable=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(portable, bool):
            raise TypeError(f"`portable` must be a bool. Received: portable={portable!r}")
        if sequence_length is not None:
            _check_sequence_length(sequence_length)
        if not isinstance(add_start_end, bool):
            raise TypeError(f"`add_start_end` must be a bool. Received: add_start_end={add_start_end!r}")
        self.portable = portable
        self.sequence_length = sequence_length
        self.add_start_end = add_start_end
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = _read_vocabulary(vocabulary)
        if isinstance(vocabulary, (bytes, str)) or not hasattr(vocabulary, "__iter__"):
            raise TypeError(
                "`vocabulary` must be a list of words or a vocabulary file path. "
                f"Received: vocabulary={vocabulary!r:.60}"
            )
        words = [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in vocabulary]
        problems = [w for w in words if not w or w != w.strip() or " " in w or w in RESERVED_TOKENS]
        if problems:
            raise ValueError(
                "Vocabulary entries must be non-empty single words and must "
                f"not repeat the reserved tokens {RESERVED_TOKENS}. Received "
                f"bad entries: {problems[:5]}"
            )
        duplicates = [w for w, c in collections.Counter(words).items() if c > 1]
        if duplicates:
            raise ValueError(
                f"Vocabulary entries must be unique. Received duplicates: {duplicates[:5]}"
            )
        if words:
            as_seen = split_words(normalize_text(tf.constant(words), portable=portable)).to_list()
            unreachable = [w for w, seen in zip(words, as_seen) if seen != [w.encode("utf-8")]]
            if unreachable:
                raise ValueError(
                    "Vocabulary entries must be words as the tokenizer normalises text (case-folded, "
                    "NFKC, no punctuation, one CJK character a word), or no text could ever reach "
                    f"them. Received: {unreachable[:5]}. Learn the vocabulary with "
                    "WordTokenizer.from_corpus(texts)."
                )
        self._words = tuple(words)
        keys = tf.constant(list(RESERVED_TOKENS) + words)
        ids = tf.range(len(RESERVED_TOKENS) + len(words), dtype=tf.int32)
        self._word_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, ids),
            default_value=RESERVED_TOKENS.index(UNK),
        )
        self._id_to_word = keys
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary=list(self._words),
            sequence_length=self.sequence_length,
            add_start_end=self.add_start_end,
            portable=self.portable,
        )
        return config

    @classmethod
    def from_corpus(cls, texts, max_words=None, min_count=1, **kwargs):
        """Learn a vocabulary from `texts`, most frequent words first.

        Ties in frequency are broken alphabetically, so the same corpus
        always gives the same ids.

        Args:
            texts: an iterable of strings.
            max_words: keep at most this many words (besides the reserved
                tokens); `None` keeps all.
            min_count: drop words seen fewer times than this.
            **kwargs: the other arguments of `WordTokenizer`.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError(
                "`texts` must be an iterable of strings, not a single string. "
                f"Received: {texts!r:.60}. Wrap it in a list: [text]."
            )
        texts = list(texts)
        if not texts:
            raise ValueError("`texts` is empty: a vocabulary needs at least one text.")
        portable = kwargs.get("portable", False)
        words = split_words(normalize_text(as_string_tensor(texts), portable=portable)).flat_values.numpy()
        counts = collections.Counter(w.decode("utf-8") for w in words)
        ranked = sorted(
            (w for w, c in counts.items() if c >= min_count and w not in RESERVED_TOKENS),
            key=lambda w: (-counts[w], w),
        )
        return cls(ranked[:max_words] if max_words is not None else ranked, **kwargs)

    @property
    def vocabulary(self):
        """All tokens, the reserved ones first; a token's id is its index."""
        return list(RESERVED_TOKENS) + list(self._words)

    @property
    def vocabulary_size(self):
        return len(RESERVED_TOKENS) + len(self._words)

    @property
    def lookup_table(self):
        """The word-to-id table; a `tf.Module` or `keras.export.ExportArchive`
        whose graph calls this tokenizer must track it."""
        return self._word_to_id

    @property
    def pad_id(self):
        return 0

    @property
    def start_id(self):
        return RESERVED_TOKENS.index(START)

    @property
    def end_id(self):
        return RESERVED_TOKENS.index(END)

    def normalize(self, texts):
        """`texts` as this tokenizer sees them: what `detokenize(tokenize(texts))`
        gives back when every word is in the vocabulary."""
        return normalize_text(as_string_tensor(texts), portable=self.portable)

    def tokenize(self, texts):
        """Words of `texts` as a ragged tensor of ids (no start/end tokens)."""
        words = split_words(self.normalize(texts))
        return tf.ragged.map_flat_values(self._word_to_id.lookup, words)

    def __call__(self, texts, sequence_length=None, add_start_end=None):
        # Straight to the string ops: Keras's Layer.__call__ would convert
        # the strings to the backend's tensors, which have no string dtype
        # on JAX or PyTorch.
        return self.call(texts, sequence_length=sequence_length, add_start_end=add_start_end)

    def call(self, texts, sequence_length=None, add_start_end=None):
        sequence_length = self.sequence_length if sequence_length is None else sequence_length
        if sequence_length is None:
            raise ValueError(
                "This tokenizer has no default `sequence_length`: pass one to the call, "
                "e.g. tokenizer(texts, sequence_length=16), or build it with WordTokenizer(..., "
                "sequence_length=16)."
            )
        _check_sequence_length(sequence_length)
        add_start_end = self.add_start_end if add_start_end is None else add_start_end
        texts = as_string_tensor(texts)
        ids = self.tokenize(tf.reshape(texts, [-1]))
        if add_start_end:
            rows = ids.nrows()
            # Keep room for [END] so a truncated text still ends properly.
            ids = ids[:, : sequence_length - 2]
            start = tf.fill([rows, 1], self.start_id)
            end = tf.fill([rows, 1], self.end_id)
            ids = tf.concat([start, ids, end], axis=1)
        ids = ids[:, :sequence_length].to_tensor(
            default_value=self.pad_id, shape=[None, sequence_length]
        )
        return tf.reshape(ids, tf.concat([tf.shape(texts), [sequence_length]], 0))

    def detokenize(self, ids):
        """Text of `ids`, stopping at `[END]` and dropping reserved tokens.

        Words are joined by spaces, CJK characters without (see
        `text_normalization.join_words`).

        Args:
            ids: int tensor or array of shape `(batch, length)` (or `(length,)`).

        Returns:
            A string tensor of shape `(batch,)` (or a scalar).
        """
        ids = tf.convert_to_tensor(ids)
        if not ids.dtype.is_integer:
            raise TypeError(f"`ids` must be integers. Received dtype {ids.dtype.name}.")
        if ids.shape.rank not in (1, 2):
            raise ValueError(
                f"`ids` must have shape (length,) or (batch, length). Received shape {ids.shape}."
            )
        squeeze = ids.shape.rank == 1
        ids = tf.cast(ids if not squeeze else ids[None], tf.int32)
        ended = tf.cumsum(tf.cast(ids == self.end_id, tf.int32), axis=1, exclusive=True) > 0
        in_range = (ids >= len(RESERVED_TOKENS)) & (ids < self.vocabulary_size)
        keep = in_range & ~ended
        text = join_words(tf.gather(self._id_to_word, tf.ragged.boolean_mask(ids, keep)), axis=1)
        return text[0] if squeeze else text

    def save(self, path):
        """Write the vocabulary (one word a line, reserved tokens first).

        A model that holds the tokenizer does not need this: its `.keras`
        file stores the vocabulary.
        """
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self.vocabulary) + "\n")

    @classmethod
    def load(cls, path, **kwargs):
        """A tokenizer with the vocabulary that `save` wrote to `path`."""
        return cls(path, **kwargs)


def _check_sequence_length(sequence_length):
    if isinstance(sequence_length, bool) or not isinstance(sequence_length, (int, np.integer)) or sequence_length < 1:
        raise ValueError(
            "`sequence_length` must be a positive int. "
            f"Received: sequence_length={sequence_length!r}"
        )


def as_string_tensor(texts):
    """`texts` (a string, a list of strings or a string tensor) as a string tensor."""
    if isinstance(texts, tf.Tensor):
        if texts.dtype != tf.string:
            raise TypeError(
                f"Expected a string tensor. Received dtype {texts.dtype.name}."
            )
        return texts
    try:
        return tf.convert_to_tensor(texts, dtype=tf.string)
    except (TypeError, ValueError) as error:
        raise TypeError(
            "Expected a string, a list of strings or a string tensor. "
            f"Received: {texts!r:.80}"
        ) from error


def _read_vocabulary(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"Vocabulary file not found: {path}")
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    while lines and not lines[-1]:
        lines.pop()
    if tuple(lines[: len(RESERVED_TOKENS)]) != RESERVED_TOKENS:
        raise ValueError(
            f"{path} is not a vocabulary written by WordTokenizer.save: its first "
            f"lines must be {RESERVED_TOKENS}, found {lines[:len(RESERVED_TOKENS)]}."
        )
    return lines[len(RESERVED_TOKENS):]
