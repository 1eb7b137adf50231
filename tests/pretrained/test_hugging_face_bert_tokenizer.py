import numpy as np
import tensorflow as tf

from tests.pretrained.conftest import TEXTS


def _rows(features):
    ids, mask = features["token_ids"].numpy(), features["padding_mask"].numpy().astype(bool)
    return [row[keep].tolist() for row, keep in zip(ids, mask)]


def test_token_ids_are_the_reference_tokenizers_in_tf_data_and_eagerly(reference, embedder):
    assert embedder.preprocessor.sequence_length == reference["max_seq_length"] == 256
    # Inside tf.data (keras-hub's TensorFlow path), as fit and predict run it.
    in_graph = [ids for batch in tf.data.Dataset.from_tensor_slices(TEXTS).batch(8).map(embedder.preprocessor)
                for ids in _rows(batch)]
    assert in_graph == reference["ids"]
    # Eagerly (keras-hub's Python path), one text at a time, cut and wrapped as the preprocessor does.
    tokenizer = embedder.preprocessor.tokenizer
    eager = [[101, *np.asarray(tokenizer(text)).tolist()[:254], 102] for text in TEXTS]
    assert eager == reference["ids"]


def test_keras_hubs_own_tokenizer_would_give_other_ids_for_some_of_these_texts(reference, embedder):
    # Why the tokenizer is replaced: the same vocabulary, keras-hub's normalization.
    import keras_hub

    own = keras_hub.tokenizers.BertTokenizer(vocabulary=embedder.preprocessor.tokenizer.get_vocabulary(),
                                             lowercase=True)
    differing = [text for text, ids in zip(TEXTS, reference["ids"])
                 if [101, *np.asarray(own(text)).tolist()[:254], 102] != ids]
    assert {"Straße ﬁne 🙂", "ＲＥＤ Circle", "a\u200bb"} <= set(differing), differing
