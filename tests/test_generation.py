import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.generation import beam_search
from mmkeras.generation import greedy_search
from mmkeras.generation import lstm_decoder_step
from mmkeras.layers import LSTMDecoder

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


def markov_step(tokens, state):
    logits = keras.ops.take(keras.ops.convert_to_tensor(LOG_T), tokens, axis=0)
    return logits, state


def chain_log_prob(log_table, tokens):
    previous, total = START, 0.0
    for token in tokens:
        total += log_table[previous, token]
        if token == END:
            break
        previous = token
    return total


def test_greedy_takes_the_trap_and_beam_avoids_it():
    state = {"dummy": np.zeros((2, 1), "float32")}
    greedy = keras.ops.convert_to_numpy(greedy_search(markov_step, state, START, END, max_length=4))
    assert greedy[0].tolist()[0] == 3
    tokens, scores = beam_search(markov_step, state, 5, START, END, max_length=4, beam_width=3)
    tokens, scores = keras.ops.convert_to_numpy(tokens), keras.ops.convert_to_numpy(scores)
    assert tokens[0].tolist() == [4, END, PAD, PAD]
    np.testing.assert_allclose(scores[0], chain_log_prob(LOG_T, tokens[0]), rtol=1e-4)
    assert chain_log_prob(LOG_T, tokens[0]) > chain_log_prob(LOG_T, greedy[0])


def test_beam_search_finds_the_exhaustive_best_sequence():
    rng = np.random.default_rng(0)
    table = rng.random((6, 6)).astype("float32") ** 3 + 1e-3
    table[:, START] = 1e-6
    log_table = np.log(table / table.sum(1, keepdims=True)).astype("float32")

    def step(tokens, state):
        return keras.ops.take(keras.ops.convert_to_tensor(log_table), tokens, axis=0), state

    def score(sequence):
        return chain_log_prob(log_table, sequence)

    best = max(itertools.product(range(6), repeat=3), key=score)
    tokens, found = beam_search(step, {"s": np.zeros((1, 1))}, 6, START, END, max_length=3, beam_width=36)
    assert score(keras.ops.convert_to_numpy(tokens)[0]) == pytest.approx(score(best), abs=1e-5)
    assert float(keras.ops.convert_to_numpy(found)[0]) == pytest.approx(score(best), abs=1e-4)


def test_searches_compile_with_xla_and_drive_the_lstm_decoder():
    decoder = LSTMDecoder(vocab_size=12, embedding_dim=4, units=8)
    features = np.random.default_rng(0).random((3, 5, 6)).astype("float32")
    decoder([np.ones((3, 4), "int32"), features])

    @tf.function(jit_compile=True)
    def generate(features):
        step_fn, state = lstm_decoder_step(decoder, features)
        greedy = greedy_search(step_fn, state, START, END, max_length=6)
        beam, _ = beam_search(step_fn, state, 12, START, END, max_length=6, beam_width=4)
        return greedy, beam

    greedy, beam = (t.numpy() for t in generate(tf.constant(features)))
    assert greedy.shape == beam.shape == (3, 6) and greedy.dtype == np.int32
    # Greedy equals stepping the decoder by hand.
    state = decoder.initial_state(features)
    tokens = np.full(3, START, "int32")
    for t in range(6):
        logits, state, _ = decoder.step(tokens, state, features)
        tokens = keras.ops.convert_to_numpy(keras.ops.argmax(logits, -1)).astype("int32")
        expected = np.where(np.isin(greedy[:, :t], END).any(1), PAD, tokens)
        np.testing.assert_array_equal(greedy[:, t], expected)


def test_errors():
    with pytest.raises(ValueError, match="max_length"):
        greedy_search(markov_step, {"s": np.zeros((1, 1))}, START, END, max_length=0)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(markov_step, {"s": np.zeros((1, 1))}, 5, START, END, 3, beam_width=0)
    with pytest.raises(ValueError, match="vocab_size"):
        beam_search(markov_step, {"s": np.zeros((1, 1))}, 2, START, END, 3)
