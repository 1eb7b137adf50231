"""`tf.data` pipelines from raw examples through a task's preprocessor."""

import numpy as np
import tensorflow as tf


def preprocessed_dataset(preprocessor, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
    """Batches of raw examples mapped through `preprocessor`, for `fit`.

    Args:
        preprocessor: a task's preprocessor (`mmkeras.tasks.Preprocessor`),
            or `None` to pass the data through unchanged.
        x: raw inputs: arrays, lists (of image paths, strings), a dict of
            those, or a `tf.data.Dataset` whose elements are raw *batches*
            (`x` or `(x, y)` or `(x, y, sample_weight)`).
        y: raw targets (label names, captions...) when `x` is not a dataset.
        sample_weight: optional per-example weights.
        batch_size: examples per batch when `x` is not a dataset (32 by
            default).
        shuffle: shuffle the examples every epoch (not for datasets, which
            are taken as they come).

    Returns:
        A prefetched `tf.data.Dataset` of what `preprocessor` returns.
    """
    if isinstance(x, tf.data.Dataset):
        if y is not None or sample_weight is not None:
            raise ValueError(
                "`x` is a tf.data.Dataset, so its elements must carry the targets: "
                "pass y and sample_weight inside it, not as arguments."
            )
        if batch_size is not None:
            raise ValueError(
                "`x` is a tf.data.Dataset: batch it yourself (dataset.batch(n)) "
                f"instead of passing batch_size={batch_size!r}."
            )
        dataset = x
    else:
        if x is None:
            raise ValueError("`x` is None: pass the raw inputs (or a tf.data.Dataset of raw batches).")
        if batch_size is None:
            batch_size = 32
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
        if y is None and sample_weight is not None:
            raise ValueError("`sample_weight` needs `y`.")
        check_raw_examples(x, y, sample_weight)
        elements = tuple(part for part in (x, y, sample_weight) if part is not None)
        elements = elements[0] if len(elements) == 1 else elements
        dataset = tf.data.Dataset.from_tensor_slices(_as_sliceable(elements))
        count = int(dataset.cardinality())
        if count == 0:
            raise ValueError("There are no examples in `x`.")
        if shuffle:
            dataset = dataset.shuffle(count, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size)
    if preprocessor is not None:
        dataset = dataset.map(lambda *batch: preprocessor(*batch), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


TEXT_KEYS = ("text", "prompt")


def _count(value):
    if isinstance(value, (list, tuple)):
        return len(value)
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape):
        return None if shape[0] is None else int(shape[0])
    return None


def check_raw_examples(x, y=None, sample_weight=None):
    """Refuse raw examples that cannot be paired up, naming the parts and their counts.

    Every part of a dict `x`, the targets and the weights must hold the
    same number of examples, none may be `None`, and the texts (`"text"`,
    `"prompt"`) must be strings. Raises ValueError or TypeError.
    """
    if isinstance(x, dict):
        parts = {f"x[{key!r}]": value for key, value in x.items()}
    else:
        parts = {"x": x}
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            parts[name] = value
    for name, value in parts.items():
        if value is None:
            raise ValueError(f"{name} is None: every part of the examples needs one value per example.")
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name} is a single {type(value).__name__}, {value!r:.60}: pass a list, one per example.")
    counts = {name: _count(value) for name, value in parts.items()}
    known = {count for count in counts.values() if count is not None}
    if len(known) > 1:
        raise ValueError(
            "Every part of the examples must hold the same number of them. Received "
            + ", ".join(f"{name}: {count}" for name, count in counts.items()) + "."
        )
    if isinstance(x, dict):
        for key in TEXT_KEYS:
            texts = x.get(key)
            if isinstance(texts, (list, tuple)) or (isinstance(texts, np.ndarray) and texts.dtype == object):
                for index, text in enumerate(texts):
                    if not isinstance(text, (str, bytes)):
                        raise TypeError(
                            f"x[{key!r}][{index}] is {text!r:.40} ({type(text).__name__}); every {key} must be a "
                            "string."
                        )
            elif isinstance(texts, np.ndarray) and texts.dtype.kind not in "USO":
                raise TypeError(f"x[{key!r}] holds {texts.dtype} values; every {key} must be a string.")


def _as_sliceable(structure):
    """Lists of paths and strings become string arrays, lists of waveforms
    of different lengths a ragged tensor; the rest is kept."""
    if isinstance(structure, dict):
        return {key: _as_sliceable(value) for key, value in structure.items()}
    if isinstance(structure, tuple):
        return tuple(_as_sliceable(value) for value in structure)
    if isinstance(structure, list):
        if structure and not isinstance(structure[0], (str, bytes)) and hasattr(structure[0], "__fspath__"):
            return np.asarray([str(value) for value in structure])
        if structure and isinstance(structure[0], np.ndarray) and len({item.shape for item in structure}) > 1:
            return tf.ragged.constant([np.asarray(item, "float32") for item in structure], dtype=tf.float32)
        return np.asarray(structure)
    return structure
