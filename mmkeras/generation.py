"""Greedy and beam search as one compiled loop over a batch.

Both run a fixed number of steps with `keras.ops.fori_loop` on fixed-shape
tensors, so the whole search is one graph that XLA can compile (no Python
loop calling the model once per token). A decoder is described by a step
function:

    logits, state = step_fn(tokens, state)
    logits, state, weights = step_fn(tokens, state)   # with attention

with `tokens` `(B,)` int32, `logits` `(B, vocab_size)`, `weights` `(B, N)`
(what the step attended to, e.g. N image regions) and `state` any nest of
tensors with the batch as their first axis. Put everything a step needs
per example (e.g. the image features it attends over) in the state: beam
search repeats the state for every beam and reorders it as beams are
pruned. `lstm_decoder_step` builds both for `mmkeras.layers.LSTMDecoder`,
`language_model_step` for a `mmkeras.layers.TransformerLanguageModel` (with
its key/value cache, or recomputing the sequence at every step).

Every search returns a `SearchResult`; greedy search equals beam search
with `beam_width=1`, tokens, scores and attention alike, and sampling with
`top_k=1`.
"""

import collections

import keras
from keras import ops

_NEG_INF = -1e9
# Where the searches' loop carries keep which sequences have ended.
_FINISHED = 5


class SearchResult(collections.namedtuple("SearchResult", ["tokens", "scores", "attention"])):
    """What a search returns.

    Attributes:
        tokens: int32 `(B, max_length)`, the generated tokens with `end_id`
            included and `pad_id` after it.
        scores: float32 `(B,)`, each sequence's total log-probability (its
            end token included, nothing after it).
        attention: float32 `(B, max_length, N)`, the step function's
            attention weights at every generated token (zeros after the
            end token), or `None` when the step function returns none.

    Example:

    >>> table = np.log(np.array([[.1, .1, .8], [.1, .1, .8], [.1, .8, .1]]))
    >>> step = lambda tokens, state: (keras.ops.take(table, tokens, axis=0), state)
    >>> result = greedy_search(step, {"x": np.zeros((1, 1))}, start_id=0, end_id=1, max_length=4)
    >>> result._fields, result.attention is None
    (('tokens', 'scores', 'attention'), True)
    """

    __slots__ = ()


def _check_search_args(start_id, end_id, max_length, vocab_size=None):
    for name, value in (("start_id", start_id), ("end_id", end_id), ("max_length", max_length)):
        if not isinstance(value, int) or value < 0 or (name == "max_length" and value < 1):
            raise ValueError(f"`{name}` must be a non-negative int (max_length >= 1). Received: {name}={value!r}")
    if vocab_size is not None and (not isinstance(vocab_size, int) or vocab_size <= max(start_id, end_id)):
        raise ValueError(
            f"`vocab_size` must be an int above start_id and end_id. Received: vocab_size={vocab_size!r}"
        )


def _batch_size(state):
    leaves = keras.tree.flatten(state)
    if not leaves:
        raise ValueError(
            "`initial_state` must hold at least one tensor with the batch as its first axis, "
            "so the search knows the batch size. Received an empty state."
        )
    return ops.shape(leaves[0])[0]


def _call_step(step_fn, tokens, state):
    """Run one step; the weights are float32 `(B, N)`, or `(B, 0)` if none."""
    outputs = step_fn(tokens, state)
    if not isinstance(outputs, (tuple, list)) or len(outputs) not in (2, 3):
        raise ValueError(
            "`step_fn` must return `(logits, state)` or `(logits, state, weights)`. "
            f"Received: {type(outputs).__name__} of length {len(outputs) if isinstance(outputs, (tuple, list)) else '-'}"
        )
    logits, state = outputs[0], outputs[1]
    if len(outputs) == 3 and outputs[2] is not None:
        weights = ops.cast(outputs[2], "float32")
    else:
        weights = ops.zeros((ops.shape(logits)[0], 0), "float32")
    return ops.log_softmax(ops.cast(logits, "float32"), axis=-1), state, weights


def _run(step_fn, start_tokens, state, max_length, update, make_carry):
    """Step 0 outside the loop (it fixes the attention and vocabulary widths), the rest inside.

    The loop stops when every sequence has ended (`carry[_FINISHED]` all
    true), not only after `max_length` steps: the steps after it would only
    write padding.
    """
    log_probs, state, weights = _call_step(step_fn, start_tokens, state)
    carry = update(0, log_probs, state, weights, make_carry(state, ops.shape(weights)[-1], ops.shape(log_probs)[-1]))

    def unfinished(i, carry):
        return ops.logical_and(i < max_length, ops.logical_not(ops.all(carry[_FINISHED])))

    def body(i, carry):
        log_probs, state, weights = _call_step(step_fn, carry[0], carry[1])
        return i + 1, update(i, log_probs, state, weights, carry)

    return ops.while_loop(unfinished, body, (ops.convert_to_tensor(1, "int32"), carry))[1]


def greedy_search(step_fn, initial_state, start_id, end_id, max_length, pad_id=0):
    """Decode by taking the most likely token at every step.

    Args:
        step_fn: `(tokens (B,), state) -> (logits (B, V), state[, weights (B, N)])`.
        initial_state: a nest of tensors, batch first.
        start_id, end_id: ids of the start and end tokens.
        max_length: number of tokens to generate (the start token excluded).
        pad_id: written after a sequence's end token.

    Returns:
        A `SearchResult` `(tokens, scores, attention)`.

    Example:

    >>> import numpy as np
    >>> table = np.log(np.array([[.1, .1, .8], [.1, .1, .8], [.1, .8, .1]]))
    >>> step = lambda tokens, state: (keras.ops.take(table, tokens, axis=0), state)
    >>> result = greedy_search(step, {"x": np.zeros((1, 1))}, start_id=0, end_id=1, max_length=4)
    >>> keras.ops.convert_to_numpy(result.tokens).tolist()
    [[2, 1, 0, 0]]
    """
    _check_search_args(start_id, end_id, max_length)
    choose = lambda i, log_probs, noise: ops.cast(ops.argmax(log_probs, axis=-1), "int32")  # noqa: E731
    return _decode_one_by_one(step_fn, initial_state, start_id, end_id, max_length, pad_id, choose)


def sample_search(
    step_fn, initial_state, start_id, end_id, max_length, temperature=1.0, top_k=None, seed=None, pad_id=0
):
    """Decode by drawing every token from the model's distribution.

    The logits are divided by `temperature` (below 1 sharpens, above 1
    flattens), everything outside the `top_k` most likely tokens is
    dropped, and a token is drawn from the rest. The draws use the
    Gumbel-max trick, `argmax(logits / temperature + g)` with Gumbel noise
    `g` drawn for every step before the loop starts, so the loop itself
    holds no random state and compiles on every backend; the same `seed`
    draws the same tokens. `top_k=1` is greedy search.

    Args:
        step_fn, initial_state, start_id, end_id, max_length, pad_id: as in
            `greedy_search`.
        temperature: float > 0.
        top_k: optional int >= 1, sample among the k most likely tokens only.
        seed: optional int, for reproducible draws.

    Returns:
        A `SearchResult`; `scores` are the model's own log-probabilities
        of the drawn tokens (before temperature and top-k).

    Example:

    >>> import numpy as np
    >>> table = np.log(np.array([[.1, .1, .4, .4], [.1, .1, .4, .4], [.1, .8, .05, .05], [.1, .8, .05, .05]]))
    >>> step = lambda tokens, state: (keras.ops.take(table, tokens, axis=0), state)
    >>> drawn = sample_search(step, {"x": np.zeros((6, 1))}, start_id=0, end_id=1, max_length=3, top_k=2, seed=1)
    >>> sorted(set(keras.ops.convert_to_numpy(drawn.tokens)[:, 0].tolist()))
    [2, 3]
    """
    _check_search_args(start_id, end_id, max_length)
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or temperature <= 0:
        raise ValueError(
            f"`temperature` must be a number > 0 (use greedy_search for temperature 0). "
            f"Received: temperature={temperature!r}"
        )
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
        raise ValueError(f"`top_k` must be None or an int >= 1. Received: top_k={top_k!r}")

    def choose(i, log_probs, noise):
        scaled = log_probs / float(temperature)
        if top_k is not None:
            # By index, not by a threshold, so ties at the k-th place keep exactly k tokens.
            best = ops.top_k(log_probs, k=min(top_k, log_probs.shape[-1]))[1]
            kept = ops.sum(ops.one_hot(best, log_probs.shape[-1]), axis=1) > 0
            scaled = ops.where(kept, scaled, _NEG_INF)
        return ops.cast(ops.argmax(scaled + ops.take(noise, i, axis=0), axis=-1), "int32")

    def draw_noise(batch, vocab_size):
        uniform = keras.random.uniform((max_length, batch, vocab_size), minval=1e-7, maxval=1.0, seed=seed)
        return -ops.log(-ops.log(uniform))

    return _decode_one_by_one(step_fn, initial_state, start_id, end_id, max_length, pad_id, choose, draw_noise)


def _decode_one_by_one(step_fn, initial_state, start_id, end_id, max_length, pad_id, choose, draw_noise=None):
    """Greedy and sampled decoding: `choose(step, log_probs, noise)` picks each token."""
    batch = _batch_size(initial_state)
    positions = ops.arange(max_length, dtype="int32")[None, :]

    def update(i, log_probs, state, weights, carry):
        _, _, output, scores, attention, finished, noise = carry
        chosen = choose(i, log_probs, noise)
        chosen_log_prob = ops.squeeze(ops.take_along_axis(log_probs, chosen[:, None], axis=1), axis=1)
        scores = scores + ops.where(finished, 0.0, chosen_log_prob)
        at_step = ops.logical_and(positions == i, ops.logical_not(finished)[:, None])
        output = ops.where(at_step, chosen[:, None], output)
        attention = ops.where(at_step[..., None], weights[:, None, :], attention)
        chosen = ops.where(finished, pad_id, chosen)
        finished = ops.logical_or(finished, chosen == end_id)
        return chosen, state, output, scores, attention, finished, noise

    def make_carry(state, width, vocab_size):
        return (
            None,
            state,
            ops.full((batch, max_length), pad_id, dtype="int32"),
            ops.zeros((batch,), "float32"),
            ops.zeros((batch, max_length, width), "float32"),
            ops.zeros((batch,), dtype="bool"),
            ops.zeros((1,), "float32") if draw_noise is None else draw_noise(batch, vocab_size),
        )

    start = ops.full((batch,), start_id, dtype="int32")
    _, _, tokens, scores, attention, _, _ = _run(step_fn, start, initial_state, max_length, update, make_carry)
    return _result(tokens, scores, attention)


def _result(tokens, scores, attention):
    return SearchResult(tokens, scores, attention if attention.shape[-1] != 0 else None)


def beam_search(
    step_fn, initial_state, vocab_size, start_id, end_id, max_length, beam_width=3, length_penalty=0.0, pad_id=0
):
    """Keep the `beam_width` most likely partial sequences at every step.

    Each beam's score is the sum of its tokens' log-probabilities. A beam
    that produced `end_id` is finished: it continues only with `pad_id` at
    no cost, so its score stays fixed. At the end the best beam per
    example is chosen by `score / length ** length_penalty` (0 compares
    raw log-probabilities, which favours short sequences; about 0.6-1.0
    compensates). A beam wider than the vocabulary works: the surplus
    beams carry a score of about -1e9 and never win.

    Args:
        step_fn: `(tokens (B*K,), state) -> (logits (B*K, V), state[, weights (B*K, N)])`.
        initial_state: a nest of tensors with batch size B (repeated here
            for the K beams).
        vocab_size: V, the width of the logits.
        start_id, end_id, max_length, pad_id: as in `greedy_search`.
        beam_width: K.
        length_penalty: exponent of the length normalisation.

    Returns:
        A `SearchResult` for the best beam of each example; `scores` are
        total log-probabilities (not length-normalised).

    Example:

    Token 2 is likely after the start, and the end (1) after token 2:

    >>> table = np.log(np.array([[.1, .1, .8], [.1, .1, .8], [.1, .8, .1]]))
    >>> step = lambda tokens, state: (keras.ops.take(table, tokens, axis=0), state)
    >>> result = beam_search(step, {"x": np.zeros((1, 1))}, vocab_size=3, start_id=0, end_id=1,
    ...                      max_length=4, beam_width=2)
    >>> keras.ops.convert_to_numpy(result.tokens).tolist()
    [[2, 1, 0, 0]]
    """
    _check_search_args(start_id, end_id, max_length, vocab_size)
    if not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")
    if not isinstance(length_penalty, (int, float)) or length_penalty < 0:
        raise ValueError(f"`length_penalty` must be a number >= 0. Received: length_penalty={length_penalty!r}")
    width = beam_width
    batch = _batch_size(initial_state)
    state = keras.tree.map_structure(lambda x: ops.repeat(x, width, axis=0), initial_state)
    positions = ops.arange(max_length, dtype="int32")[None, None, :]
    vocab = ops.arange(vocab_size, dtype="int32")
    pad_only = ops.where(vocab == pad_id, 0.0, _NEG_INF)
    # All beams start identical: only the first may expand at step 0.
    first_scores = ops.concatenate([ops.zeros((1,)), ops.full((width - 1,), _NEG_INF)])

    def update(i, log_probs, state, weights, carry):
        _, _, sequences, scores, attention, finished = carry
        log_probs = ops.reshape(log_probs, (batch, width, vocab_size))
        log_probs = ops.where(finished[..., None], pad_only[None, None, :], log_probs)
        candidates = ops.reshape(scores[..., None] + log_probs, (batch, width * vocab_size))
        scores, index = ops.top_k(candidates, k=width)
        beam = ops.cast(index // vocab_size, "int32")
        chosen = ops.cast(index % vocab_size, "int32")
        was_finished = ops.take_along_axis(finished, beam, axis=1)
        at_step = ops.logical_and(positions == i, ops.logical_not(was_finished)[..., None])
        sequences = ops.take_along_axis(sequences, beam[..., None], axis=1)
        sequences = ops.where(at_step, chosen[..., None], sequences)
        weights = ops.reshape(weights, (batch, width, -1))
        weights = ops.take_along_axis(weights, beam[..., None], axis=1)
        attention = ops.take_along_axis(attention, beam[..., None, None], axis=1)
        attention = ops.where(at_step[..., None], weights[:, :, None, :], attention)
        finished = ops.logical_or(was_finished, chosen == end_id)
        rows = ops.reshape(ops.arange(batch, dtype="int32")[:, None] * width + beam, (-1,))
        state = keras.tree.map_structure(lambda x: ops.take(x, rows, axis=0), state)
        return ops.reshape(chosen, (-1,)), state, sequences, scores, attention, finished

    def make_carry(state, attention_width, _):
        return (
            None,
            state,
            ops.full((batch, width, max_length), pad_id, dtype="int32"),
            ops.tile(first_scores[None, :], (batch, 1)),
            ops.zeros((batch, width, max_length, attention_width), "float32"),
            ops.zeros((batch, width), dtype="bool"),
        )

    start = ops.full((batch * width,), start_id, dtype="int32")
    _, _, sequences, scores, attention, _ = _run(step_fn, start, state, max_length, update, make_carry)
    lengths = ops.sum(ops.cast(sequences != pad_id, "float32"), axis=-1)
    normalized = scores / ops.power(ops.maximum(lengths, 1.0), float(length_penalty))
    best = ops.cast(ops.argmax(normalized, axis=-1), "int32")
    return _result(
        ops.squeeze(ops.take_along_axis(sequences, best[:, None, None], axis=1), axis=1),
        ops.squeeze(ops.take_along_axis(scores, best[:, None], axis=1), axis=1),
        ops.squeeze(ops.take_along_axis(attention, best[:, None, None, None], axis=1), axis=1),
    )


def lstm_decoder_step(decoder, features, features_mask=None):
    """Step function and initial state for a `mmkeras.layers.LSTMDecoder`.

    The state carries the decoder's `[h, c]`, the features it attends over
    (their attention keys, computed once, and their mask), so beam search
    can repeat and reorder them. The
    step function returns the decoder's attention weights over the
    features, which the searches collect per generated token.

    Returns:
        `(step_fn, initial_state)` for `greedy_search` / `beam_search`.

    Example:

    >>> from mmkeras.layers import LSTMDecoder
    >>> decoder = LSTMDecoder(vocab_size=5, embedding_dim=4, units=8)
    >>> regions = keras.ops.ones((2, 9, 6))
    >>> _ = decoder([keras.ops.ones((2, 3), "int32"), regions])  # builds the decoder
    >>> step, state = lstm_decoder_step(decoder, regions)
    >>> result = greedy_search(step, state, start_id=1, end_id=2, max_length=4)
    >>> tuple(result.tokens.shape), tuple(result.attention.shape)
    ((2, 4), (2, 4, 9))
    """
    h, c = decoder.initial_state(features, features_mask)
    state = {"h": h, "c": c, "features": features, "keys": decoder.attention_keys(features)}
    if features_mask is not None:
        state["mask"] = features_mask

    def step_fn(tokens, state):
        logits, (h, c), weights = decoder.step(
            tokens, [state["h"], state["c"]], state["features"], state.get("mask"), keys=state["keys"]
        )
        return logits, dict(state, h=h, c=c), weights

    return step_fn, state


def language_model_step(language_model, prefix, max_length, padding_mask=None, prefix_length=None, use_cache=True):
    """Step function and initial state for a `mmkeras.layers.TransformerLanguageModel`.

    `prefix` is what comes before the first generated token, already in the
    model's width: image tokens, a prompt's token embeddings, or both.
    With `use_cache=True` the prefix runs through the model once, filling
    its key/value cache, and every step then runs one position against
    the cache. With `use_cache=False` every step runs the model over the
    whole sequence again (prefix and every token so far, at fixed shape),
    which is what decoding costs without a cache; the tokens are the same
    (tested), only the time differs (`benchmarks/kv_cache.py`).

    Args:
        language_model: a built `TransformerLanguageModel`.
        prefix: float `(B, P, hidden_dim)`.
        max_length: int, tokens to generate; `P + max_length` must fit the
            model's `max_length`.
        padding_mask: optional boolean `(B, P)`, `False` at padded prefix
            positions (a short prompt in a padded batch).
        prefix_length: optional int or int `(B,)`, the bidirectional part,
            as the model was trained.
        use_cache: bool, decode with the key/value cache.

    Returns:
        `(step_fn, initial_state)` for `greedy_search`, `sample_search` and
        `beam_search`.

    Example:

    >>> from mmkeras.layers import TransformerLanguageModel
    >>> model = TransformerLanguageModel(vocabulary_size=7, max_length=8, hidden_dim=8,
    ...                                  num_layers=1, num_heads=2, intermediate_dim=16)
    >>> image_tokens = keras.ops.zeros((2, 3, 8))
    >>> _ = model(keras.ops.ones((2, 1), "int32"), prefix=image_tokens, prefix_length=3)  # builds it
    >>> step, state = language_model_step(model, image_tokens, max_length=5)
    >>> tuple(greedy_search(step, state, start_id=1, end_id=2, max_length=5).tokens.shape)
    (2, 5)
    """
    if len(prefix.shape) != 3:
        raise ValueError(f"`prefix` must have shape (batch, length, hidden_dim). Received shape {tuple(prefix.shape)}.")
    if not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"`max_length` must be a positive int. Received: max_length={max_length!r}")
    batch, prefix_size = ops.shape(prefix)[0], prefix.shape[1]
    total = prefix_size + max_length
    if total > language_model.max_length:
        raise ValueError(
            f"A prefix of {prefix_size} positions plus max_length={max_length} generated tokens needs "
            f"{total} positions, but the language model holds {language_model.max_length}. "
            "Generate fewer tokens or shorten the prompt."
        )
    if padding_mask is None:
        padding_mask = ops.ones((batch, prefix_size), "bool")
    padding_mask = ops.concatenate(
        [ops.cast(padding_mask, "bool"), ops.ones((batch, max_length), "bool")], axis=1
    )
    position = ops.full((batch,), prefix_size, dtype="int32")
    if not use_cache:
        state = {"prefix": prefix, "tokens": ops.zeros((batch, max_length), "int32"), "position": position,
                 "padding_mask": padding_mask}
        columns = ops.arange(max_length, dtype="int32")[None, :]

        def recompute_step(tokens, state):
            written = state["position"][0] - prefix_size
            sequence = ops.where(columns == written, tokens[:, None], state["tokens"])
            logits = language_model(
                sequence, prefix=state["prefix"], padding_mask=state["padding_mask"], prefix_length=prefix_length
            )
            return ops.take(logits, state["position"][0], axis=1), dict(
                state, tokens=sequence, position=state["position"] + 1
            )

        return recompute_step, state

    cache = language_model.initial_cache(batch, total)
    _, cache = language_model.call_with_cache(
        prefix, cache, 0, padding_mask=padding_mask, prefix_length=prefix_length
    )
    state = {"cache": cache, "position": position, "padding_mask": padding_mask}

    def cached_step(tokens, state):
        logits, cache = language_model.call_with_cache(
            language_model.token_embedding(tokens[:, None]), state["cache"], state["position"][0],
            padding_mask=state["padding_mask"],
        )
        return logits[:, 0], dict(state, cache=cache, position=state["position"] + 1)

    return cached_step, state


def ctc_greedy_decode(logits, lengths=None, blank_id=0, pad_id=-1):
    """Best-path CTC decoding, batched, with ops XLA compiles.

    Takes the most likely class of every frame, merges runs of the same
    class and drops blanks ("--hh-e-ll-lo" -> "hello"), then packs each
    sequence's labels to the front. `keras.ops.ctc_decode` does the same
    but does not compile with XLA on TensorFlow; this uses only argmax,
    comparisons, a cumulative sum and a one-hot product.

    Args:
        logits: `(B, T, C)` per-frame class scores (logits or
            probabilities; only their argmax matters).
        lengths: optional int `(B,)`, the valid frames of each sequence
            (frames after it are ignored). Defaults to all `T`.
        blank_id: the CTC blank class.
        pad_id: written after each sequence's last label.

    Returns:
        `(labels, label_lengths)`: int32 `(B, T)` and int32 `(B,)`.

    Example:

    >>> frames = keras.ops.one_hot([[0, 3, 3, 0, 3, 5, 5, 0]], 6)
    >>> labels, length = ctc_greedy_decode(frames)
    >>> keras.ops.convert_to_numpy(labels)[0, :3].tolist(), int(length[0])
    ([3, 3, 5], 3)
    """
    if len(logits.shape) != 3:
        raise ValueError(f"`logits` must have shape (batch, frames, classes). Received shape {tuple(logits.shape)}.")
    best = ops.cast(ops.argmax(logits, axis=-1), "int32")
    frames = ops.shape(best)[1]
    previous = ops.concatenate([ops.full_like(best[:, :1], -1), best[:, :-1]], axis=1)
    keep = ops.logical_and(best != blank_id, best != previous)
    if lengths is not None:
        valid = ops.arange(frames, dtype="int32")[None, :] < ops.cast(lengths, "int32")[:, None]
        keep = ops.logical_and(keep, valid)
    keep = ops.cast(keep, "int32")
    slot = ops.cumsum(keep, axis=1) - 1
    # placement[b, t, s] = 1 when frame t's label goes to slot s.
    placement = ops.one_hot(ops.where(keep > 0, slot, frames), frames + 1, dtype="int32")[..., :frames]
    labels = ops.einsum("bts,bt->bs", placement, best)
    label_lengths = ops.sum(keep, axis=1)
    filled = ops.arange(frames, dtype="int32")[None, :] < label_lengths[:, None]
    return ops.where(filled, labels, pad_id), label_lengths
