"""Properties every input must keep, checked on generated inputs (hypothesis)."""

import numpy as np
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mmkeras.metrics import character_error_rate
from mmkeras.metrics import corpus_bleu
from mmkeras.metrics import edit_distance
from mmkeras.metrics import recall_at_k
from mmkeras.metrics import word_error_rate

# Words from a small alphabet, so that generated texts share n-grams and edits.
WORDS = st.lists(st.sampled_from(["a", "red", "圆", "café", "two", "🙂"]), max_size=12)
SENTENCES = WORDS.map(" ".join)
SEQUENCES = st.text(alphabet="abc红 ", max_size=10)


@given(SEQUENCES, SEQUENCES, SEQUENCES)
def test_edit_distance_is_a_metric_bounded_by_the_lengths(a, b, c):
    assert edit_distance(a, a) == 0
    assert edit_distance(a, b) == edit_distance(b, a)
    assert abs(len(a) - len(b)) <= edit_distance(a, b) <= max(len(a), len(b))
    assert edit_distance(a, c) <= edit_distance(a, b) + edit_distance(b, c)


@given(st.lists(st.tuples(SENTENCES, SENTENCES), min_size=1, max_size=6))
def test_error_rates_count_edits_over_reference_length(pairs):
    references, hypotheses = [r for r, _ in pairs], [h for _, h in pairs]
    words = sum(len(r.split()) for r in references)
    characters = sum(len(r) for r in references)
    if words:
        assert word_error_rate(references, references) == 0.0
        expected = sum(edit_distance(r.split(), h.split()) for r, h in pairs) / words
        assert word_error_rate(references, hypotheses) == expected
        # Writing nothing deletes every reference word.
        assert word_error_rate(references, [""] * len(references)) == 1.0
    if characters:
        assert character_error_rate(references, hypotheses) >= 0.0
        assert character_error_rate(references, references) == 0.0


@given(st.lists(st.tuples(WORDS, st.lists(WORDS, min_size=1, max_size=3)), min_size=1, max_size=6), st.randoms())
def test_bleu_is_a_share_that_ignores_corpus_order_and_smoothing_only_raises_it(examples, random):
    hypotheses, references = [h for h, _ in examples], [r for _, r in examples]
    score = corpus_bleu(references, hypotheses)
    assert 0.0 <= score <= 1.0 + 1e-12
    assert corpus_bleu(references, hypotheses, smooth=True) >= score - 1e-12
    order = list(range(len(examples)))
    random.shuffle(order)
    shuffled = corpus_bleu([references[i] for i in order], [hypotheses[i] for i in order])
    assert np.isclose(shuffled, score)


@given(st.lists(WORDS.filter(lambda words: len(words) >= 4), min_size=1, max_size=5))
def test_a_hypothesis_equal_to_its_reference_scores_one(sentences):
    assert np.isclose(corpus_bleu([[s] for s in sentences], sentences), 1.0)


@given(st.integers(1, 6), st.integers(0, 4), st.randoms())
def test_recall_at_k_grows_with_k_reaches_one_and_ignores_scale(queries, extra, random):
    candidates = queries + extra
    # Small integers: ties happen, and scaling by 2 and shifting keep them exact.
    similarity = np.array([[random.randint(-3, 3) for _ in range(candidates)] for _ in range(queries)], float)
    recalls = recall_at_k(similarity, k=list(range(1, candidates + 1)))
    values = [recalls[k] for k in sorted(recalls)]
    assert values == sorted(values) and values[-1] == 1.0
    # Ranking is what counts: a positive scale and a shift per query change nothing.
    shifted = 2.0 * similarity + np.arange(queries)[:, None]
    assert recall_at_k(shifted, k=list(range(1, candidates + 1))) == recalls
    # Ties count against the query: a constant similarity ranks nothing first.
    if candidates > 1:
        assert recall_at_k(np.ones((queries, candidates)), k=1) == 0.0
