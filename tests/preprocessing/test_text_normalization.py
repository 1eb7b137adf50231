import pytest
import tensorflow as tf

from mmkeras.preprocessing.text_normalization import join_words
from mmkeras.preprocessing.text_normalization import normalize_text
from mmkeras.preprocessing.text_normalization import split_words


def texts(tensor):
    return [t.decode("utf-8") for t in tensor.numpy().ravel()]


def test_nfkc_case_folding_and_white_space():
    raw = tf.constant(["ＡＢＣ ﬁne", "ÉCLAIR\u00a0Straße", "  a\t\tb\u2003c\n"])
    assert texts(normalize_text(raw)) == ["abc fine", "éclair strasse", "a b c"]


def test_punctuation_is_stripped_or_split_and_the_apostrophe_kept_in_words():
    raw = tf.constant(["Don't stop, 好吗？", "(a) b."])
    assert texts(normalize_text(raw)) == ["don't stop 好吗", "a b"]
    # NFKC makes the full-width question mark an ASCII one.
    assert texts(normalize_text(raw, punctuation="split")) == ["don ' t stop , 好吗 ?", "( a ) b ."]
    with pytest.raises(ValueError, match="punctuation='keep'"):
        normalize_text(raw, punctuation="keep")


def test_cjk_characters_are_words_and_join_back_without_spaces():
    normalized = normalize_text(tf.constant(["一个红色的圆 and カタカナ", "한국어 단어"]))
    words = split_words(normalized).to_list()
    assert [w.decode() for w in words[0]] == ["一", "个", "红", "色", "的", "圆", "and", "カ", "タ", "カ", "ナ"]
    # Hangul puts spaces between words, so its words stay whole.
    assert [w.decode() for w in words[1]] == ["한국어", "단어"]
    assert texts(join_words(split_words(normalized))) == texts(normalized)


def test_portable_agrees_on_nfc_text_without_compatibility_characters():
    raw = tf.constant(["A Café in 北京", "Ünïcödé Ελληνικά Кириллица"])
    assert texts(normalize_text(raw, portable=True)) == texts(normalize_text(raw))
    assert texts(normalize_text(raw)) == ["a café in 北京", "ünïcödé ελληνικά кириллица"]
