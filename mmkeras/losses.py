"""Losses the book's models need beyond Keras's own, and a faster CTC."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mmkeras")
class SymmetricInfoNCE(keras.losses.Loss):
    """Contrastive loss over a batch of matching pairs, in both directions.

    With `logits[i, j]` the scaled similarity of `a_i` and `b_j` (from
    `mmkeras.layers.ContrastiveSimilarity`) and the pairs `(a_i, b_i)` the
    matches, each `a_i` must pick out `b_i` among all the batch's `b`
    (cross-entropy over row i) and each `b_i` must pick out `a_i` (over
    column i): `L_i = (CE(row_i, i) + CE(column_i, i)) / 2`. Every other
    example of the batch serves as a negative, so larger batches give a
    harder task.

    `y_true` is not used (the targets are the diagonal); Keras still needs
    one, so pass e.g. `np.zeros(batch_size)`.

    Under data parallelism the negatives are the global batch's, not one
    replica's: `ContrastiveSimilarity` gathers both embeddings from every
    replica during training, so each replica receives the logits of the
    whole global batch and this loss is the single-device loss of that
    batch. Gradients: each replica differentiates that same loss, scaled by
    `1 / replicas` as Keras scales every loss under `tf.distribute`. The
    gather's gradient sums what all replicas send back for each row and
    delivers it to the replica that computed the row, so a replica's own
    embeddings receive `d loss / d rows` of the global loss, and the
    summed gradients over replicas equal one device's gradient on the
    global batch (`tests/training/test_replicas.py` trains both and
    compares the weights). Under JAX's `keras.distribution` the step is one
    program over the global batch, so the same holds with no gather.

    Example:

    >>> logits = keras.ops.convert_to_tensor([[10.0, 0.0], [0.0, 10.0]])
    >>> round(float(SymmetricInfoNCE()(keras.ops.zeros(2), logits)), 4)
    0.0
    """

    def __init__(self, name="symmetric_info_nce", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        logits = ops.convert_to_tensor(y_pred)
        if len(logits.shape) != 2 or (
            logits.shape[0] is not None and logits.shape[1] is not None and logits.shape[0] != logits.shape[1]
        ):
            raise ValueError(
                "SymmetricInfoNCE expects square logits (batch, batch), row i and "
                "column i being the matching pair, as ContrastiveSimilarity gives for "
                f"two batches of equal size. Received shape {tuple(logits.shape)}."
            )
        targets = ops.arange(ops.shape(logits)[0])
        rows = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        columns = keras.losses.sparse_categorical_crossentropy(targets, ops.transpose(logits), from_logits=True)
        return (rows + columns) / 2.0

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


@keras.saving.register_keras_serializable(package="mmkeras")
class MaskedSequenceCrossEntropy(keras.losses.Loss):
    """Token cross-entropy averaged over the real (non-padding) tokens.

    For targets `(B, T)` and logits `(B, T, V)`, positions whose target is
    `pad_id` do not count, and the loss is the mean over the batch's real
    tokens. Plain `sparse_categorical_crossentropy` would also train the
    model to predict padding after every caption, and reward it for
    doing so.

    The per-token values are divided by the batch's number of real tokens
    and summed (`reduction="sum"`), so the result is the same whether or
    not the model's output carries a Keras padding mask (Keras would
    otherwise rescale a masked mean a second time).

    Args:
        pad_id: the padding id in the targets.
        from_logits: whether `y_pred` holds logits (the decoders' output)
            rather than probabilities.

    Example:

    >>> loss = MaskedSequenceCrossEntropy()
    >>> targets = keras.ops.convert_to_tensor([[5, 3, 0]])
    >>> logits = keras.ops.one_hot(targets, 8) * 20.0
    >>> round(float(loss(targets, logits)), 4)
    0.0
    """

    def __init__(self, pad_id=0, from_logits=True, name="masked_sequence_cross_entropy", dtype=None):
        super().__init__(name=name, reduction="sum", dtype=dtype)
        self.pad_id = pad_id
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true)
        if len(y_true.shape) != 2 or len(y_pred.shape) != 3:
            raise ValueError(
                "MaskedSequenceCrossEntropy expects integer targets (batch, length) and "
                f"predictions (batch, length, vocab). Received {tuple(y_true.shape)} and "
                f"{tuple(y_pred.shape)}."
            )
        y_true = ops.cast(y_true, "int32")
        per_token = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)
        mask = ops.cast(ops.not_equal(y_true, self.pad_id), per_token.dtype)
        return per_token * mask / ops.maximum(ops.sum(mask), 1.0)

    def get_config(self):
        return {"name": self.name, "pad_id": self.pad_id, "from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package="mmkeras")
class CTC(keras.losses.Loss):
    """Connectionist temporal classification loss, as `keras.losses.CTC`,
    computed by TensorFlow's own CTC kernel where it can be.

    The same loss as `keras.losses.CTC`: targets `(B, L)` of character ids
    with `0` as both the CTC blank and the padding after each transcript,
    logits `(B, T, classes)` over all `T` frames. On the TensorFlow backend
    Keras passes the targets to `tf.nn.ctc_loss` dense, which runs TF's
    graph-level implementation of the forward-backward recursion; given
    sparse targets TF runs its fused C++ kernel instead. On a 2-core CPU the
    loss and gradient of a batch of 32 utterances of 85 frames took 60 ms
    the first way and 4.4 ms the second, more than half of a speech
    recogniser's training step. This loss makes the targets sparse (the
    padding zeros dropped) whenever the kernel can run, and keeps Keras's
    dense path under XLA (`jit_compile=True`), which cannot compile the
    fused kernel, and on the other backends.

    Args:
        name: the loss's name.
        reduction: Keras's reduction over the batch's per-utterance losses.
        dtype: the dtype of the loss's computations.

    Call arguments:
        y_true: integer targets `(batch, max_length)`, `0`-padded.
        y_pred: logits `(batch, frames, classes)`, class `0` the blank.

    Returns:
        The loss reduced over the batch (`(batch,)` without reduction).

    Example:

    >>> targets = keras.ops.convert_to_tensor([[1, 2, 0]])
    >>> logits = keras.ops.convert_to_tensor(np.log(np.full((1, 6, 3), 1 / 3, "float32")))
    >>> fused, keras_loss = CTC()(targets, logits), keras.losses.CTC()(targets, logits)
    >>> bool(abs(float(fused) - float(keras_loss)) < 1e-4)
    True
    """

    def __init__(self, name="ctc", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        if len(y_true.shape) != 2 or len(y_pred.shape) != 3:
            raise ValueError(
                "CTC expects integer targets (batch, max_length), 0-padded, and logits (batch, frames, "
                f"classes). Received targets of shape {tuple(y_true.shape)} and logits of shape "
                f"{tuple(y_pred.shape)}."
            )
        if not _fused_ctc_kernel_available():
            return keras.losses.ctc(y_true, y_pred)
        import tensorflow as tf

        result_dtype = y_pred.dtype if y_pred.dtype in (tf.float32, tf.float64) else tf.float32
        logits = tf.cast(y_pred, tf.float32)
        frames = tf.fill([tf.shape(logits)[0]], tf.shape(logits)[1])
        loss = tf.nn.ctc_loss(
            labels=tf.sparse.from_dense(tf.cast(y_true, tf.int32)),
            logits=logits,
            label_length=None,
            logit_length=frames,
            logits_time_major=False,
            blank_index=0,
        )
        return tf.cast(loss, result_dtype)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


def _fused_ctc_kernel_available():
    if keras.config.backend() != "tensorflow":
        return False
    import tensorflow as tf

    # XLA cannot compile the fused kernel; a jit_compile=True trace sits in an XLA context.
    return tf.__internal__.get_enclosing_xla_context() is None
