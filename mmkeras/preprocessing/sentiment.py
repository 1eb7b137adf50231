"""Review sentiment with TextBlob, using only what works offline.

TextBlob's `sentiment` (its pattern lexicon ships with the package) and
`correct` work without downloads. `words`, `tags` and `noun_phrases` need
NLTK corpora; `require_textblob_corpora` checks for them and says how to
install them instead of failing deep inside NLTK.
"""

import numpy as np

# What TextBlob's word-level features need (see `python -m textblob.download_corpora`).
_CORPORA = {
    "punkt_tab": "tokenizers/punkt_tab",
    "averaged_perceptron_tagger_eng": "taggers/averaged_perceptron_tagger_eng",
    "brown": "corpora/brown",
}


def sentiment_features(texts):
    """TextBlob polarity and subjectivity of each text.

    Polarity is in [-1, 1] (negative to positive), subjectivity in [0, 1]
    (factual to opinionated), both averaged over the sentiment words
    TextBlob's lexicon knows; a text with none gets (0, 0).

    Args:
        texts: an iterable of strings.

    Returns:
        float32 array `(n, 2)`: columns polarity, subjectivity.

    Example:

    >>> sentiment_features(["Excellent quality!", "Terrible."]).round(2)
    array([[ 1.,  1.],
           [-1.,  1.]], dtype=float32)
    """
    from textblob import TextBlob

    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"`texts` must be an iterable of strings. Received a single string {texts!r:.60}; wrap it in a list."
        )
    rows = []
    for text in texts:
        sentiment = TextBlob(str(text)).sentiment
        rows.append((sentiment.polarity, sentiment.subjectivity))
    return np.asarray(rows, dtype=np.float32).reshape(-1, 2)


def correct_spelling(text):
    """TextBlob's spelling correction (offline: it ships its word counts).

    Example:

    >>> correct_spelling("a beautifull red circel")
    'a beautiful red circle'
    """
    from textblob import TextBlob

    return str(TextBlob(str(text)).correct())


def missing_textblob_corpora():
    """Names of the NLTK corpora TextBlob's word features need but cannot find.

    Example:

    >>> missing = missing_textblob_corpora()  # [] once `python -m textblob.download_corpora` has run
    >>> set(missing) <= set(_CORPORA)
    True
    """
    import nltk

    missing = []
    for name, resource in _CORPORA.items():
        try:
            nltk.data.find(resource)
        except LookupError:
            missing.append(name)
    return missing


def require_textblob_corpora():
    """Raise a clear error if TextBlob's `words`/`tags`/`noun_phrases` cannot work.

    Raises:
        RuntimeError naming the missing corpora and the install command.

    Example:

    >>> try:
    ...     require_textblob_corpora()
    ... except RuntimeError as error:  # on a machine without the corpora
    ...     assert "python -m textblob.download_corpora" in str(error)
    """
    missing = missing_textblob_corpora()
    if missing:
        raise RuntimeError(
            "TextBlob's words, tags and noun_phrases need NLTK corpora that are "
            f"not installed here: {missing}. Install them once, with network "
            "access: `python -m textblob.download_corpora` (or "
            "`python -m nltk.downloader " + " ".join(missing) + "`). "
            "sentiment_features() and correct_spelling() work without them."
        )
