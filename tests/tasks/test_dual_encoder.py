import pathlib

import numpy as np
import pytest

from mmkeras.datasets import make_scenes
from mmkeras.metrics import recall_at_k
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import DualEncoder


def test_fit_on_raw_pairs_learns_to_find_the_image_of_a_colour():
    scenes = make_scenes(240, seed=4, image_size=32, max_objects=1)
    captions = [f"a {objects[0].color} thing" for objects in scenes.objects]
    task = DualEncoder.from_preset("world_dual_encoder", vocabulary=WordTokenizer.from_corpus(captions),
                                   filters=(16, 32), text_units=32, embedding_dim=16, text_length=4)
    queries = sorted(set(captions))
    relevant = [[j for j, caption in enumerate(captions[200:]) if caption == query] for query in queries]
    before = recall_at_k(task.similarity(queries, scenes.images[200:]), [1], relevant)[1]
    task.fit({"image": scenes.images[:200], "text": captions[:200]}, batch_size=40, epochs=12, verbose=0)
    after = recall_at_k(task.similarity(queries, scenes.images[200:]), [1], relevant)[1]
    assert after >= 0.8 and after > before + 0.3, (before, after)


def test_search_goes_either_way_and_ranks_by_similarity(rng):
    task = DualEncoder.from_preset("world_dual_encoder", vocabulary=["a", "red", "blue", "circle"],
                                   filters=(4,), embed_dim=4, embedding_dim=4, text_units=4)
    images = rng.integers(0, 256, size=(5, 32, 32, 3), dtype=np.uint8)
    texts = ["a red circle", "a blue circle", "blue"]
    similarity = task.similarity(texts, images)
    np.testing.assert_allclose(task.similarity(images, texts), similarity.T, rtol=1e-5, atol=1e-6)
    indices, scores = task.search(texts, images, top_k=10)
    assert indices.shape == (3, 5)
    np.testing.assert_allclose(scores, np.sort(similarity, axis=1)[:, ::-1], rtol=1e-6)
    assert np.all(np.abs(scores) <= 1 + 1e-5)
    with pytest.raises(ValueError, match="different kinds"):
        task.search(texts, texts)
    with pytest.raises(ValueError, match="top_k=0"):
        task.search(texts, images, top_k=0)
    with pytest.raises(TypeError, match="wrap a single text"):
        task.search("a red circle", images)
    with pytest.raises(ValueError, match="pass no targets"):
        task.fit({"image": images[:3], "text": texts}, ["x", "y", "z"], epochs=1, verbose=0)


def test_image_files_are_searched_like_arrays(tmp_path, rng):
    import tensorflow as tf

    task = DualEncoder.from_preset("world_dual_encoder", vocabulary=["red"], filters=(4,), embed_dim=4,
                                   embedding_dim=4, text_units=4)
    images = rng.integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
    paths = []
    for i, image in enumerate(images):
        paths.append(pathlib.Path(tmp_path / f"{i}.png"))
        tf.io.write_file(str(paths[-1]), tf.io.encode_png(image))
    np.testing.assert_allclose(task.similarity(["red"], paths), task.similarity(["red"], images), rtol=1e-5)
