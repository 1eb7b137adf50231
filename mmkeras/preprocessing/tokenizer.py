"""A word-level tokenizer built on tensorflow-text, usable inside `tf.data`."""

import collections
import os

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
RESERVED_TOKENS = (PAD, UNK, START, END)
# Everything that is not a letter, digit, apostrophe or space becomes a
# space, so "circle?" and "circle" are one word.
_STRIP_PATTERN = r"[^a-z0-9' ]+"


class WordTokenizer:
    """Maps text to padded integer ids and back.

    Text is lower-cased, stripped of punctuation and split on whitespace
    with `tensorflow_text.WhitespaceTokenizer`; words are looked up in a
    fixed vocabulary whose first entries are the reserved tokens
    `[PAD]` (id 0), `[UNK]` (1), `[START]` (2) and `[END]` (3). Every
    method works on string tensors, so it runs inside `tf.data.Dataset.map`
    (tokenize there, not inside a compiled model: XLA cannot compile
    string ops).

    Args:
        vocabulary: a sequence of words (without the reserved tokens), or
            the path of a vocabulary file written by `save`.
        portable: split with core TensorFlow's `tf.strings.split` instead
            of tensorflow-text. The ids are the same (once punctuation is
            stripped only ASCII spaces separate words), and every op is in
            core TensorFlow, so a SavedModel that contains the tokenizer
            loads where tensorflow-text is not installed (see
            `mmkeras.serving`).

    Example:

    >>> tokenizer = WordTokenizer.from_corpus(["a red circle", "a blue square"])
    >>> tokenizer(["a red square"], sequence_length=6).numpy()
    array([[2, 4, 7, 8, 3, 0]], dtype=int32)
    >>> tokenizer.detokenize([[2, 4, 7, 8, 3, 0]]).numpy()
    array([b'a red square'], dtype=object)
    """

    def __init__(self, vocabulary, portable=False):
        if not isinstance(portable, bool):
            raise TypeError(f"`portable` must be a bool. Received: portable={portable!r}")
        self.portable = portable
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = _read_vocabulary(vocabulary)
        words = [str(w) for w in vocabulary]
        problems = [w for w in words if not w or " " in w or w in RESERVED_TOKENS]
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
        self._vocabulary = list(RESERVED_TOKENS) + words
        keys = tf.constant(self._vocabulary)
        ids = tf.range(len(self._vocabulary), dtype=tf.int32)
        self._word_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, ids),
            default_value=RESERVED_TOKENS.index(UNK),
        )
        self._id_to_word = keys

    @classmethod
    def from_corpus(cls, texts, max_words=None, min_count=1):
        """Learn a vocabulary from `texts`, most frequent words first.

        Ties in frequency are broken alphabetically, so the same corpus
        always gives the same ids.

        Args:
            texts: an iterable of strings.
            max_words: keep at most this many words (besides the reserved
                tokens); `None` keeps all.
            min_count: drop words seen fewer times than this.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError(
                "`texts` must be an iterable of strings, not a single string. "
                f"Received: {texts!r:.60}. Wrap it in a list: [text]."
            )
        texts = list(texts)
        if not texts:
            raise ValueError("`texts` is empty: a vocabulary needs at least one text.")
        words = cls._split(tf.constant(texts)).flat_values.numpy()
        counts = collections.Counter(w.decode("utf-8") for w in words)
        ranked = sorted(
            (w for w, c in counts.items() if c >= min_count and w not in RESERVED_TOKENS),
            key=lambda w: (-counts[w], w),
        )
        return cls(ranked[:max_words] if max_words is not None else ranked)

    @property
    def vocabulary(self):
        """All tokens, the reserved ones first; a token's id is its index."""
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        return len(self._vocabulary)

    @property
    def pad_id(self):
        return 0

    @property
    def start_id(self):
        return RESERVED_TOKENS.index(START)

    @property
    def end_id(self):
        return RESERVED_TOKENS.index(END)

    @staticmethod
    def _split(texts, portable=False):
        texts = tf.strings.lower(texts)
        texts = tf.strings.regex_replace(texts, _STRIP_PATTERN, " ")
        if portable:
            return tf.strings.split(texts)
        return tf_text.WhitespaceTokenizer().tokenize(texts)

    def tokenize(self, texts):
        """Words of `texts` as a ragged tensor of ids (no start/end tokens)."""
        texts = as_string_tensor(texts)
        return tf.ragged.map_flat_values(self._word_to_id.lookup, self._split(texts, self.portable))

    def __call__(self, texts, sequence_length, add_start_end=True):
        """Ids of `texts`, padded with 0 or truncated to `sequence_length`.

        Args:
            texts: a string, a list of strings, or a string tensor of any rank.
            sequence_length: int, the fixed length of every row; a fixed
                length keeps compiled (XLA) models from retracing.
            add_start_end: whether to wrap each text in `[START]`/`[END]`.
                When a text is truncated its `[END]` is kept.

        Returns:
            An int32 tensor of shape `texts.shape + (sequence_length,)`.
        """
        if not isinstance(sequence_length, (int, np.integer)) or sequence_length < 1:
            raise ValueError(
                "`sequence_length` must be a positive int. "
                f"Received: sequence_length={sequence_length!r}"
            )
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
        words = tf.gather(self._id_to_word, tf.ragged.boolean_mask(ids, keep))
        text = tf.strings.reduce_join(words, axis=1, separator=" ")
        return text[0] if squeeze else text

    def save(self, path):
        """Write the vocabulary (one word a line, reserved tokens first)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self._vocabulary) + "\n")

    @classmethod
    def load(cls, path, portable=False):
        """A tokenizer with the vocabulary that `save` wrote to `path`."""
        return cls(path, portable=portable)


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
