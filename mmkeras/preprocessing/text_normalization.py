"""Unicode text normalisation shared by the tokenizers (string tensors, `tf.data`-safe).

The rule, in order:

1. NFKC normalisation, so compatibility forms become one spelling
   (full-width "ＡＢＣ" -> "ABC", the ligature "ﬁ" -> "fi", a no-break
   space -> a space);
2. Unicode case folding ("ÉCLAIR" -> "éclair", "Straße" -> "strasse"):
   accents and every script are kept, never stripped to a-z;
3. punctuation (Unicode category P) is either removed (except the
   apostrophe of "don't"), as `WordTokenizer` does, or made a word of its
   own, as BERT's WordPiece does;
4. every Chinese character and Japanese kana is made a word of its own,
   since those scripts do not put spaces between words;
5. any run of Unicode white space becomes one ASCII space.

Words are what is left between spaces. Joining words back puts one space
between words, and none between two CJK characters, so
`join_words(split_words(normalize_text(t)))` is `normalize_text(t)` with
its spaces tidied, for any text.

`portable=True` does steps 1 and 2 with core TensorFlow ops only, for
graphs that must load without tensorflow-text: one character at a time,
through a table of what tensorflow-text makes of every code point whose
result is not its plain lower case (about 9,400 of them: compatibility
forms, "ß", characters NFKC case folding deletes, such as the zero-width
space). The two agree on every text in which NFKC joins no neighbouring
characters into one, and differ where it does: a letter followed by a
separate combining accent ("e" + U+0301, which only the full rule turns
into "é"), a half-width kana and its separate voicing mark, Hangul jamo
that the full rule composes into syllables.
"""

import functools

import numpy as np
import tensorflow as tf

# Scripts written without spaces between words: each character is a word.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_CJK_CHARACTER = rf"([{_CJK}])"
_PUNCTUATION_BUT_APOSTROPHE = r"[^\P{P}']+"
_WHITE_SPACE = r"[\s\p{Z}]+"


def normalize_text(texts, punctuation="strip", portable=False):
    """Normalise a string tensor of any shape (see the module docstring).

    Args:
        texts: a string tensor.
        punctuation: `"strip"`: each run of punctuation but the apostrophe
            becomes a space; `"split"`: each punctuation mark becomes a
            word of its own.
        portable: use core TensorFlow ops only (no NFKC, lower case
            instead of case folding).

    Returns:
        A string tensor of the same shape, white space tidied: words
        separated by one space, no space at either end.

    Example:

    >>> normalize_text(tf.constant(["A  Café, 一个圆!"])).numpy()[0].decode()
    'a café 一个圆'
    """
    if punctuation not in ("strip", "split"):
        raise ValueError(f"`punctuation` must be 'strip' or 'split'. Received: punctuation={punctuation!r}")
    if portable:
        texts = _fold_each_character(tf.convert_to_tensor(texts, tf.string))
    else:
        import tensorflow_text as tf_text

        texts = tf_text.case_fold_utf8(tf_text.normalize_utf8(texts, "NFKC"))
    if punctuation == "strip":
        texts = tf.strings.regex_replace(texts, _PUNCTUATION_BUT_APOSTROPHE, " ")
    else:
        texts = tf.strings.regex_replace(texts, r"(\pP)", r" \1 ")
    return join_cjk(_tidy_spaces(tf.strings.regex_replace(texts, _CJK_CHARACTER, r" \1 ")))


def split_words(normalized_texts):
    """Words of normalised texts: a ragged tensor `texts.shape + (None,)`.

    CJK characters are separated here, so the result does not depend on
    whether the text came through `normalize_text` with or without spaces
    between them.
    """
    spaced = _tidy_spaces(tf.strings.regex_replace(normalized_texts, _CJK_CHARACTER, r" \1 "))
    return tf.strings.split(spaced)


def join_words(words, axis=-1):
    """Join a (ragged) tensor of words into text: spaces between words,
    none between two CJK characters (the inverse of `split_words`)."""
    return join_cjk(tf.strings.reduce_join(words, axis=axis, separator=" "))


def join_cjk(texts):
    """Remove the spaces between two CJK characters."""
    # Each pass joins non-overlapping pairs; after two passes no space is
    # left between two CJK characters ("a b c d" -> "ab cd" -> "abcd").
    for _ in range(2):
        texts = tf.strings.regex_replace(texts, rf"([{_CJK}]) ([{_CJK}])", r"\1\2")
    return texts


def _tidy_spaces(texts):
    texts = tf.strings.regex_replace(texts, _WHITE_SPACE, " ")
    return tf.strings.strip(texts)


@functools.lru_cache(maxsize=1)
def _folding_table():
    """Code points whose NFKC case fold is not their lower case, sorted, and
    what tensorflow-text folds each into."""
    import tensorflow_text as tf_text

    code_points = np.concatenate([np.arange(0, 0xD800), np.arange(0xE000, 0x110000)]).astype("int32")
    characters = tf.strings.unicode_encode(tf.constant(code_points)[:, None], "UTF-8")
    folded = tf_text.case_fold_utf8(tf_text.normalize_utf8(characters, "NFKC")).numpy()
    different = folded != tf.strings.lower(characters, encoding="utf-8").numpy()
    return code_points[different], folded[different]


def _fold_each_character(texts):
    code_points, folded = _folding_table()
    flat = tf.strings.unicode_decode(tf.reshape(texts, [-1]), "UTF-8", errors="replace")
    characters = tf.strings.lower(tf.strings.unicode_encode(flat.flat_values[:, None], "UTF-8"), encoding="utf-8")
    keys = tf.constant(code_points)
    at = tf.minimum(tf.searchsorted(keys, flat.flat_values), len(code_points) - 1)
    found = tf.gather(keys, at) == flat.flat_values
    characters = tf.where(found, tf.gather(tf.constant(folded), at), characters)
    texts_back = tf.strings.reduce_join(flat.with_flat_values(characters), axis=-1)
    return tf.reshape(texts_back, tf.shape(texts))
