import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing import WORDPIECE_RESERVED_TOKENS
from mmkeras.preprocessing import WordPieceTokenizer
from mmkeras.preprocessing import mask_tokens

CORPUS = ["a red circle above a blue square", "two green triangles", "a large red circle"] * 10


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer.from_corpus(CORPUS, vocab_size=80)


def test_rows_are_cls_pieces_sep_and_padding(tokenizer):
    ids = tokenizer(["A red circle.", "blue"], sequence_length=6).numpy()
    vocab = tokenizer.vocabulary
    assert ids.shape == (2, 6) and ids.dtype == np.int32
    assert [vocab[i] for i in ids[0][:4]] == ["[CLS]", "a", "red", "circle"]
    assert ids[0][-1] == tokenizer.sep_id or ids[0][4] == tokenizer.sep_id
    assert ids[1][2] == tokenizer.sep_id and ids[1][3:].tolist() == [0, 0, 0]
    assert tokenizer(["blue"], 4, add_start_end=False).numpy().tolist() == [[vocab.index("blue"), 0, 0, 0]]


def test_unseen_words_are_split_into_known_pieces_not_unknown(tokenizer):
    pieces = tokenizer.tokenize(["circles"]).numpy()[0]
    words = [tokenizer.vocabulary[i] for i in pieces]
    assert tokenizer.unk_id not in pieces and len(words) >= 2 and words[0] != "circles"
    assert tokenizer.detokenize(tokenizer(["red circles"], 8)).numpy()[0] == b"red circles"


def test_save_load_and_use_in_tf_data(tokenizer, tmp_path):
    path = tmp_path / "wordpiece.txt"
    tokenizer.save(path)
    assert path.read_text().splitlines()[:5] == list(WORDPIECE_RESERVED_TOKENS)
    loaded = WordPieceTokenizer.load(path)
    np.testing.assert_array_equal(loaded(["a red circle"], 8), tokenizer(["a red circle"], 8))
    dataset = tf.data.Dataset.from_tensor_slices(["a red circle", "two triangles"]).batch(2)
    batch = next(iter(dataset.map(lambda t: loaded(t, 8))))
    assert batch.shape == (2, 8)


def test_errors(tokenizer):
    with pytest.raises(ValueError, match="must start with"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(ValueError, match="sequence_length=2"):
        tokenizer(["a"], 2)
    with pytest.raises(TypeError, match="single string"):
        WordPieceTokenizer.from_corpus("a red circle")


def test_mask_tokens_chooses_regular_tokens_at_the_rate():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 50, size=(200, 40)).astype("int32")
    ids[:, :1] = 2
    ids[:, 30:] = 0
    corrupted, labels, weights = (t.numpy() for t in mask_tokens(ids, 4, 50, first_regular_id=5, rate=0.2, seed=1))
    np.testing.assert_array_equal(labels, ids)
    chosen = weights > 0
    assert not chosen[:, :1].any() and not chosen[:, 30:].any()
    assert abs(chosen[:, 1:30].mean() - 0.2) < 0.02
    masked = corrupted[chosen] == 4
    unchanged = corrupted[chosen] == ids[chosen]
    assert abs(masked.mean() - 0.8) < 0.05
    assert 0.05 < unchanged.mean() < 0.16  # 10% kept, plus random draws equal to the original
    np.testing.assert_array_equal(corrupted[~chosen], ids[~chosen])
    with pytest.raises(ValueError, match="rate=1.5"):
        mask_tokens(ids, 4, 50, 5, rate=1.5)


CHINESE = ["一个红色的圆在蓝色方块的左边", "两个绿色的三角形", "一个大的红色圆"] * 5
MIXED = ["A red 圆 and a Café", "naïve 三角形 Straße", "l'été à Paris"] * 5


@pytest.mark.parametrize("texts", [CORPUS, CHINESE, MIXED], ids=["english", "chinese", "mixed"])
def test_detokenize_of_tokenize_is_the_normalised_text(texts):
    tokenizer = WordPieceTokenizer.from_corpus(texts, vocab_size=120)
    back = tokenizer.detokenize(tokenizer(texts[:3], sequence_length=40)).numpy().tolist()
    assert back == tokenizer.normalize(texts[:3]).numpy().tolist()
    assert tokenizer.unk_id not in tokenizer.tokenize(texts[:3]).flat_values.numpy()
    if texts is MIXED:
        assert [t.decode() for t in back] == ["a red 圆 and a café", "naïve 三角形 strasse", "l ' été à paris"]
    if texts is CHINESE:
        assert [t.decode() for t in back] == CHINESE[:3]


def test_config_and_keras_file_keep_the_vocabulary(tokenizer):
    import json

    import keras

    layer = WordPieceTokenizer(tokenizer.vocabulary, sequence_length=8)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.vocabulary == tokenizer.vocabulary and restored.sequence_length == 8
    np.testing.assert_array_equal(restored(["a red circle"]), tokenizer(["a red circle"], 8))


PARITY_CORPUS = CORPUS + CHINESE + MIXED + ["un café crème à côté", "ÉCLAIR au chocolat"] * 5
HARD_TEXTS = [
    "red circles!", "a+b=c $5 <x> ^~|`", "一个红色的方块。", "café crèmes", "zzzz qqq",
    "x" * 120,  # over tensorflow-text's 100 bytes a word: one [UNK]
    "é" * 50, "é" * 49,  # 100 bytes, 98 bytes
    "", "   ", "redred bluesquare", "##s ##", "a\tb\nc", "[MASK] circle", "ÉCLAIRS",
    "abc1234", "mixed 中文 and English, ok?", "naïve Straße l'été",
]


@pytest.fixture(scope="module")
def tokenizer_pair():
    full = WordPieceTokenizer.from_corpus(PARITY_CORPUS, vocab_size=150)
    return full, WordPieceTokenizer(full.vocabulary, portable=True)


def test_portable_pieces_and_text_match_tensorflow_text(tokenizer_pair):
    full, portable = tokenizer_pair
    assert full.tokenize(HARD_TEXTS).to_list() == portable.tokenize(HARD_TEXTS).to_list()
    unknown = full.tokenize(HARD_TEXTS).to_list()
    assert unknown[5] == [full.unk_id] and full.unk_id in unknown[4]  # the rules above were exercised
    ids = full(HARD_TEXTS, 48)
    np.testing.assert_array_equal(portable(HARD_TEXTS, 48), ids)
    assert full.detokenize(ids).numpy().tolist() == portable.detokenize(ids).numpy().tolist()
    suffixes = [[i for i, piece in enumerate(full.vocabulary) if piece.startswith("##")][:2]]
    assert portable.detokenize(suffixes).numpy().tolist() == full.detokenize(suffixes).numpy().tolist()


def test_portable_tokenizer_runs_in_a_graph_without_tensorflow_text_ops(tokenizer_pair):
    _, portable = tokenizer_pair

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def round_trip(texts):
        return portable.detokenize(portable(texts, 24))

    graph = round_trip.get_concrete_function().graph.as_graph_def()
    ops = {node.op for node in graph.node} | {
        node.op for function in graph.library.function for node in function.node_def
    }
    assert ops and not {op for op in ops if op not in tf.raw_ops.__dict__}
    assert round_trip(tf.constant(["A red circle", "一个红色的圆"])).numpy().tolist() == [
        b"a red circle", "一个红色的圆".encode()
    ]
    empty = portable.tokenize(tf.constant([], tf.string))
    assert empty.shape[0] == 0
