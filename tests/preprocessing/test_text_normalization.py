import unicodedata

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


def test_portable_agrees_on_composed_text_including_compatibility_forms_and_case_folds():
    raw = tf.constant([
        "A Café in 北京", "Ünïcödé Ελληνικά Кириллица", "ＦＵＬＬ ｗｉｄｔｈ ﬁne Straße",
        "zero\u200bwidth soft\u00adhyphen", "ΟΔΟΣ İstanbul ǅ ㎏ ①", "日本語のテキスト ﾃｷｽﾄ",
    ])
    assert texts(normalize_text(raw, portable=True)) == texts(normalize_text(raw))
    assert texts(normalize_text(raw))[2:4] == ["full width fine strasse", "zerowidth softhyphen"]
    # Every character of the Latin, Greek, Cyrillic, Arabic, CJK and
    # compatibility blocks, written in a row: NFKC joins none of them, except
    # the half-width Hangul jamo (U+FFA0...), which it composes into syllables.
    blocks = [range(0x20, 0x250), range(0x370, 0x530), range(0x600, 0x700), range(0x3000, 0x3100),
              range(0x4E00, 0x4F00), range(0xF900, 0xFB50), range(0xFF00, 0xFFA0), range(0xFFE0, 0xFFF0)]
    characters = [chr(c) for block in blocks for c in block if unicodedata.category(chr(c))[0] in "LNPSZ"]
    rows = tf.constant(["".join(characters[i:i + 40]) for i in range(0, len(characters), 40)])
    assert texts(normalize_text(rows, portable=True)) == texts(normalize_text(rows))


def test_portable_does_not_join_a_letter_and_a_separate_accent():
    decomposed = tf.constant(["cafe\u0301"])
    assert texts(normalize_text(decomposed)) == ["café"]
    assert texts(normalize_text(decomposed, portable=True)) == ["cafe\u0301"]