"""Losses the book's models need beyond Keras's own."""

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
