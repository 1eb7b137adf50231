import numpy as np
import pytest

from mmkeras.metrics import accuracy_by_group
from mmkeras.metrics import chance_recall_at_k
from mmkeras.metrics import character_error_rate
from mmkeras.metrics import classification_report
from mmkeras.metrics import confusion_matrix
from mmkeras.metrics import corpus_bleu
from mmkeras.metrics import edit_distance
from mmkeras.metrics import l2_normalize
from mmkeras.metrics import majority_baseline
from mmkeras.metrics import recall_at_k
from mmkeras.metrics import word_error_rate


def test_accuracy_by_group_by_hand():
    result = accuracy_by_group(["a", "b", "a", "c"], ["a", "a", "a", "c"], ["x", "x", "y", "y"])
    assert result == {"x": 0.5, "y": 1.0, "overall": 0.75}


def test_majority_baseline_overall_and_per_group():
    train = ["yes", "yes", "no", "two", "two", "one"]
    groups = ["e", "e", "e", "c", "c", "c"]
    assert majority_baseline(train, ["yes", "no"]) == {"overall": 0.5}
    result = majority_baseline(train, ["yes", "no", "one", "two"], groups, ["e", "e", "c", "c"])
    assert result == {"e": 0.5, "c": 0.5, "overall": 0.5}


def test_errors():
    with pytest.raises(ValueError, match="one length"):
        accuracy_by_group([1, 2], [1], [0, 0])
    with pytest.raises(ValueError, match="zero examples"):
        accuracy_by_group([], [], [])
    with pytest.raises(ValueError, match=r"\['z'\] never appear"):
        majority_baseline(["a"], ["a"], ["x"], ["z"])


def test_confusion_matrix_and_report_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 0]
    matrix = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 2, 0], [2, 0, 0]])
    report = classification_report(y_true, y_pred, 3)
    np.testing.assert_allclose(report["precision"], [1 / 3, 2 / 3, 0.0])
    np.testing.assert_allclose(report["recall"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(report["f1"], [0.4, 0.8, 0.0])
    assert report["macro_f1"] == pytest.approx(0.4)
    assert report["accuracy"] == pytest.approx(0.5)
    np.testing.assert_array_equal(report["support"], [2, 2, 2])


def test_macro_f1_matches_keras():
    import keras

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 5, 300))
    metric = keras.metrics.F1Score(average="macro")
    metric.update_state(np.eye(5)[y_true], np.eye(5)[y_pred])
    ours = classification_report(y_true, y_pred, 5)["macro_f1"]
    assert ours == pytest.approx(float(metric.result()), rel=1e-5)


def test_report_errors_name_the_problem():
    with pytest.raises(ValueError, match="integer class ids.*argmax"):
        classification_report([0, 1], np.array([[0.2, 0.8], [0.9, 0.1]]), 2)
    with pytest.raises(ValueError, match=r"outside \[0, 2\): min 0, max 2"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="one length"):
        confusion_matrix([0, 1], [0], 2)


def test_bleu_by_hand():
    hypothesis = "a red circle above a square".split()
    reference = "a red circle above a blue square".split()
    # unigrams 6/6, bigrams 4/5, r = 7 > c = 6
    expected = np.exp(1 - 7 / 6) * np.exp((np.log(1.0) + np.log(4 / 5)) / 2)
    assert corpus_bleu([[reference]], [hypothesis], max_order=2) == pytest.approx(expected)
    # Clipping: "a a a" against "a red a" matches "a" at most twice.
    assert corpus_bleu([[["a", "red", "a"]]], [["a", "a", "a"]], max_order=1) == pytest.approx(2 / 3)
    assert corpus_bleu([[reference]], [["green", "triangle"]]) == 0.0


def test_bleu_matches_nltk():
    from nltk.translate.bleu_score import corpus_bleu as nltk_bleu

    rng = np.random.default_rng(0)
    words = "a red blue green circle square triangle above below left of the is".split()
    references, hypotheses = [], []
    for _ in range(30):
        refs = [list(rng.choice(words, rng.integers(5, 10))) for _ in range(rng.integers(1, 4))]
        hypothesis = list(refs[0])
        for i in rng.choice(len(hypothesis), 2, replace=False):
            hypothesis[i] = str(rng.choice(words))
        references.append(refs)
        hypotheses.append(hypothesis[: rng.integers(4, len(hypothesis) + 1)])
    assert corpus_bleu(references, hypotheses) == pytest.approx(nltk_bleu(references, hypotheses), rel=1e-9)


def test_bleu_errors():
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        corpus_bleu([[["a"]]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="works on tokens"):
        corpus_bleu([["a red circle"]], ["a red circle"])


def test_recall_at_k_by_hand_and_ties():
    similarity = np.array([[0.9, 0.1, 0.5], [0.8, 0.2, 0.3], [0.1, 0.7, 0.6]])
    # query 0: rank 0; query 1: two others higher -> rank 2; query 2: one higher -> rank 1
    assert recall_at_k(similarity, k=[1, 2, 3]) == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3), 3: 1.0}
    assert recall_at_k(np.ones((4, 4)), k=1) == 0.0  # ties count against the query
    # Several relevant candidates per query (e.g. five captions per image).
    assert recall_at_k(similarity, k=1, relevant=[[0], [0, 1], [1]]) == 1.0
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        recall_at_k(similarity, 1, relevant=[0, 1, 3])
    with pytest.raises(ValueError, match="Pass `relevant`"):
        recall_at_k(np.ones((3, 2)), 1)
    with pytest.raises(ValueError, match="positive int"):
        recall_at_k(similarity, 0)


def test_edit_distance_cer_and_wer_by_hand():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3
    assert edit_distance(["a", "red", "circle"], ["a", "circle"]) == 1
    # "red circle" (10 chars) vs "rad circles": one substitution, one insertion.
    # "two" (3 chars) vs "to": one deletion. CER = 3 / 13.
    assert character_error_rate(["red circle", "two"], ["rad circles", "to"]) == pytest.approx(3 / 13)
    # 6 reference words; "large" deleted, "blue" -> "green" substituted, "square" inserted.
    assert word_error_rate(["a large blue circle", "two squares"], ["a green circle square", "two squares"]) == pytest.approx(3 / 6)
    assert word_error_rate(["red"], ["red"]) == 0.0
    with pytest.raises(TypeError, match="lists of strings"):
        word_error_rate("a red circle", "a red circle")
    with pytest.raises(ValueError, match="one length"):
        character_error_rate(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="all empty"):
        character_error_rate([""], ["a"])


def test_fuzzed_inputs_get_errors_that_name_them():
    with pytest.raises(TypeError, match=r"hypotheses\[1\] is None \(NoneType\)"):
        character_error_rate(["a", "b"], ["a", None])
    with pytest.raises(TypeError, match=r"references\[0\] is 5 \(int\)"):
        word_error_rate([5], ["five"])
    with pytest.raises(ValueError, match="holds nan for query 0, candidate 1"):
        recall_at_k(np.array([[1.0, np.nan], [0.0, 1.0]]), k=1)
    with pytest.raises(ValueError, match="holds inf for query 1, candidate 0"):
        recall_at_k(np.array([[1.0, 0.0], [np.inf, 1.0]]), k=1)
    with pytest.raises(TypeError, match="`similarity` must hold numbers"):
        recall_at_k([["a", "b"], ["c", "d"]], k=1)


def test_unusual_text_is_scored_by_its_characters():
    assert character_error_rate(["🙂红色"], ["🙂红"]) == pytest.approx(1 / 3)
    assert word_error_rate(["红色 的 圆"], ["红色 圆"]) == pytest.approx(1 / 3)
    assert character_error_rate(["a\u200bb"], ["ab"]) == pytest.approx(1 / 3)


def test_chance_recall_is_what_random_rankings_score():
    relevant = [[0], [1, 2], [3, 4, 5], [6]]
    rng = np.random.default_rng(0)
    random_recall = np.mean([recall_at_k(rng.random((4, 20)), [1, 3], relevant)[3] for _ in range(4000)])
    chance = chance_recall_at_k(relevant, 20, [1, 3])
    # One relevant among n: k / n. Two or three: one minus the chance of missing them all.
    assert chance[1] == pytest.approx(np.mean([1 / 20, 2 / 20, 3 / 20, 1 / 20]))
    assert chance[3] == pytest.approx(random_recall, abs=0.01)
    assert chance_recall_at_k([[0, 1]], 2, 5) == 1.0  # a top k longer than the list holds everything


def test_chance_recall_refuses_what_has_no_chance_level():
    with pytest.raises(ValueError, match="Query 1 has 0 relevant candidates"):
        chance_recall_at_k([[0], []], 10, 1)
    with pytest.raises(ValueError, match="Query 0 has 3 relevant candidates"):
        chance_recall_at_k([[0, 1, 2]], 2, 1)
    with pytest.raises(ValueError, match="num_candidates=0"):
        chance_recall_at_k([[0]], 0, 1)
    with pytest.raises(ValueError, match="`k` must be a positive int"):
        chance_recall_at_k([[0]], 10, 0)


def test_l2_normalize_gives_cosines_and_refuses_a_zero_vector():
    vectors = np.array([[3.0, 4.0], [0.0, -2.0]])
    unit = l2_normalize(vectors)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=-1), 1.0)
    np.testing.assert_allclose(unit @ unit.T, [[1.0, -0.8], [-0.8, 1.0]])
    with pytest.raises(ValueError, match=r"index \[1\] is all zeros"):
        l2_normalize([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="NaN or infinity"):
        l2_normalize([[np.nan, 1.0]])
