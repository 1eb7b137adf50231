"""Whisper's decoder as a step function for `mmkeras.generation`'s searches, with a key/value cache."""

import keras
import numpy as np
from keras import ops

_NEG_INF = -1e9


def whisper_encoder(backbone):
    """The encoder half of a `WhisperBackbone` as its own model, sharing its layers.

    The backbone's forward pass runs the decoder too; transcribing runs the
    encoder once per clip and then the decoder once per token.

    Returns:
        A `keras.Model` from log-mel features `(B, frames, mels)` to
        `(B, frames // 2, hidden_dim)`.

    Example:

    >>> import keras_hub
    >>> backbone = keras_hub.models.WhisperBackbone(vocabulary_size=20, num_layers=1, num_heads=2, hidden_dim=8,
    ...     intermediate_dim=16, num_mels=4, max_encoder_sequence_length=8, max_decoder_sequence_length=12)
    >>> tuple(whisper_encoder(backbone)(keras.ops.ones((2, 8, 4))).shape)
    (2, 4, 8)
    """
    return keras.Model(backbone.input["encoder_features"], backbone.output["encoder_sequence_output"],
                       name=f"{backbone.name}_encoder")


def _decoder_parts(backbone):
    embedding = backbone.get_layer("decoder_token_and_position_embedding")
    # The token layer is called rather than its table read, so a quantized backbone (int8 table and its
    # scale) decodes through the layer's own quantized lookup and reverse projection.
    return (embedding.token_embedding, embedding.position_embedding.position_embeddings,
            backbone.decoder_transformer_layers, backbone.get_layer("decoder_layer_norm"))


def _attention(query, keys, values, mask=None):
    """Scaled dot-product attention: `query` `(B, K, Tq, heads, d)` against `keys` and `values`
    `(B, Tk, heads, d)`, which the K rows of an example (its beams) share; `mask` `(Tq, Tk)`."""
    scores = ops.einsum("bkqhd,bshd->bkhqs", query / ops.sqrt(float(query.shape[-1])), keys)
    if mask is not None:
        scores = ops.where(mask, scores, _NEG_INF)
    return ops.einsum("bkhqs,bshd->bkqhd", ops.softmax(scores, axis=-1), values)


def _suppression(vocabulary_size, token_ids):
    bias = np.zeros((vocabulary_size,), "float32")
    bias[[int(t) for t in token_ids]] = _NEG_INF
    return bias


def _allowed_table(allowed_sequences, end_id):
    """The allowed sequences as int32 `(S, L)`, each ending with `end_id` and padded with -1."""
    sequences = [[int(t) for t in sequence] + [end_id] for sequence in allowed_sequences]
    if not sequences or any(len(sequence) < 2 for sequence in sequences):
        raise ValueError("`allowed_sequences` must be a non-empty list of non-empty token id lists. "
                         f"Received: {allowed_sequences!r:.120}")
    width = max(len(sequence) for sequence in sequences)
    return np.array([sequence + [-1] * (width - len(sequence)) for sequence in sequences], "int32")


def whisper_decoder_step(backbone, encoder_output, prompt_ids, max_length, end_id, suppress_ids=(),
                         suppress_at_begin=(), allowed_sequences=None, use_cache=True):
    """Step function, initial state and start token for decoding with a keras-hub `WhisperBackbone`.

    The prompt (for English-only Whisper `<|startoftranscript|>
    <|notimestamps|>`) runs through the decoder once; its last token is
    the start token of the search. With `use_cache=True` every step then
    runs one position: its keys and values are written into a cache of
    the whole sequence, and the encoder's keys and values, computed once
    per clip, are shared by all the beams of a clip instead of copied into
    each. With `use_cache=False` every step runs the decoder over the
    whole sequence again, which is what decoding costs without a cache.

    Whisper's decoding rules are logit masks: `suppress_ids` are never
    written (non-speech symbols, other special tokens), `suppress_at_begin`
    not as the first token (a blank, the end). `allowed_sequences`
    constrains the output to one of a list of token sequences, e.g. the
    ten digit words: at every step only a token that continues one of the
    sequences still consistent with what was written may be chosen.

    Args:
        backbone: a `keras_hub.models.WhisperBackbone` (see
            `load_whisper_backbone`).
        encoder_output: float `(B, positions, hidden_dim)`, the backbone's
            `encoder_sequence_output`.
        prompt_ids: list of ints, the decoder's prompt.
        max_length: int, tokens to generate at most.
        end_id: the end-of-text id (written by `allowed_sequences`' ends).
        suppress_ids: ids never generated.
        suppress_at_begin: ids not generated first.
        allowed_sequences: optional list of token id lists.
        use_cache: bool.

    Returns:
        `(step_fn, initial_state, start_id)` for `greedy_search` and
        `beam_search` (with `start_id=start_id`).

    Example:

    >>> import keras_hub
    >>> from mmkeras.generation import greedy_search
    >>> backbone = keras_hub.models.WhisperBackbone(vocabulary_size=20, num_layers=1, num_heads=2, hidden_dim=8,
    ...     intermediate_dim=16, num_mels=4, max_encoder_sequence_length=8, max_decoder_sequence_length=12)
    >>> encoded = keras.ops.ones((2, 4, 8))
    >>> step, state, start = whisper_decoder_step(backbone, encoded, [3, 4], max_length=5, end_id=1)
    >>> tuple(greedy_search(step, state, start_id=start, end_id=1, max_length=5).tokens.shape)
    (2, 5)
    """
    prompt_ids = [int(t) for t in prompt_ids]
    if not prompt_ids:
        raise ValueError("`prompt_ids` must hold at least one token (Whisper's <|startoftranscript|>).")
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
        raise ValueError(f"`max_length` must be a positive int. Received: max_length={max_length!r}")
    total = len(prompt_ids) + max_length
    if total > backbone.max_decoder_sequence_length:
        raise ValueError(
            f"A prompt of {len(prompt_ids)} tokens plus max_length={max_length} needs {total} positions, but the "
            f"decoder holds {backbone.max_decoder_sequence_length}. Generate fewer tokens."
        )
    token_embedding, position_table, layers, final_norm = _decoder_parts(backbone)
    vocabulary_size = int(token_embedding.input_dim)
    batch = ops.shape(encoder_output)[0]
    heads = layers[0].num_heads
    head_dim = backbone.hidden_dim // heads
    begin = len(prompt_ids) - 1
    suppress = ops.convert_to_tensor(_suppression(vocabulary_size, suppress_ids))
    suppress_first = ops.convert_to_tensor(_suppression(vocabulary_size, list(suppress_ids) + list(suppress_at_begin)))
    cross = [(layer._cross_attention_layer._key_dense(encoder_output),
              layer._cross_attention_layer._value_dense(encoder_output)) for layer in layers]
    table = None if allowed_sequences is None else ops.convert_to_tensor(_allowed_table(allowed_sequences, end_id))

    def embed(tokens, first_position):
        positions = first_position + ops.arange(ops.shape(tokens)[1], dtype="int32")
        return token_embedding(tokens) + ops.take(position_table, positions, axis=0)[None]

    def heads_of(dense, x):
        return ops.reshape(dense(x), (ops.shape(x)[0], ops.shape(x)[1], heads, head_dim))

    def block(layer, x, index, self_attention):
        """One pre-norm decoder block; `self_attention(normed)` returns the self-attended values."""
        beams, length = ops.shape(x)[0] // batch, ops.shape(x)[1]
        x = x + self_attention(layer._self_attention_layer_norm(x))
        attention = layer._cross_attention_layer
        normed = layer._cross_attention_layer_norm(x)
        query = ops.reshape(heads_of(attention._query_dense, normed), (batch, beams, length, heads, head_dim))
        attended = ops.reshape(_attention(query, *cross[index]), (batch * beams, length, heads, head_dim))
        x = x + attention._output_dense(attended)
        normed = layer._feedforward_layer_norm(x)
        return x + layer._feedforward_output_dense(layer._feedforward_intermediate_dense(normed))

    def self_attention(layer, keys, values, mask):
        """Attention of `normed` over `keys` and `values` `(rows, Tk, heads, d)`, each row its own."""
        attention = layer._self_attention_layer

        def attend(normed):
            rows, length = ops.shape(normed)[0], ops.shape(normed)[1]
            query = ops.reshape(heads_of(attention._query_dense, normed), (rows, 1, length, heads, head_dim))
            attended = _attention(query, keys, values, mask)
            return attention._output_dense(ops.reshape(attended, (rows, length, heads, head_dim)))

        return attend

    def cached_self_attention(layer, caches, position, mask):
        """Writes the new positions' keys and values into `caches` (a `[keys, values]` list) first."""
        attention = layer._self_attention_layer

        def attend(normed):
            start = (0, position, 0, 0)
            caches[0] = ops.slice_update(caches[0], start, heads_of(attention._key_dense, normed))
            caches[1] = ops.slice_update(caches[1], start, heads_of(attention._value_dense, normed))
            return self_attention(layer, caches[0], caches[1], mask)(normed)

        return attend

    def finish_step(hidden, tokens, state, new_state):
        generated = state["position"][0] - begin
        logits = token_embedding(final_norm(hidden), reverse=True)
        logits = logits + ops.where(generated == 0, suppress_first, suppress)[None, :]
        if table is None:
            return logits, new_state
        # Which allowed sequences the tokens so far (the last one is `tokens`) still follow, then what may come next.
        alive = state["alive"]
        width = table.shape[1]
        previous = ops.take(table, ops.maximum(generated - 1, 0), axis=1)
        alive = ops.where(generated > 0, ops.logical_and(alive, previous[None, :] == tokens[:, None]), alive)
        following = ops.take(table, ops.minimum(generated, width - 1), axis=1)
        following = ops.where(ops.logical_and(alive, generated < width), following[None, :], -1)
        # -1 (no sequence continues) goes to an extra class that is cut off.
        following = ops.where(following >= 0, following, vocabulary_size)
        allowed = ops.max(ops.one_hot(following, vocabulary_size + 1), axis=1)[:, :vocabulary_size] > 0
        return ops.where(allowed, logits, _NEG_INF), dict(new_state, alive=alive)

    prompt = ops.tile(ops.convert_to_tensor([prompt_ids], "int32"), (batch, 1))
    state = {"position": ops.full((batch,), begin, "int32")}
    if table is not None:
        state["alive"] = ops.ones((batch, table.shape[0]), "bool")
    visible = ops.arange(total)[None, :] <= ops.arange(total)[:, None]

    if use_cache:
        caches = []
        x = embed(prompt[:, :begin], 0) if begin else None
        for index, layer in enumerate(layers):
            cache = [ops.zeros((batch, total, heads, head_dim)), ops.zeros((batch, total, heads, head_dim))]
            if begin:
                x = block(layer, x, index, cached_self_attention(layer, cache, 0, visible[:begin]))
            caches.append(cache)
        state["caches"] = caches

        def cached_step(tokens, state):
            position = state["position"][0]
            x = embed(tokens[:, None], position)
            caches = [list(cache) for cache in state["caches"]]
            mask = ops.take(visible, position[None], axis=0)
            for index, layer in enumerate(layers):
                x = block(layer, x, index, cached_self_attention(layer, caches[index], position, mask))
            new_state = dict(state, caches=caches, position=state["position"] + 1)
            return finish_step(x[:, 0], tokens, state, new_state)

        return cached_step, state, prompt_ids[-1]

    state["tokens"] = ops.concatenate([prompt, ops.zeros((batch, max_length), "int32")], axis=1)
    columns = ops.arange(total, dtype="int32")[None, :]

    def recompute_step(tokens, state):
        position = state["position"][0]
        sequence = ops.where(columns == position, tokens[:, None], state["tokens"])
        x = embed(sequence, 0)
        for index, layer in enumerate(layers):
            attention = layer._self_attention_layer

            def attend(normed, attention=attention, layer=layer):
                keys, values = heads_of(attention._key_dense, normed), heads_of(attention._value_dense, normed)
                return self_attention(layer, keys, values, visible)(normed)

            x = block(layer, x, index, attend)
        new_state = dict(state, tokens=sequence, position=state["position"] + 1)
        return finish_step(ops.take(x, position, axis=1), tokens, state, new_state)

    return recompute_step, state, prompt_ids[-1]
