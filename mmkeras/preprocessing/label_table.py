"""Label names to ids and back, eagerly and inside `tf.data`."""

import collections

import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.tokenizer import as_string_tensor


class LabelTable:
    """The label names a task chooses from, in the order of its outputs.

    A task's preprocessor holds one and stores `labels` in its config, so a
    task trained on your own labels answers with them.

    Args:
        labels: two or more distinct, non-empty names.

    Example:

    >>> table = LabelTable(["walk", "jump", "wave"])
    >>> table.ids(["wave", "walk"]).numpy().tolist(), table.names([1])
    ([2, 0], ['jump'])
    """

    def __init__(self, labels):
        if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
            raise TypeError(f"`labels` must be a list of label names. Received: labels={labels!r:.60}")
        labels = [str(label) for label in labels]
        repeated = [label for label, count in collections.Counter(labels).items() if count > 1]
        if len(labels) < 2 or repeated or not all(labels):
            raise ValueError(
                "`labels` must hold two or more distinct, non-empty names. "
                f"Received {len(labels)} labels, repeated: {repeated[:5]}."
            )
        self.labels = labels
        self._to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(labels), tf.range(len(labels), dtype=tf.int32)),
            default_value=-1,
        )

    def __len__(self):
        return len(self.labels)

    def names(self, ids):
        """The names of label ids (any ints), as a list of strings."""
        return [self.labels[int(i)] for i in np.asarray(ids).reshape(-1)]

    def ids(self, labels):
        """int32 ids of label names (strings), or label ids (ints) checked to be in range.

        Unknown names and ids out of range raise a `ValueError` eagerly and
        fail the `tf.data` pipeline with the same message inside one.
        """
        if isinstance(labels, (list, tuple, np.ndarray)) and len(labels) and not isinstance(
            np.asarray(labels).flat[0], (str, bytes, np.str_, np.bytes_)
        ):
            labels = tf.convert_to_tensor(np.asarray(labels))
        count = len(self.labels)
        if isinstance(labels, tf.Tensor) and labels.dtype.is_integer:
            ids = tf.cast(labels, tf.int32)
            if tf.executing_eagerly():
                values = ids.numpy()
                bad = sorted(set(values[(values < 0) | (values >= count)].tolist()))
                if bad:
                    raise ValueError(f"Label ids must be in [0, {count}). Received: {bad[:5]}")
                return ids
            checks = [
                tf.debugging.assert_non_negative(ids, message=f"label ids must be in [0, {count})"),
                tf.debugging.assert_less(ids, count, message=f"label ids must be in [0, {count})"),
            ]
            with tf.control_dependencies(checks):
                return tf.identity(ids)
        labels = as_string_tensor(labels)
        ids = self._to_id.lookup(labels)
        if tf.executing_eagerly():
            unknown = sorted({label.decode("utf-8") for label in labels.numpy()[ids.numpy() < 0]})
            if unknown:
                raise ValueError(
                    f"Unknown labels {unknown[:5]}: this preprocessor knows {self.labels[:10]}"
                    f"{'...' if count > 10 else ''}. Build the task with every label of your data."
                )
            return ids
        check = tf.debugging.assert_non_negative(ids, message="a label is not one of the labels this preprocessor knows")
        with tf.control_dependencies([check]):
            return tf.identity(ids)
