"""Tensors shared across data-parallel replicas, on every backend.

A contrastive loss needs every example of the global batch as a negative,
but under `tf.distribute` each replica runs the model on its own slice
and sees only that slice. `gather_from_replicas` concatenates a tensor
from every replica, in replica order, so each one can compare its
examples with the whole global batch. How that happens differs by
backend:

- TensorFlow, inside `strategy.run` or `model.fit` under a strategy with
  more than one replica: `ReplicaContext.all_gather`, which is
  differentiable. Its gradient sums the upstream gradients of every
  replica (an all-reduce) and hands each replica the slice of its own
  rows.
- JAX under `keras.distribution`: the training step is one program over
  the global batch (the batch axis is sharded, the maths is written for
  the whole of it), so a tensor is already global and is returned as is.
- PyTorch, or no distribution: one replica, returned as is.
"""

import keras


def replica_count():
    """The number of replicas whose gradients are combined each step.

    More than 1 only inside a `tf.distribute` replica context (e.g. a
    layer's `call` during `model.fit` under `MirroredStrategy`). Under
    JAX's `keras.distribution` the step is one global program, so this is 1
    there too: nothing needs gathering.

    Example:

    >>> replica_count()  # outside any strategy
    1
    """
    context = _tensorflow_replica_context()
    return 1 if context is None else int(context.num_replicas_in_sync)


def gather_from_replicas(x, axis=0):
    """`x` from every replica, concatenated along `axis` in replica order.

    Outside a multi-replica `tf.distribute` context this returns `x`
    unchanged, so a layer can call it unconditionally.

    Args:
        x: a tensor whose `axis` is this replica's share of the batch.
        axis: int, the batch axis.

    Returns:
        A tensor whose `axis` is the global batch: replica 0's rows, then
        replica 1's, and so on. Gradients flow back to the replica that
        computed each row (see the module docstring).

    Example:

    >>> x = keras.ops.convert_to_tensor([[1.0], [2.0]])
    >>> tuple(gather_from_replicas(x).shape)  # one replica: unchanged
    (2, 1)
    """
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")
    context = _tensorflow_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return x
    return context.all_gather(x, axis=axis)


def _tensorflow_replica_context():
    if keras.config.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if not tf.distribute.in_cross_replica_context() and tf.distribute.has_strategy():
        return tf.distribute.get_replica_context()
    return None
