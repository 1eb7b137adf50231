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
