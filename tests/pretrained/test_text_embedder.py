import keras
import numpy as np

from mmkeras.pretrained import load_text_embedder
from tests.pretrained.conftest import TEXTS


def test_embeddings_match_sentence_transformers(reference, embedder):
    ours = embedder.predict(TEXTS, batch_size=8, verbose=0)
    theirs = np.asarray(reference["embeddings"], "float32")
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)


def test_the_embedder_saves_and_reloads_as_one_keras_file(embedder, tmp_path):
    path = tmp_path / "minilm.keras"
    embedder.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert type(reloaded.preprocessor.tokenizer).__name__ == "HuggingFaceBertTokenizer"
    assert reloaded.preprocessor.tokenizer.get_config()["lowercase"] is True
    texts = ["Ｓtraße ΣΊΣΥΦΟΣ [MASK] 一个", "a red circle"]
    np.testing.assert_allclose(reloaded.predict(texts, verbose=0), embedder.predict(texts, verbose=0), atol=1e-6)


def test_the_sequence_length_asked_for_is_the_one_given():
    short = load_text_embedder("all-minilm-l6-v2", sequence_length=24)
    assert short.preprocessor.sequence_length == 24
    assert tuple(short.preprocessor(["a red circle " * 20])["token_ids"].shape) == (1, 24)
