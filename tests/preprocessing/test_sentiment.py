import numpy as np
import pytest

from mmkeras.preprocessing import correct_spelling
from mmkeras.preprocessing import require_textblob_corpora
from mmkeras.preprocessing import sentiment_features


def test_polarity_orders_reviews_and_subjectivity_is_bounded():
    features = sentiment_features(
        ["Excellent quality, I love it!", "It is okay, nothing special.", "Terrible, it broke on the first day."]
    )
    assert features.shape == (3, 2) and features.dtype == np.float32
    polarity, subjectivity = features[:, 0], features[:, 1]
    assert polarity[0] > polarity[1] > polarity[2]
    assert ((subjectivity >= 0) & (subjectivity <= 1)).all()
    np.testing.assert_array_equal(sentiment_features(["a red circle"]), [[0.0, 0.0]])
    with pytest.raises(TypeError, match="single string"):
        sentiment_features("great")


def test_spelling_correction_works_offline():
    assert correct_spelling("a red cirle") == "a red circle"


def test_missing_corpora_error_says_how_to_install(monkeypatch):
    import nltk

    def not_found(resource):
        raise LookupError(resource)

    monkeypatch.setattr(nltk.data, "find", not_found)
    with pytest.raises(RuntimeError, match=r"python -m textblob.download_corpora.*punkt_tab"):
        require_textblob_corpora()
    monkeypatch.setattr(nltk.data, "find", lambda resource: resource)
    require_textblob_corpora()  # all present: no error
