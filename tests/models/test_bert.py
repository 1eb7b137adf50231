import keras
import numpy as np

from mmkeras.datasets import make_mlm_dataset
from mmkeras.models import build_bert_encoder
from mmkeras.models import build_bert_text_tower
from mmkeras.models import build_mlm_model
from mmkeras.models import build_product_classifier
from mmkeras.preprocessing import WordPieceTokenizer

CORPUS = ["a red circle above a blue square", "two green triangles", "a large red circle"] * 20


def test_mlm_pretraining_learns_and_the_tower_reuses_the_weights(tmp_path):
    tokenizer = WordPieceTokenizer.from_corpus(CORPUS, vocab_size=60)
    dataset = make_mlm_dataset(CORPUS, tokenizer, sequence_length=10, batch_size=16, rate=0.3)
    corrupted, labels, weights = next(iter(dataset))
    assert corrupted.shape == labels.shape == weights.shape == (16, 10)
    encoder = build_bert_encoder(tokenizer.vocabulary_size, 10, hidden_dim=16, num_layers=1, num_heads=2,
                                 intermediate_dim=32, dropout=0.0)
    mlm = build_mlm_model(encoder)
    assert mlm.output_shape == (None, 10, tokenizer.vocabulary_size)
    mlm.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    history = mlm.fit(dataset, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]

    tower = build_bert_text_tower(encoder)
    ids = tokenizer(["a red circle", "two green triangles"], 10).numpy()
    vectors = keras.ops.convert_to_numpy(tower(ids))
    assert vectors.shape == (2, 16)
    classifier = build_product_classifier(tokenizer.vocabulary_size, 3, image_size=16, text_length=10, width=8,
                                          hidden_units=8, filters=(4,), text_encoder=tower)
    shared = {id(w) for w in encoder.weights}
    assert shared <= {id(w) for w in classifier.weights}
    classifier.save(tmp_path / "classifier.keras")
    reloaded = keras.saving.load_model(tmp_path / "classifier.keras", safe_mode=True)
    inputs = {"image": np.zeros((2, 16, 16, 3), "float32"), "text": ids}
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(inputs)), keras.ops.convert_to_numpy(classifier(inputs)), rtol=1e-5
    )


def test_mean_pooling_ignores_padding():
    encoder = build_bert_encoder(30, 8, hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16, dropout=0.0)
    tower = build_bert_text_tower(encoder)
    short = np.array([[2, 7, 9, 3, 0, 0, 0, 0]])
    # Position embeddings make a token's vector depend on its position, so
    # compare equal prefixes: what follows in padding must not matter.
    pooled = keras.ops.convert_to_numpy(tower(short))
    hidden = keras.ops.convert_to_numpy(encoder(short))
    np.testing.assert_allclose(pooled[0], hidden[0, :4].mean(0), rtol=1e-5, atol=1e-6)
