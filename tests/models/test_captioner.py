import keras
import numpy as np
import pytest

from mmkeras.datasets import all_texts
from mmkeras.datasets import make_scene_dataset
from mmkeras.datasets import make_scenes
from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models import build_captioner
from mmkeras.models import generate_captions
from mmkeras.preprocessing import WordTokenizer


def test_captioner_overfits_a_few_scenes_and_generates_their_words(tmp_path):
    keras.utils.set_random_seed(0)
    scenes = make_scenes(8, seed=1, image_size=32, max_objects=1)
    tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    dataset = make_scene_dataset(scenes, tokenizer, task="caption", sequence_length=10, batch_size=8).cache()
    model = build_captioner(tokenizer.vocabulary_size, image_size=32, sequence_length=10, filters=(8, 16),
                            feature_dim=16, embedding_dim=16, units=32)
    model.compile(keras.optimizers.Adam(1e-2), MaskedSequenceCrossEntropy())
    history = model.fit(dataset, epochs=40, verbose=0)
    assert history.history["loss"][-1] < 0.4 * history.history["loss"][0]
    images = scenes.images.astype("float32") / 255.0
    greedy_result = generate_captions(model, images, tokenizer.start_id, tokenizer.end_id, 10)
    beam_result = generate_captions(model, images, tokenizer.start_id, tokenizer.end_id, 10, beam_width=3)
    greedy, beam = (keras.ops.convert_to_numpy(r.tokens) for r in (greedy_result, beam_result))
    assert greedy.shape == beam.shape == (8, 10)
    # Beam search may prune the greedy path, so it is not bound to beat it per caption; on average it does.
    beam_scores, greedy_scores = (keras.ops.convert_to_numpy(r.scores) for r in (beam_result, greedy_result))
    assert beam_scores.mean() >= greedy_scores.mean() - 1e-4
    # Attention over the 8x8 region grid, a distribution at every generated word.
    attention = keras.ops.convert_to_numpy(greedy_result.attention)
    assert attention.shape == (8, 10, 64)
    np.testing.assert_allclose(attention.sum(-1)[greedy != 0], 1.0, rtol=1e-4)
    texts = [t.decode() for t in tokenizer.detokenize(greedy).numpy()]
    # Each scene has one object; its generated caption names that object's colour.
    named = [scene[0].color in text for scene, text in zip(scenes.objects, texts)]
    assert np.mean(named) >= 0.75, list(zip(texts, [s[0].color for s in scenes.objects]))
    model.save(tmp_path / "captioner.keras")
    reloaded = keras.saving.load_model(tmp_path / "captioner.keras", safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(generate_captions(reloaded, images, tokenizer.start_id, tokenizer.end_id, 10).tokens),
        greedy,
    )


def test_strided_captioner_attends_over_the_same_region_grid():
    # Chapter 07 trains with strided downsampling: same 8x8 grid of a 32-pixel image, same decoding.
    model = build_captioner(20, image_size=32, sequence_length=6, filters=(8, 16), downsampling="strided",
                            feature_dim=8, embedding_dim=8, units=16)
    assert model.get_layer("image_encoder").downsampling == "strided"
    result = generate_captions(model, np.zeros((2, 32, 32, 3), "float32"), start_id=2, end_id=3, max_length=6)
    assert tuple(result.attention.shape) == (2, 6, 64)


def test_masked_loss_by_hand_ignores_padding():
    targets = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    logits = np.zeros((2, 4, 5), "float32")
    logits[0, 0, 1] = 2.0
    per_token_0 = -np.log(np.exp(2.0) / (np.exp(2.0) + 4))
    uniform = np.log(5.0)
    expected = (per_token_0 + uniform + uniform) / 3  # mean over the 3 real tokens
    assert float(MaskedSequenceCrossEntropy()(targets, logits)) == pytest.approx(expected, rel=1e-5)
    # Whatever is predicted at padded positions does not matter.
    logits[:, 2:, :] = np.random.default_rng(0).normal(size=(2, 2, 5)) * 10
    assert float(MaskedSequenceCrossEntropy()(targets, logits)) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match=r"targets \(batch, length\)"):
        MaskedSequenceCrossEntropy()(np.zeros((2,)), logits)


def test_masked_loss_is_the_same_with_or_without_a_keras_mask():
    tokens = np.array([[4, 5, 6, 0, 0], [7, 0, 0, 0, 0]])
    targets = np.array([[5, 6, 3, 0, 0], [3, 0, 0, 0, 0]])
    values = []
    for mask_zero in (True, False):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((5,), dtype="int32")
        logits = keras.layers.Dense(8)(keras.layers.Embedding(8, 4, mask_zero=mask_zero)(inputs))
        model = keras.Model(inputs, logits)
        model.compile(loss=MaskedSequenceCrossEntropy())
        values.append(model.evaluate(tokens, targets, verbose=0))
    assert values[0] == pytest.approx(values[1], rel=1e-6)


def test_generate_captions_names_a_model_that_is_not_a_captioner():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs), name="not_a_captioner")
    with pytest.raises(ValueError, match="not_a_captioner.*image_encoder"):
        generate_captions(model, np.zeros((1, 32, 32, 3)), 2, 3)
