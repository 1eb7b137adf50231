"""A WordPiece tokenizer (BERT's) with a vocabulary learned from a corpus."""

import os

import keras
import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from mmkeras.preprocessing.text_normalization import join_cjk
from mmkeras.preprocessing.text_normalization import join_words
from mmkeras.preprocessing.text_normalization import normalize_text
from mmkeras.preprocessing.tokenizer import as_string_tensor
from mmkeras.preprocessing.wordpiece_matching import greedy_longest_match
from mmkeras.preprocessing.wordpiece_matching import join_pieces
from mmkeras.preprocessing.wordpiece_matching import split_bert_words

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
WORDPIECE_RESERVED_TOKENS = (PAD, UNK, CLS, SEP, MASK)


@keras.saving.register_keras_serializable(package="mmkeras")
class WordPieceTokenizer(keras.layers.Layer):
    """Text to BERT-style sub-word ids and back, on `tensorflow_text.BertTokenizer`.

    Text is normalised as `WordTokenizer` does (NFKC and Unicode case
    folding, accents and every script kept; see
    `mmkeras.preprocessing.text_normalization`), except that punctuation
    marks stay, each a word of its own, as in BERT. Words are split on
    white space and punctuation, every Chinese character is a word, then
    each word is cut into the longest pieces found in the vocabulary: a word
    seen in training is one piece, an unseen word such as "circles" can
    still be "circle" + "##s" instead of `[UNK]`. Rows are
    `[CLS] pieces [SEP]`, padded with `[PAD]` (id 0). The vocabulary starts
    with `WORDPIECE_RESERVED_TOKENS`, so `[MASK]` is there for masked
    language modelling. All methods run on string tensors, inside
    `tf.data`. It is a Keras layer whose vocabulary is part of its
    config, so a model holding it stores it in its `.keras` file.

    Args:
        vocabulary: a list of pieces starting with the reserved tokens, or
            the path of a file written by `save`.
        sequence_length: the default length of the rows `__call__` returns.
        portable: tokenize with core TensorFlow ops only
            (`mmkeras.preprocessing.wordpiece_matching`), so a SavedModel
            that holds the tokenizer loads without tensorflow-text. The
            pieces are the same; normalisation is the portable one of
            `normalize_text`.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Call arguments:
        texts: a string, a list of strings or a 1-D string tensor.
        sequence_length: int >= 3, defaults to the layer's.
        add_start_end: wrap the pieces in `[CLS]` ... `[SEP]`.

    Returns:
        An int32 tensor `(batch, sequence_length)`.

    Example:

    >>> corpus = ["a red circle", "two red circles"] * 50
    >>> tokenizer = WordPieceTokenizer.from_corpus(corpus, vocab_size=60)
    >>> tokenizer.detokenize(tokenizer(["red circles"], sequence_length=8)).numpy()
    array([b'red circles'], dtype=object)
    """

    def __init__(self, vocabulary, sequence_length=None, portable=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(portable, bool):
            raise TypeError(f"`portable` must be a bool. Received: portable={portable!r}")
        self.portable = portable
        if sequence_length is not None:
            _check_sequence_length(sequence_length)
        self.sequence_length = sequence_length
        if isinstance(vocabulary, (str, os.PathLike)):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f if line.rstrip("\n")]
        vocabulary = [str(p) for p in vocabulary]
        if tuple(vocabulary[: len(WORDPIECE_RESERVED_TOKENS)]) != WORDPIECE_RESERVED_TOKENS:
            raise ValueError(
                f"A WordPiece vocabulary must start with {WORDPIECE_RESERVED_TOKENS}. "
                f"Received first entries {vocabulary[:5]}. Learn one with "
                "WordPieceTokenizer.from_corpus(texts)."
            )
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("WordPiece vocabulary entries must be unique.")
        self._vocabulary = tuple(vocabulary)
        self._id_to_piece = tf.constant(vocabulary)
        self.built = True
        if portable:
            self._piece_to_id = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(vocabulary), tf.range(len(vocabulary), dtype=tf.int64)
                ),
                default_value=-1,
            )
            regular = vocabulary[len(WORDPIECE_RESERVED_TOKENS):]
            self._max_piece_length = max([len(p.removeprefix("##")) for p in regular], default=1)
            return
        self._piece_to_id = tf.lookup.StaticVocabularyTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(vocabulary), tf.range(len(vocabulary), dtype=tf.int64)
            ),
            num_oov_buckets=1,
        )
        # Case folding and NFKC happen before, in normalize(); BERT's own
        # lower_case=True would also strip accents ("café" -> "cafe").
        self._tokenizer = tf_text.BertTokenizer(self._piece_to_id, lower_case=False, unknown_token=UNK)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary=list(self._vocabulary), sequence_length=self.sequence_length, portable=self.portable
        )
        return config

    @classmethod
    def from_corpus(cls, texts, vocab_size=1000, **kwargs):
        """Learn a WordPiece vocabulary of about `vocab_size` pieces from `texts`.

        Uses tensorflow-text's `bert_vocab_from_dataset`, which is
        deterministic for a given corpus. Only words seen often enough
        become whole pieces; in a tiny corpus most words stay split into
        characters. `**kwargs` are the other arguments of `WordPieceTokenizer`.
        """
        from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset as bert_vocab

        if isinstance(texts, (str, bytes)):
            raise TypeError(
                f"`texts` must be an iterable of strings. Received a single string {texts!r:.60}."
            )
        texts = [str(t) for t in texts]
        if not texts:
            raise ValueError("`texts` is empty: a vocabulary needs at least one text.")
        if not isinstance(vocab_size, (int, np.integer)) or vocab_size <= len(WORDPIECE_RESERVED_TOKENS):
            raise ValueError(
                f"`vocab_size` must be an int above {len(WORDPIECE_RESERVED_TOKENS)}. "
                f"Received: vocab_size={vocab_size!r}"
            )
        vocabulary = bert_vocab.bert_vocab_from_dataset(
            tf.data.Dataset.from_tensor_slices(texts).batch(1000).map(_normalize),
            vocab_size=vocab_size,
            reserved_tokens=list(WORDPIECE_RESERVED_TOKENS),
            bert_tokenizer_params={"lower_case": False},
            learn_params={},
        )
        return cls(vocabulary, **kwargs)

    @property
    def vocabulary(self):
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        return len(self._vocabulary)

    @property
    def lookup_table(self):
        """The piece-to-id table; a `tf.Module` or `keras.export.ExportArchive`
        whose graph calls this tokenizer must track it."""
        return self._piece_to_id

    pad_id = property(lambda self: 0)
    unk_id = property(lambda self: WORDPIECE_RESERVED_TOKENS.index(UNK))
    cls_id = property(lambda self: WORDPIECE_RESERVED_TOKENS.index(CLS))
    sep_id = property(lambda self: WORDPIECE_RESERVED_TOKENS.index(SEP))
    mask_id = property(lambda self: WORDPIECE_RESERVED_TOKENS.index(MASK))

    def normalize(self, texts):
        """`texts` as the tokenizer sees them before cutting words into pieces."""
        return _normalize(as_string_tensor(texts), self.portable)

    def tokenize(self, texts):
        """Piece ids of `texts`, ragged `(batch, pieces)`, without `[CLS]`/`[SEP]`."""
        texts = tf.reshape(self.normalize(texts), [-1])
        if self.portable:
            words = split_bert_words(texts)
            pieces = greedy_longest_match(
                words.flat_values, self._piece_to_id, self._max_piece_length, self.unk_id
            )
            pieces = tf.RaggedTensor.from_row_splits(pieces, words.row_splits).merge_dims(-2, -1)
        else:
            pieces = self._tokenizer.tokenize(texts).merge_dims(-2, -1)
        return tf.cast(pieces, tf.int32)

    def __call__(self, texts, sequence_length=None, add_start_end=True):
        # String ops directly, on every backend (see WordTokenizer.__call__).
        return self.call(texts, sequence_length=sequence_length, add_start_end=add_start_end)

    def call(self, texts, sequence_length=None, add_start_end=True):
        """`[CLS] pieces [SEP]` ids, truncated or padded to `sequence_length`.

        With `add_start_end=False` the rows hold the pieces only (the
        signature matches `WordTokenizer`, so either fits the pipelines).
        """
        sequence_length = self.sequence_length if sequence_length is None else sequence_length
        _check_sequence_length(sequence_length)
        if not add_start_end:
            pieces = self.tokenize(texts)[:, :sequence_length]
            return pieces.to_tensor(default_value=self.pad_id, shape=[None, sequence_length])
        pieces = self.tokenize(texts)[:, : sequence_length - 2]
        rows = pieces.nrows()
        ids = tf.concat(
            [tf.fill([rows, 1], self.cls_id), pieces, tf.fill([rows, 1], self.sep_id)], axis=1
        )
        return ids.to_tensor(default_value=self.pad_id, shape=[None, sequence_length])

    def detokenize(self, ids):
        """Text of `ids` `(batch, length)`: pieces joined into words, reserved
        tokens dropped."""
        ids = tf.convert_to_tensor(ids)
        if not ids.dtype.is_integer or ids.shape.rank != 2:
            raise ValueError(
                f"`ids` must be an integer tensor of shape (batch, length). "
                f"Received dtype {ids.dtype.name}, shape {ids.shape}."
            )
        ids = tf.cast(ids, tf.int64)
        keep = (ids >= len(WORDPIECE_RESERVED_TOKENS)) & (ids < self.vocabulary_size)
        ids = tf.ragged.boolean_mask(ids, keep)
        if self.portable:
            return join_cjk(join_pieces(tf.gather(self._id_to_piece, ids)))
        return join_words(self._tokenizer.detokenize(ids), axis=-1)

    def save(self, path):
        """Write the vocabulary, one piece a line (plain text)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self._vocabulary) + "\n")

    @classmethod
    def load(cls, path, **kwargs):
        return cls(path, **kwargs)


def _normalize(texts, portable=False):
    return normalize_text(texts, punctuation="split", portable=portable)


def _check_sequence_length(sequence_length):
    if isinstance(sequence_length, bool) or not isinstance(sequence_length, (int, np.integer)) or sequence_length < 3:
        raise ValueError(
            "`sequence_length` must be an int >= 3 (room for [CLS], a piece "
            f"and [SEP]). Received: sequence_length={sequence_length!r}"
        )

