"""Greedy and beam search as one compiled loop over a batch.

Both run a fixed number of steps with `keras.ops.fori_loop` on fixed-shape
tensors, so the whole search is one graph that XLA can compile (no Python
loop calling the model once per token). A decoder is described by a step
function:

    logits, state = step_fn(tokens, state)

with `tokens` `(B,)` int32, `logits` `(B, vocab_size)`, and `state` any
nest of tensors with the batch as their first axis. Put everything a step
needs per example (e.g. the image features it attends over) in the state:
beam search repeats the state for every beam and reorders it as beams are
pruned. `lstm_decoder_step` builds both for `mmkeras.layers.LSTMDecoder`.
"""

import keras
from keras import ops

_NEG_INF = -1e9


def _check_search_args(start_id, end_id, max_length, vocab_size=None):
    for name, value in (("start_id", start_id), ("end_id", end_id), ("max_length", max_length)):
        if not isinstance(value, int) or value < 0 or (name == "max_length" and value < 1):
            raise ValueError(f"`{name}` must be a non-negative int (max_length >= 1). Received: {name}={value!r}")
    if vocab_size is not None and (not isinstance(vocab_size, int) or vocab_size <= max(start_id, end_id)):
        raise ValueError(
            f"`vocab_size` must be an int above start_id and end_id. Received: vocab_size={vocab_size!r}"
        )


def _batch_size(state):
    return ops.shape(keras.tree.flatten(state)[0])[0]


def greedy_search(step_fn, initial_state, start_id, end_id, max_length, pad_id=0):
    """Decode by taking the most likely token at every step.

    Args:
        step_fn: `(tokens (B,), state) -> (logits (B, V), state)`.
        initial_state: a nest of tensors, batch first.
        start_id, end_id: ids of the start and end tokens.
        max_length: number of tokens to generate (the start token excluded).
        pad_id: written after a sequence's end token.

    Returns:
        int32 `(B, max_length)`: the generated tokens, `end_id` included,
        `pad_id` after it.
    """
    _check_search_args(start_id, end_id, max_length)
    batch = _batch_size(initial_state)
    positions = ops.arange(max_length, dtype="int32")[None, :]

    def body(i, carry):
        tokens, state, output, finished = carry
        logits, state = step_fn(tokens, state)
        chosen = ops.cast(ops.argmax(logits, axis=-1), "int32")
        chosen = ops.where(finished, pad_id, chosen)
        output = ops.where(positions == i, chosen[:, None], output)
        finished = ops.logical_or(finished, chosen == end_id)
        return chosen, state, output, finished

    carry = (
        ops.full((batch,), start_id, dtype="int32"),
        initial_state,
        ops.zeros((batch, max_length), dtype="int32") + pad_id,
        ops.zeros((batch,), dtype="bool"),
    )
    return ops.fori_loop(0, max_length, body, carry)[2]


def beam_search(
    step_fn, initial_state, vocab_size, start_id, end_id, max_length, beam_width=3, length_penalty=0.0, pad_id=0
):
    """Keep the `beam_width` most likely partial sequences at every step.

    Each beam's score is the sum of its tokens' log-probabilities. A beam
    that produced `end_id` is finished: it continues only with `pad_id` at
    no cost, so its score stays fixed. At the end the best beam per
    example is chosen by `score / length ** length_penalty` (0 compares
    raw log-probabilities, which favours short sequences; about 0.6-1.0
    compensates).

    Args:
        step_fn: `(tokens (B*K,), state) -> (logits (B*K, V), state)`.
        initial_state: a nest of tensors with batch size B (repeated here
            for the K beams).
        vocab_size: V, the width of the logits.
        start_id, end_id, max_length, pad_id: as in `greedy_search`.
        beam_width: K.
        length_penalty: exponent of the length normalisation.

    Returns:
        `(tokens, scores)`: the best sequence per example, int32
        `(B, max_length)`, and its total log-probability `(B,)`.
    """
    _check_search_args(start_id, end_id, max_length, vocab_size)
    if not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")
    width = beam_width
    batch = _batch_size(initial_state)
    state = keras.tree.map_structure(lambda x: ops.repeat(x, width, axis=0), initial_state)
    positions = ops.arange(max_length, dtype="int32")[None, None, :]
    vocab = ops.arange(vocab_size, dtype="int32")
    pad_only = ops.where(vocab == pad_id, 0.0, _NEG_INF)
    # All beams start identical: only the first may expand at step 0.
    first_scores = ops.concatenate([ops.zeros((1,)), ops.full((width - 1,), _NEG_INF)])

    def body(i, carry):
        tokens, state, sequences, scores, finished = carry
        logits, state = step_fn(tokens, state)
        log_probs = ops.reshape(ops.log_softmax(ops.cast(logits, "float32"), axis=-1), (batch, width, vocab_size))
        log_probs = ops.where(finished[..., None], pad_only[None, None, :], log_probs)
        candidates = ops.reshape(scores[..., None] + log_probs, (batch, width * vocab_size))
        scores, index = ops.top_k(candidates, k=width)
        beam = ops.cast(index // vocab_size, "int32")
        chosen = ops.cast(index % vocab_size, "int32")
        sequences = ops.take_along_axis(sequences, beam[..., None], axis=1)
        sequences = ops.where(positions == i, chosen[..., None], sequences)
        finished = ops.logical_or(ops.take_along_axis(finished, beam, axis=1), chosen == end_id)
        rows = ops.reshape(ops.arange(batch, dtype="int32")[:, None] * width + beam, (-1,))
        state = keras.tree.map_structure(lambda x: ops.take(x, rows, axis=0), state)
        return ops.reshape(chosen, (-1,)), state, sequences, scores, finished

    carry = (
        ops.full((batch * width,), start_id, dtype="int32"),
        state,
        ops.zeros((batch, width, max_length), dtype="int32") + pad_id,
        ops.tile(first_scores[None, :], (batch, 1)),
        ops.zeros((batch, width), dtype="bool"),
    )
    _, _, sequences, scores, _ = ops.fori_loop(0, max_length, body, carry)
    lengths = ops.sum(ops.cast(sequences != pad_id, "float32"), axis=-1)
    normalized = scores / ops.power(ops.maximum(lengths, 1.0), length_penalty)
    best = ops.cast(ops.argmax(normalized, axis=-1), "int32")
    tokens = ops.squeeze(ops.take_along_axis(sequences, best[:, None, None], axis=1), axis=1)
    return tokens, ops.squeeze(ops.take_along_axis(scores, best[:, None], axis=1), axis=1)


def lstm_decoder_step(decoder, features, features_mask=None):
    """Step function and initial state for a `mmkeras.layers.LSTMDecoder`.

    The state carries the decoder's `[h, c]` and the features it attends
    over (and their mask), so beam search can repeat and reorder them.

    Returns:
        `(step_fn, initial_state)` for `greedy_search` / `beam_search`.
    """
    h, c = decoder.initial_state(features, features_mask)
    state = {"h": h, "c": c, "features": features}
    if features_mask is not None:
        state["mask"] = features_mask

    def step_fn(tokens, state):
        logits, (h, c), _ = decoder.step(tokens, [state["h"], state["c"]], state["features"], state.get("mask"))
        return logits, dict(state, h=h, c=c)

    return step_fn, state
