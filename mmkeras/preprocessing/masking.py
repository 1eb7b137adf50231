"""Masked-language-model inputs, made inside `tf.data`."""

import tensorflow as tf


def mask_tokens(ids, mask_id, vocab_size, first_regular_id, rate=0.15, seed=None):
    """Choose tokens to predict and corrupt them as BERT does.

    Each regular token (id >= `first_regular_id`; padding and the other
    reserved tokens are never chosen) is chosen with probability `rate`.
    A chosen token becomes `[MASK]` 80% of the time, a random regular token
    10% of the time, and stays itself 10% of the time, so the model cannot
    learn that only `[MASK]` positions matter.

    Args:
        ids: int tensor `(B, L)`.
        mask_id: the `[MASK]` id.
        vocab_size: int, for the random replacements.
        first_regular_id: the first id that is not a reserved token.
        rate: float in (0, 1), share of tokens to predict.
        seed: optional int, seed of the random choices.

    Returns:
        `(inputs, labels, weights)`: the corrupted ids, the original ids,
        and float32 weights that are 1 at chosen positions and 0 elsewhere
        (pass them as `sample_weight`, so the loss only counts chosen tokens).

    Example:

    >>> ids = keras.ops.convert_to_tensor([[5, 6, 7, 8, 9, 10, 0, 0]] * 4)
    >>> inputs, labels, weights = mask_tokens(ids, mask_id=4, vocab_size=12, first_regular_id=5, rate=0.5, seed=1)
    >>> bool(keras.ops.all(labels == ids)), bool(keras.ops.all(keras.ops.where(ids == 0, weights, 0.0) == 0))
    (True, True)
    """
    if not 0.0 < rate < 1.0:
        raise ValueError(f"`rate` must be in (0, 1). Received: rate={rate!r}")
    ids = tf.convert_to_tensor(ids)
    if ids.shape.rank != 2 or not ids.dtype.is_integer:
        raise ValueError(
            f"`ids` must be an integer tensor (batch, length). Received dtype "
            f"{ids.dtype.name}, shape {ids.shape}."
        )
    shape = tf.shape(ids)
    draws = tf.random.uniform(shape, seed=seed)
    kinds = tf.random.uniform(shape, seed=None if seed is None else seed + 1)
    chosen = (ids >= first_regular_id) & (draws < rate)
    random_ids = tf.random.uniform(
        shape, minval=first_regular_id, maxval=vocab_size, dtype=ids.dtype,
        seed=None if seed is None else seed + 2,
    )
    corrupted = tf.where(chosen & (kinds < 0.8), tf.cast(mask_id, ids.dtype), ids)
    corrupted = tf.where(chosen & (kinds >= 0.8) & (kinds < 0.9), random_ids, corrupted)
    return corrupted, ids, tf.cast(chosen, tf.float32)
