import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.generation import SearchResult
from mmkeras.generation import beam_search
from mmkeras.generation import ctc_greedy_decode
from mmkeras.generation import greedy_search
from mmkeras.generation import language_model_step
from mmkeras.generation import lstm_decoder_step
from mmkeras.generation import sample_search
from mmkeras.layers import LSTMDecoder
from mmkeras.layers import TransformerLanguageModel

START, END, PAD = 1, 2, 0
# A Markov chain over 5 tokens where the greedy choice is a trap: from the
# start, token 3 (0.5) beats token 4 (0.4), but 3 leads anywhere while 4
# leads to END with certainty.
TRANSITIONS = np.full((5, 5), 1e-6)
TRANSITIONS[START] = [1e-6, 1e-6, 0.1, 0.5, 0.4]
TRANSITIONS[3] = [1e-6, 0.3, 0.3, 0.2, 0.2]
TRANSITIONS[4] = [1e-6, 1e-6, 1.0, 1e-6, 1e-6]
TRANSITIONS[END] = [1.0, 1e-6, 1e-6, 1e-6, 1e-6]
TRANSITIONS /= TRANSITIONS.sum(1, keepdims=True)
LOG_T = np.log(TRANSITIONS).astype("float32")


def table_step(log_table):
    def step(tokens, state):
        return keras.ops.take(keras.ops.convert_to_tensor(log_table), tokens, axis=0), state

    return step


def table_step_with_attention(log_table):
    """A step that 'attends' to the position of the token it was given."""
    size = log_table.shape[0]

    def step(tokens, state):
        weights = keras.ops.one_hot(tokens, size)
        return keras.ops.take(keras.ops.convert_to_tensor(log_table), tokens, axis=0), state, weights

    return step


def chain_log_prob(log_table, tokens):
    previous, total = START, 0.0
    for token in tokens:
        total += log_table[previous, token]
        if token == END:
            break
        previous = token
    return total


def numpy_result(result):
    return SearchResult(*(None if part is None else keras.ops.convert_to_numpy(part) for part in result))


def random_log_table(size, seed):
    table = np.random.default_rng(seed).random((size, size)).astype("float32") ** 3 + 1e-3
    table[:, START] = 1e-6
    return np.log(table / table.sum(1, keepdims=True)).astype("float32")


def test_greedy_takes_the_trap_and_beam_avoids_it():
    state = {"dummy": np.zeros((2, 1), "float32")}
    greedy = numpy_result(greedy_search(table_step(LOG_T), state, START, END, max_length=4))
    assert greedy.tokens[0].tolist()[0] == 3
    assert greedy.attention is None
    np.testing.assert_allclose(greedy.scores, chain_log_prob(LOG_T, greedy.tokens[0]), rtol=1e-4)
    beam = numpy_result(beam_search(table_step(LOG_T), state, 5, START, END, max_length=4, beam_width=3))
    assert beam.tokens[0].tolist() == [4, END, PAD, PAD]
    np.testing.assert_allclose(beam.scores[0], chain_log_prob(LOG_T, beam.tokens[0]), rtol=1e-4)
    assert beam.scores[0] > greedy.scores[0]


def test_beam_search_finds_the_exhaustive_best_sequence():
    log_table = random_log_table(6, seed=0)
    best = max(itertools.product(range(6), repeat=3), key=lambda s: chain_log_prob(log_table, s))
    found = numpy_result(
        beam_search(table_step(log_table), {"s": np.zeros((1, 1))}, 6, START, END, max_length=3, beam_width=36))
    assert chain_log_prob(log_table, found.tokens[0]) == pytest.approx(chain_log_prob(log_table, best), abs=1e-5)
    assert float(found.scores[0]) == pytest.approx(chain_log_prob(log_table, best), abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_equals_beam_search_of_width_one(seed):
    log_table = random_log_table(7, seed)
    state = {"s": np.zeros((4, 1))}
    step = table_step_with_attention(log_table)
    greedy = numpy_result(greedy_search(step, state, START, END, max_length=6))
    beam = numpy_result(beam_search(step, state, 7, START, END, max_length=6, beam_width=1))
    np.testing.assert_array_equal(greedy.tokens, beam.tokens)
    np.testing.assert_allclose(greedy.scores, beam.scores, rtol=1e-6)
    np.testing.assert_array_equal(greedy.attention, beam.attention)


def test_attention_is_recorded_for_every_generated_token():
    state = {"s": np.zeros((1, 1))}
    for result in (
        greedy_search(table_step_with_attention(LOG_T), state, START, END, max_length=4),
        beam_search(table_step_with_attention(LOG_T), state, 5, START, END, max_length=4, beam_width=3),
    ):
        tokens, _, attention = numpy_result(result)
        assert attention.shape == (1, 4, 5)
        # Step t attends to the token it was fed: START, then token t-1.
        fed = [START] + tokens[0].tolist()
        for t, token in enumerate(tokens[0]):
            expected = np.zeros(5) if token == PAD else np.eye(5)[fed[t]]
            np.testing.assert_array_equal(attention[0, t], expected)


def test_end_token_at_the_first_step():
    log_table = np.log(np.full((5, 5), 0.1, "float32"))
    log_table[START, END] = np.log(0.6)
    state = {"s": np.zeros((3, 1))}
    greedy = numpy_result(greedy_search(table_step(log_table), state, START, END, max_length=4))
    beam = numpy_result(beam_search(table_step(log_table), state, 5, START, END, max_length=4, beam_width=3))
    for result in (greedy, beam):
        np.testing.assert_array_equal(result.tokens, [[END, PAD, PAD, PAD]] * 3)
        np.testing.assert_allclose(result.scores, np.log(0.6), rtol=1e-5)


def test_beam_wider_than_the_vocabulary_and_a_batch_of_one():
    log_table = random_log_table(4, seed=3)
    best = max(itertools.product(range(4), repeat=3), key=lambda s: chain_log_prob(log_table, s))
    result = numpy_result(
        beam_search(table_step(log_table), {"s": np.zeros((1, 1))}, 4, START, END, max_length=3, beam_width=10))
    assert result.tokens.shape == (1, 3) and result.scores.shape == (1,)
    assert result.scores[0] == pytest.approx(chain_log_prob(log_table, best), abs=1e-4)
    assert set(result.tokens[0]) <= set(range(4))


def test_length_penalty_prefers_the_longer_sequence():
    # From START: END at 0.5 or token 3 at 0.45; from 3: END at 0.9.
    # Raw: log 0.5 = -0.69 beats log 0.45 + log 0.9 = -0.90.
    # Per token (penalty 1): -0.69 / 1 loses to -0.90 / 2 = -0.45.
    table = np.full((5, 5), 1e-6, "float32")
    table[START, END], table[START, 3] = 0.5, 0.45
    table[3, END], table[3, 4] = 0.9, 0.1
    log_table = np.log(table / table.sum(1, keepdims=True))
    state = {"s": np.zeros((1, 1))}
    raw = numpy_result(beam_search(table_step(log_table), state, 5, START, END, 3, beam_width=2))
    penalised = numpy_result(beam_search(table_step(log_table), state, 5, START, END, 3, 2, length_penalty=1.0))
    assert raw.tokens[0].tolist() == [END, PAD, PAD]
    assert penalised.tokens[0].tolist() == [3, END, PAD]
    assert penalised.scores[0] == pytest.approx(chain_log_prob(log_table, [3, END]), abs=1e-4)


def test_searches_compile_with_xla_and_drive_the_lstm_decoder():
    decoder = LSTMDecoder(vocab_size=12, embedding_dim=4, units=8)
    features = np.random.default_rng(0).random((3, 5, 6)).astype("float32")
    decoder([np.ones((3, 4), "int32"), features])

    @tf.function(jit_compile=True)
    def generate(features):
        step_fn, state = lstm_decoder_step(decoder, features)
        greedy = greedy_search(step_fn, state, START, END, max_length=6)
        beam = beam_search(step_fn, state, 12, START, END, max_length=6, beam_width=4)
        return greedy, beam

    greedy, beam = (numpy_result(r) for r in generate(tf.constant(features)))
    assert greedy.tokens.shape == beam.tokens.shape == (3, 6) and greedy.tokens.dtype == np.int32
    assert greedy.attention.shape == beam.attention.shape == (3, 6, 5)
    # Greedy equals stepping the decoder by hand, weights included.
    state = decoder.initial_state(features)
    tokens = np.full(3, START, "int32")
    for t in range(6):
        logits, state, weights = decoder.step(tokens, state, features)
        tokens = keras.ops.convert_to_numpy(keras.ops.argmax(logits, -1)).astype("int32")
        live = ~np.isin(greedy.tokens[:, :t], END).any(1)
        np.testing.assert_array_equal(greedy.tokens[:, t], np.where(live, tokens, PAD))
        np.testing.assert_allclose(greedy.attention[live, t], keras.ops.convert_to_numpy(weights)[live], atol=1e-5)


def test_errors():
    state = {"s": np.zeros((1, 1))}
    with pytest.raises(ValueError, match="max_length"):
        greedy_search(table_step(LOG_T), state, START, END, max_length=0)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(table_step(LOG_T), state, 5, START, END, 3, beam_width=0)
    with pytest.raises(ValueError, match="vocab_size"):
        beam_search(table_step(LOG_T), state, 2, START, END, 3)
    with pytest.raises(ValueError, match="length_penalty"):
        beam_search(table_step(LOG_T), state, 5, START, END, 3, length_penalty=-1)
    with pytest.raises(ValueError, match="empty state"):
        greedy_search(table_step(LOG_T), {}, START, END, 3)
    with pytest.raises(ValueError, match=r"\(logits, state\)"):
        greedy_search(lambda tokens, state: tokens, state, START, END, 3)


def first_tokens(**kwargs):
    state = {"s": np.zeros((4000, 1))}
    return numpy_result(sample_search(table_step(LOG_T), state, START, END, max_length=2, **kwargs)).tokens[:, 0]


def test_sampling_draws_from_the_distribution_sharpened_by_temperature_and_cut_by_top_k():
    probabilities = TRANSITIONS[START]
    counts = np.bincount(first_tokens(seed=0), minlength=5) / 4000
    # 4000 draws: a standard error of at most 0.008 per frequency.
    np.testing.assert_allclose(counts, probabilities, atol=0.03)
    cold = probabilities ** 2 / (probabilities ** 2).sum()
    np.testing.assert_allclose(np.bincount(first_tokens(temperature=0.5, seed=1), minlength=5) / 4000, cold, atol=0.03)
    assert set(first_tokens(top_k=2, seed=2).tolist()) == {3, 4}
    np.testing.assert_array_equal(first_tokens(seed=5), first_tokens(seed=5))
    assert not np.array_equal(first_tokens(seed=5), first_tokens(seed=6))


def test_sampling_with_top_k_one_is_greedy_search_and_scores_are_model_log_probabilities():
    state = {"s": np.zeros((3, 1))}
    greedy = numpy_result(greedy_search(table_step(LOG_T), state, START, END, max_length=4))
    sampled = numpy_result(sample_search(table_step(LOG_T), state, START, END, max_length=4, top_k=1,
                                         temperature=3.0, seed=0))
    np.testing.assert_array_equal(sampled.tokens, greedy.tokens)
    np.testing.assert_allclose(sampled.scores, greedy.scores, rtol=1e-6)


def test_sampling_errors():
    state = {"s": np.zeros((1, 1))}
    with pytest.raises(ValueError, match="temperature=0"):
        sample_search(table_step(LOG_T), state, START, END, 3, temperature=0)
    with pytest.raises(ValueError, match="top_k=0"):
        sample_search(table_step(LOG_T), state, START, END, 3, top_k=0)


def language_model():
    keras.utils.set_random_seed(4)
    model = TransformerLanguageModel(23, 16, 16, num_layers=2, num_heads=2, intermediate_dim=32)
    model(np.ones((1, 2), "int32"))
    return model


def test_cached_language_model_decoding_gives_exactly_the_tokens_of_recomputation_and_compiles():
    model = language_model()
    rng = np.random.default_rng(0)
    prefix = rng.normal(size=(3, 5, 16)).astype("float32")
    # The second prompt is two positions shorter, padded.
    mask = np.array([[True] * 5, [True] * 3 + [False] * 2, [True] * 5])

    @tf.function(jit_compile=True)
    def generate(prefix, use_cache):
        step_fn, state = language_model_step(model, prefix, 9, padding_mask=mask, prefix_length=5,
                                             use_cache=use_cache)
        return (greedy_search(step_fn, state, START, 22, 9),
                beam_search(step_fn, state, 23, START, 22, 9, beam_width=3),
                sample_search(step_fn, state, START, 22, 9, seed=7))

    cached = [numpy_result(r) for r in generate(tf.constant(prefix), True)]
    recomputed = [numpy_result(r) for r in generate(tf.constant(prefix), False)]
    for with_cache, without in zip(cached, recomputed):
        np.testing.assert_array_equal(with_cache.tokens, without.tokens)
        np.testing.assert_allclose(with_cache.scores, without.scores, rtol=1e-4, atol=1e-4)
    # Greedy equals argmax over the logits of the full sequence, step by step.
    tokens = np.full((3, 1), START, "int32")
    for _ in range(9):
        full_mask = np.concatenate([mask, np.ones((3, tokens.shape[1]), bool)], axis=1)
        logits = keras.ops.convert_to_numpy(model(tokens, prefix=prefix, padding_mask=full_mask, prefix_length=5))
        tokens = np.concatenate([tokens, logits[:, -1].argmax(-1)[:, None].astype("int32")], axis=1)
    np.testing.assert_array_equal(cached[0].tokens, tokens[:, 1:])
    # The padded prompt positions matter only through the mask: other values there change nothing.
    noisy = prefix.copy()
    noisy[1, 3:] = 100.0
    np.testing.assert_array_equal(numpy_result(generate(tf.constant(noisy), True)[0]).tokens[1], cached[0].tokens[1])


def test_language_model_step_errors():
    model = language_model()
    with pytest.raises(ValueError, match="needs 19 positions, but the language model holds 16"):
        language_model_step(model, np.zeros((1, 10, 16), "float32"), 9)
    with pytest.raises(ValueError, match=r"\(batch, length, hidden_dim\). Received shape \(10, 16\)"):
        language_model_step(model, np.zeros((10, 16), "float32"), 3)
    with pytest.raises(ValueError, match="max_length=0"):
        language_model_step(model, np.zeros((1, 2, 16), "float32"), 0)


def test_ctc_greedy_decode_merges_repeats_drops_blanks_and_respects_lengths():
    paths = np.array([
        [0, 3, 3, 0, 3, 5, 5, 0],   # 3 3 5: a blank separates the two 3s
        [4, 4, 4, 4, 0, 0, 2, 2],   # 4 2, but only 5 frames are valid: 4
        [0, 0, 0, 0, 0, 0, 0, 0],   # nothing
    ])
    logits = np.eye(6, dtype="float32")[paths] * 5.0
    labels, lengths = ctc_greedy_decode(logits, lengths=np.array([8, 5, 8]))
    labels, lengths = keras.ops.convert_to_numpy(labels), keras.ops.convert_to_numpy(lengths)
    assert lengths.tolist() == [3, 1, 0]
    assert labels.tolist() == [[3, 3, 5, -1, -1, -1, -1, -1], [4] + [-1] * 7, [-1] * 8]
    compiled = tf.function(ctc_greedy_decode, jit_compile=True)
    xla_labels, xla_lengths = compiled(tf.constant(logits), tf.constant([8, 8, 8]))
    assert xla_lengths.numpy().tolist() == [3, 2, 0]
    assert xla_labels.numpy()[1, :2].tolist() == [4, 2]
    # Same answer as Keras's own (non-XLA) greedy decoder.
    keras_labels, _ = keras.ops.ctc_decode(logits, np.array([8, 8, 8]), strategy="greedy", mask_index=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras_labels)[0], xla_labels.numpy())
    with pytest.raises(ValueError, match=r"\(batch, frames, classes\)"):
        ctc_greedy_decode(np.zeros((2, 8)))
