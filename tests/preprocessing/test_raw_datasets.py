import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing.raw_datasets import preprocessed_dataset


def test_raw_lists_are_batched_and_mapped_through_the_preprocessor():
    def preprocessor(x, y):
        return tf.strings.length(x["text"]), y * 2

    x = {"text": ["a", "bb", "ccc"]}
    batches = list(preprocessed_dataset(preprocessor, x, np.array([1, 2, 3]), batch_size=2))
    assert [b[0].numpy().tolist() for b in batches] == [[1, 2], [3]]
    assert [b[1].numpy().tolist() for b in batches] == [[2, 4], [6]]
    # A dataset of raw batches is mapped as it comes.
    raw = tf.data.Dataset.from_tensor_slices((x, [1, 2, 3])).batch(3)
    lengths, doubled = next(iter(preprocessed_dataset(preprocessor, raw)))
    assert lengths.numpy().tolist() == [1, 2, 3] and doubled.numpy().tolist() == [2, 4, 6]


def test_errors():
    raw = tf.data.Dataset.from_tensor_slices([1, 2]).batch(2)
    with pytest.raises(ValueError, match="elements must carry the targets"):
        preprocessed_dataset(None, raw, y=[1, 2])
    with pytest.raises(ValueError, match="batch it yourself"):
        preprocessed_dataset(None, raw, batch_size=4)
    with pytest.raises(ValueError, match="`x` is None"):
        preprocessed_dataset(None, None)
    with pytest.raises(ValueError, match="batch_size=0"):
        preprocessed_dataset(None, [1, 2], batch_size=0)
    with pytest.raises(ValueError, match="`sample_weight` needs `y`"):
        preprocessed_dataset(None, [1, 2], sample_weight=[1.0, 1.0])
    with pytest.raises(ValueError, match="no examples"):
        preprocessed_dataset(None, np.zeros((0, 3)))
