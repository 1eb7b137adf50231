import numpy as np
import pytest

from mmkeras.models import build_captioner
from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import Captioner
from mmkeras.tasks import CaptionerPreprocessor
from mmkeras.tasks import get_preset

TOKENIZER = WordTokenizer.from_corpus(["a red circle", "a blue square"])


def small_captioner(**overrides):
    sizes = {"filters": (8,), "feature_dim": 8, "embedding_dim": 8, "units": 16, **overrides}
    return Captioner.from_preset("world_captioner", vocabulary=TOKENIZER, **sizes)


def test_preprocessor_makes_teacher_forcing_pairs_from_raw_images_and_captions():
    preprocessor = CaptionerPreprocessor(ImageConverter(16), TOKENIZER, sequence_length=5)
    x, next_tokens = preprocessor(np.full((2, 30, 20, 3), 255, np.uint8), ["a red circle", "A blue square!"])
    assert tuple(x["image"].shape) == (2, 16, 16, 3)
    np.testing.assert_allclose(x["image"], 1.0, atol=1e-6)
    assert x["tokens"].numpy().tolist() == [[2, 4, 7, 6, 3], [2, 4, 5, 8, 3]]
    assert next_tokens.numpy().tolist() == [[4, 7, 6, 3, 0], [4, 5, 8, 3, 0]]
    assert set(preprocessor(np.zeros((1, 16, 16, 3)))) == {"image"}


def test_from_preset_builds_the_presets_configuration_with_overrides():
    captioner = small_captioner()
    preset = get_preset("world_captioner")["backbone"]
    assert captioner.backbone.input["image"].shape[1] == preset["image_size"]
    assert captioner.preprocessor.sequence_length == preset["sequence_length"]
    assert captioner.backbone.get_layer("decoder").vocab_size == TOKENIZER.vocabulary_size
    assert captioner.backbone.get_layer("decoder").units == 16
    x, _ = captioner.preprocessor(np.zeros((1, 50, 50, 3), np.uint8), ["a red circle"])
    assert tuple(captioner(x).shape) == (1, 16, TOKENIZER.vocabulary_size)


def test_fit_on_raw_data_learns_and_generate_answers_in_words(rng):
    # Six positions hold "[START] a red circle [END]": the decoder unrolls six steps instead of the preset's 16,
    # which makes tracing the training and search functions cheaper.
    captioner = small_captioner(filters=(16,), units=32, sequence_length=6)
    red = np.zeros((16, 32, 32, 3), np.uint8)
    red[..., 0] = 255
    blue = np.zeros((16, 32, 32, 3), np.uint8)
    blue[..., 2] = 255
    images = np.concatenate([red, blue])
    captions = ["a red circle"] * 16 + ["a blue square"] * 16
    history = captioner.fit(images, captions, batch_size=8, epochs=25, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    # Any size goes in: the converter resizes.
    generated = captioner.generate(np.concatenate([red[:1], blue[:1]]).repeat(2, axis=1))
    assert generated == ["a red circle", "a blue square"]
    beam, scores = captioner.generate(images[[0, -1]], beam_width=3, return_scores=True)
    assert beam == generated and scores.shape == (2,) and np.all(scores <= 0)


def test_errors():
    backbone = build_captioner(TOKENIZER.vocabulary_size, image_size=32, sequence_length=16, filters=(8,),
                               feature_dim=8, units=16)
    with pytest.raises(TypeError, match="must be a CaptionerPreprocessor. Received: WordTokenizer"):
        Captioner(backbone, TOKENIZER)
    with pytest.raises(ValueError, match="takes 32-pixel images and 16 tokens, but the preprocessor makes 48"):
        Captioner(backbone, CaptionerPreprocessor(ImageConverter(48), TOKENIZER, 16))
    bigger = WordTokenizer(TOKENIZER.vocabulary[4:] + ["green", "triangle"])
    small = build_captioner(TOKENIZER.vocabulary_size - 1, image_size=32, filters=(8,), feature_dim=8, units=16)
    with pytest.raises(ValueError, match="has 11 tokens but the decoder predicts only 8"):
        Captioner(small, CaptionerPreprocessor(ImageConverter(32), bigger, 16))
    with pytest.raises(ValueError, match="Unknown preset 'nope'"):
        Captioner.from_preset("nope", vocabulary=TOKENIZER)
    with pytest.raises(ValueError, match="for the task 'VQA', not Captioner"):
        Captioner.from_preset({"task": "VQA", "backbone": {}}, vocabulary=TOKENIZER)
    captioner = small_captioner()
    with pytest.raises(ValueError, match="beam_width=0"):
        captioner.generate(np.zeros((1, 32, 32, 3)), beam_width=0)
    with pytest.raises(TypeError, match="wrap a single path"):
        captioner.generate("photo.png")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        captioner.generate(["missing.png"])


def test_fit_validates_on_raw_validation_data_as_tuple_or_dataset():
    import tensorflow as tf

    captioner = small_captioner(sequence_length=6)
    images, captions = np.zeros((4, 32, 32, 3), np.uint8), ["a red circle"] * 4
    history = captioner.fit(images, captions, batch_size=2, validation_data=(images, captions), epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    raw = tf.data.Dataset.from_tensor_slices((images, captions)).batch(2)
    history = captioner.fit(raw, validation_data=raw, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], captioner.evaluate(raw, verbose=0), rtol=1e-5)
