"""WordPiece in core TensorFlow ops: BERT's word split and greedy longest-match.

`WordPieceTokenizer(..., portable=True)` uses these instead of
`tensorflow_text.BertTokenizer`, so a SavedModel that tokenizes loads and
runs where tensorflow-text is not installed (TensorFlow Serving, a bare
`tf.saved_model.load`). They follow tensorflow-text's rules (its
`BasicTokenizer` with `lower_case=False`, then its `WordpieceTokenizer`
with the defaults `suffix_indicator="##"`, `max_bytes_per_word=100` and
`split_unknown_characters=False`), and `tests/preprocessing/test_wordpiece.py`
checks that they give the same ids on English, Chinese, accented, mixed
and adversarial text.
"""

import tensorflow as tf

SUFFIX_INDICATOR = "##"
MAX_BYTES_PER_WORD = 100

# BERT's word boundaries: ASCII symbols and Unicode punctuation are words of
# their own, and so is every CJK ideograph (the ranges BERT lists).
_DELIMITER = (
    r"([!-/:-@\[-`{-~\p{P}"
    r"\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}\x{2A700}-\x{2B73F}"
    r"\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}])"
)


def split_bert_words(texts):
    """Words of a 1-D string tensor as BERT's basic tokenizer cuts them.

    Control and format characters count as white space; white space
    separates words and is dropped; each delimiter (see `_DELIMITER`) is a
    word. Returns a ragged string tensor `(texts, words)`.

    Example:

    >>> split_bert_words(tf.constant(["a+b, 中文 ok"])).to_list()
    [[b'a', b'+', b'b', b',', b'\xe4\xb8\xad', b'\xe6\x96\x87', b'ok']]
    """
    texts = tf.strings.regex_replace(texts, r"\p{Cc}|\p{Cf}", " ")
    texts = tf.strings.regex_replace(texts, _DELIMITER, r" \1 ")
    return tf.strings.split(tf.strings.regex_replace(texts, r"[\s\p{Z}]+", " "))


def greedy_longest_match(words, piece_to_id, max_piece_length, unknown_id):
    """Cut each word into the longest vocabulary pieces, left to right.

    A piece that does not start its word is looked up with the `"##"`
    prefix. A word that cannot be cut entirely into known pieces, or that
    is longer than `MAX_BYTES_PER_WORD` bytes, becomes one `unknown_id`.

    Args:
        words: a 1-D string tensor.
        piece_to_id: a `tf.lookup` table from piece to an int64 id, -1 for a
            piece not in the vocabulary.
        max_piece_length: the most characters of a vocabulary piece (without
            its `"##"`); no longer piece is tried.
        unknown_id: the id of `[UNK]`.

    Returns:
        A ragged int64 tensor `(words, pieces)`.

    Example:

    >>> vocabulary = ["[UNK]", "red", "circle", "##s", "##dish"]
    >>> table = tf.lookup.StaticHashTable(
    ...     tf.lookup.KeyValueTensorInitializer(vocabulary, tf.range(5, dtype=tf.int64)), default_value=-1
    ... )
    >>> greedy_longest_match(tf.constant(["circles", "reddish", "blue"]), table, 6, unknown_id=0).to_list()
    [[2, 3], [1, 4], [0]]
    """
    words = tf.reshape(tf.convert_to_tensor(words, tf.string), [-1])
    lengths = tf.strings.length(words, unit="UTF8_CHAR")
    count = tf.shape(words)[0]
    widths = tf.range(1, max_piece_length + 1)
    candidates_of = tf.tile(words[:, None], [1, max_piece_length])
    width_grid = tf.tile(widths[None, :], [count, 1])

    def step(t, start, failed, pieces):
        active = (start < lengths) & ~failed
        position = tf.tile(tf.minimum(start, lengths)[:, None], [1, max_piece_length])
        candidates = tf.strings.substr(candidates_of, position, width_grid, unit="UTF8_CHAR")
        candidates = tf.where((start > 0)[:, None], SUFFIX_INDICATOR + candidates, candidates)
        ids = piece_to_id.lookup(candidates)
        found = (ids >= 0) & (width_grid <= (lengths - start)[:, None])
        best = tf.reduce_max(tf.where(found, width_grid, 0), axis=1)
        matched = active & (best > 0)
        best_id = tf.gather(ids, tf.maximum(best - 1, 0), batch_dims=1)
        pieces = pieces.write(t, tf.where(matched, best_id, -1))
        return t + 1, start + tf.where(matched, best, 0), failed | (active & (best == 0)), pieces

    def unfinished(t, start, failed, pieces):
        return tf.reduce_any((start < lengths) & ~failed)

    too_long = tf.strings.length(words) > MAX_BYTES_PER_WORD
    _, _, failed, pieces = tf.while_loop(
        unfinished, step,
        (0, tf.zeros_like(lengths), too_long, tf.TensorArray(tf.int64, size=0, dynamic_size=True)),
    )
    # (words, steps), one -1 column more so a batch of only unknown words
    # still has a first column to hold [UNK].
    pieces = tf.concat(
        [tf.transpose(tf.reshape(pieces.stack(), [-1, count])), tf.fill([count, 1], tf.constant(-1, tf.int64))],
        axis=1,
    )
    first = tf.range(tf.shape(pieces)[1]) == 0
    pieces = tf.where(failed[:, None], tf.where(first[None, :], tf.constant(unknown_id, tf.int64), -1), pieces)
    return tf.ragged.boolean_mask(pieces, pieces >= 0)


def join_pieces(pieces):
    """Text of a ragged string tensor of pieces `(batch, pieces)`: pieces
    joined by spaces, a `"##"` piece glued to the one before (a text that
    starts with one keeps its `"##"`, as tensorflow-text's does)."""
    text = tf.strings.reduce_join(pieces, axis=-1, separator=" ")
    return tf.strings.regex_replace(text, " ##", "")
