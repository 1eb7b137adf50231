"""keras-hub's BERT tokenizer, normalizing text as the Hugging Face tokenizer a checkpoint was trained with."""

import re
import unicodedata

import keras
import keras_hub
import tensorflow as tf
import tensorflow_text as tf_text

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")


def _is_removed(character):
    # Hugging Face's BertNormalizer drops NUL, U+FFFD and every "other"
    # character (control, format, private use...) except the three it
    # reads as whitespace.
    if character in "\t\n\r":
        return False
    return character in "\x00\ufffd" or unicodedata.category(character).startswith("C")


def normalize_like_hugging_face(text, lowercase=True):
    """One string, normalized as Hugging Face's `BertNormalizer` does (the reference for the TF path).

    Args:
        text: a Python string.
        lowercase: whether the checkpoint's tokenizer lowercases (and so
            strips accents).

    Returns:
        The normalized string, with special tokens such as `[MASK]` kept in
        capitals.

    Example:

    >>> normalize_like_hugging_face("Crème\\u200b BRÛLÉE\\tΣΊΣΥΦΟΣ [MASK]")
    'creme brulee σισυφοσ [MASK]'
    """
    text = "".join(" " if c.isspace() else c for c in text if not _is_removed(c))
    if not lowercase:
        return text
    # One character at a time: Hugging Face's lowercasing ignores context, so a word-final capital sigma
    # becomes σ, not the ς of Python's str.lower().
    text = "".join(c.lower() for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    for token in SPECIAL_TOKENS:
        text = text.replace(token.lower(), token)
    return text


def _normalize_tf(text, lowercase):
    text = tf.strings.regex_replace(text, r"[\t\n\r]", " ")
    text = tf.strings.regex_replace(text, r"[\x{0}\x{fffd}\p{C}]", "")
    text = tf.strings.regex_replace(text, r"[\p{Z}\x{85}]", " ")
    if not lowercase:
        return text
    text = tf.strings.regex_replace(tf_text.normalize_utf8(text, "NFD"), r"\p{Mn}", "")
    # tf.strings.lower applies Unicode's one context rule (a word-final capital sigma becomes ς); Hugging Face
    # lowercases one character at a time, so the capital sigma is lowered here first.
    text = tf.strings.lower(tf.strings.regex_replace(text, "Σ", "σ"), encoding="utf-8")
    for token in SPECIAL_TOKENS:
        text = tf.strings.regex_replace(text, re.escape(token.lower()), token)
    return text


@keras.saving.register_keras_serializable(package="mmkeras")
class HuggingFaceBertTokenizer(keras_hub.tokenizers.BertTokenizer):
    """A `keras_hub.tokenizers.BertTokenizer` that gives a Hugging Face BERT checkpoint its own token ids.

    keras-hub lowercases with Unicode case folding (NFKC): "Straße" becomes
    "strasse", "ﬁne" becomes "fine", a zero-width space stays inside its
    word. The tokenizer a Hugging Face BERT checkpoint was trained with
    lowercases one character at a time after stripping accents, and drops
    control and format characters; its ids for such text differ, and so
    does the model's output. This tokenizer normalizes text that way first
    (in `tf.data` and eagerly alike), then splits and applies WordPiece as
    keras-hub does. `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]` and `[UNK]` in a text
    are read as the special tokens, as Hugging Face reads them; unlike it,
    also when written in lower case.

    Args:
        vocabulary: the WordPiece vocabulary, a list of strings or the path
            of a `vocab.txt` file.
        lowercase: whether the checkpoint lowercases (its
            `tokenizer_config.json`'s `do_lower_case`).
        **kwargs: passed to `keras_hub.tokenizers.BertTokenizer`.

    Call arguments:
        inputs: a string or a batch of strings.

    Returns:
        Token ids without `[CLS]` and `[SEP]` (the preprocessor adds them),
        ragged for a batch.

    Example:

    >>> tokenizer = HuggingFaceBertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "stra", "##ße", "fine"])
    >>> tokenizer(["Straße fine"])
    [[5, 6, 7]]
    """

    def __init__(self, vocabulary=None, lowercase=True, **kwargs):
        kwargs.setdefault("special_tokens_in_strings", True)
        # Lowercasing and accents are this class's normalization: keras-hub's would fold with NFKC.
        kwargs["strip_accents"] = False
        super().__init__(vocabulary=vocabulary, lowercase=False, **kwargs)
        self.hugging_face_lowercase = bool(lowercase)

    def tokenize(self, inputs):
        if self._use_tf_workflow():
            inputs = _normalize_tf(inputs, self.hugging_face_lowercase)
        elif isinstance(inputs, str):
            inputs = normalize_like_hugging_face(inputs, self.hugging_face_lowercase)
        else:
            texts = inputs.numpy() if hasattr(inputs, "numpy") else inputs
            inputs = [normalize_like_hugging_face(t.decode("utf-8") if isinstance(t, bytes) else str(t),
                                                  self.hugging_face_lowercase) for t in texts]
        return super().tokenize(inputs)

    def get_config(self):
        config = super().get_config()
        config["lowercase"] = self.hugging_face_lowercase
        config.pop("strip_accents", None)
        return config
