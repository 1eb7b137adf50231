import keras
import numpy as np
import pytest

from mmkeras.datasets import make_image_text_matching_dataset
from mmkeras.datasets import make_scenes
from mmkeras.datasets import matching_pairs
from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models import build_attention_probe
from mmkeras.models import build_single_stream_classifier
from mmkeras.models import build_single_stream_encoder
from mmkeras.models import build_single_stream_pretrainer
from mmkeras.models import pairwise_match_scores
from mmkeras.models import text_offset
from mmkeras.preprocessing import WordPieceTokenizer

LENGTH = 12


@pytest.fixture(scope="module")
def world():
    scenes = make_scenes(40, seed=3, image_size=32)
    texts = [caption for captions in scenes.captions for caption in captions]
    return scenes, WordPieceTokenizer.from_corpus(texts, vocab_size=120)


def small_encoder(tokenizer, patch_size=8, **kwargs):
    keras.utils.set_random_seed(0)
    return build_single_stream_encoder(32, tokenizer.vocabulary_size, LENGTH, patch_size=patch_size, hidden_dim=16,
                                       num_layers=2, num_heads=2, intermediate_dim=32, dropout=0.0, **kwargs)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def inputs_for(scenes, tokenizer, texts):
    return {"image": scenes.images[: len(texts)].astype("float32") / 255, "token_ids": tokenizer(texts, LENGTH).numpy()}


@pytest.mark.parametrize("stem_filters", [None, (8, 16)], ids=["linear_patches", "conv_stem"])
def test_the_encoder_reads_image_and_words_as_one_sequence(world, stem_filters):
    scenes, tokenizer = world
    # Linear 8x8 patches of the 32x32 image, or 2x2 patches of the stem's 8x8 feature map: 16 either way.
    patch_size = 8 if stem_filters is None else 2
    encoder = small_encoder(tokenizer, patch_size=patch_size, stem_filters=stem_filters)
    patches = 16
    assert encoder.output_shape == (None, 1 + patches + LENGTH, 16)
    assert text_offset(encoder) == 1 + patches
    inputs = inputs_for(scenes, tokenizer, ["a red circle", "two objects: a blue square, a red circle"])
    base = numpy(encoder(inputs))
    # Every position, words included, depends on the image: one stream, not two towers.
    other = dict(inputs, image=inputs["image"][::-1])
    assert not np.allclose(numpy(encoder(other))[:, text_offset(encoder)], base[:, text_offset(encoder)])
    # Text padding is never attended to: more padding changes no real position.
    longer = build_single_stream_encoder(32, tokenizer.vocabulary_size, LENGTH + 4, patch_size=patch_size, hidden_dim=16,
                                         num_layers=2, num_heads=2, intermediate_dim=32, dropout=0.0,
                                         stem_filters=stem_filters)
    for layer in encoder.layers:
        if layer.weights:
            weights = layer.get_weights()
            if layer.name == "text_position_embedding":
                weights = [np.concatenate([weights[0], np.zeros((4, 16), "float32")])]
            longer.get_layer(layer.name).set_weights(weights)
    padded = dict(inputs, token_ids=np.pad(inputs["token_ids"], ((0, 0), (0, 4))))
    real = 1 + patches + int((inputs["token_ids"][0] > 0).sum())
    np.testing.assert_allclose(numpy(longer(padded))[0, :real], base[0, :real], rtol=1e-4, atol=1e-5)


def test_pretraining_on_matching_pairs_learns_and_the_heads_share_the_encoder(world, tmp_path):
    scenes, tokenizer = world
    pairs = matching_pairs(scenes, hard_negative_rate=0.5, seed=1)
    dataset = make_image_text_matching_dataset(scenes.images[pairs["scene"]], pairs["text"], pairs["match"],
                                               tokenizer, sequence_length=LENGTH, batch_size=16, rate=0.3)
    features, targets = next(iter(dataset))
    assert features["image"].dtype == "float32" and float(keras.ops.max(features["image"])) <= 1.0
    assert targets["itm"].shape == (16, 1)
    # Masked-word targets exist only where the text matches the image.
    mlm_targets = numpy(targets["mlm"])
    assert (mlm_targets[numpy(targets["itm"])[:, 0] == 0] == 0).all() and (mlm_targets > 0).any()
    encoder = small_encoder(tokenizer)
    pretrainer = build_single_stream_pretrainer(encoder)
    assert {name: tuple(tensor.shape) for name, tensor in pretrainer.output.items()} == {
        "mlm": (None, LENGTH, tokenizer.vocabulary_size), "itm": (None, 1)}
    pretrainer.compile(keras.optimizers.Adam(3e-3), loss={
        "mlm": MaskedSequenceCrossEntropy(), "itm": keras.losses.BinaryCrossentropy(from_logits=True)})
    history = pretrainer.fit(dataset, epochs=12, verbose=0)
    assert history.history["mlm_loss"][-1] < 0.7 * history.history["mlm_loss"][0]

    classifier = build_single_stream_classifier(encoder, num_classes=5)
    assert {id(w) for w in encoder.weights} <= {id(w) for w in classifier.weights}
    inputs = inputs_for(scenes, tokenizer, ["what color is the circle?", "how many objects are there?"])
    probabilities = numpy(classifier(inputs))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    classifier.save(tmp_path / "classifier.keras")
    reloaded = keras.saving.load_model(tmp_path / "classifier.keras", safe_mode=True)
    np.testing.assert_allclose(numpy(reloaded(inputs)), probabilities, rtol=1e-5, atol=1e-6)

    scores = pairwise_match_scores(pretrainer, inputs["image"], inputs["token_ids"][:1], batch_size=1)
    direct = numpy(pretrainer(inputs)["itm"])[0, 0]
    assert scores.shape == (1, 2)
    np.testing.assert_allclose(scores[0, 0], direct, rtol=1e-4, atol=1e-5)


def test_the_attention_probe_returns_the_trained_encoders_weights(world):
    scenes, tokenizer = world
    encoder = small_encoder(tokenizer)
    probe = build_attention_probe(encoder)
    inputs = inputs_for(scenes, tokenizer, ["a red circle", "a large blue square and a small red circle"])
    weights = [numpy(w) for w in probe(inputs)]
    sequence = 1 + 16 + LENGTH
    assert len(weights) == 2 and weights[0].shape == (2, 2, sequence, sequence)
    np.testing.assert_allclose(weights[1].sum(-1), 1.0, rtol=1e-5)
    # Padded words receive no attention.
    padded = 1 + 16 + (inputs["token_ids"] > 0).sum(1)
    assert np.all(weights[0][0, :, :, padded[0]:] == 0)
    # The probe is a copy holding the encoder's weights, block by block.
    block = encoder.get_layer("transformer_1")
    assert all(np.array_equal(a, b) for a, b in zip(block.get_weights(), probe.get_layer("transformer_1").get_weights()))


def test_dataset_errors_name_the_problem(world):
    scenes, tokenizer = world
    from mmkeras.preprocessing import WordTokenizer

    with pytest.raises(TypeError, match="needs a \\[MASK\\] token: use WordPieceTokenizer. Received: WordTokenizer"):
        make_image_text_matching_dataset(scenes.images[:2], ["a", "b"], [1, 0], WordTokenizer(["a", "b"]))
    with pytest.raises(ValueError, match="equally long and not empty. Received lengths 2, 1 and 2"):
        make_image_text_matching_dataset(scenes.images[:2], ["a"], [1, 0], tokenizer)
    with pytest.raises(ValueError, match="must be uint8"):
        make_image_text_matching_dataset(scenes.images[:2] / 255, ["a", "b"], [1, 0], tokenizer)
    with pytest.raises(ValueError, match="only 0 and 1"):
        make_image_text_matching_dataset(scenes.images[:2], ["a", "b"], [1, 2], tokenizer)
