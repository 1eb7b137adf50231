"""The speech translator task: English speech to Chinese text, trained, searched, saved and refused clearly."""

import keras
import numpy as np
import pytest

from mmkeras.datasets import chinese
from mmkeras.datasets import data_path
from mmkeras.datasets import load_speech
from mmkeras.metrics import character_error_rate
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import SpeechTranslator
from mmkeras.tasks import SpeechTranslatorPreprocessor

PRESET = {
    "task": "SpeechTranslator",
    "backbone": {"target_length": 10, "filters": (32, 32), "strides": (2, 2), "recurrent_units": 32, "units": 64},
    "training": {"learning_rate": 5e-3},
}


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    records = load_speech(data_path("speech"), split="train")
    # Two speakers' phrases: enough to learn far above chance in a few epochs.
    keep = [i for i, speaker in enumerate(records.speakers) if speaker in ("s01", "s02")]
    paths = [records.paths[i] for i in keep]
    targets = [chinese.phrase(records.texts[i]) for i in keep]
    translator = SpeechTranslator.from_preset(PRESET, target_vocabulary=WordTokenizer.from_corpus(targets))
    translator.fit(paths, targets, batch_size=16, epochs=12, verbose=0)
    return translator, paths, targets


def test_speech_translator_learns_its_training_phrases_far_above_chance(trained):
    translator, paths, targets = trained
    translations = translator.translate(paths[:60])
    error = character_error_rate(targets[:60], translations)
    # Chance: every utterance given another utterance's translation.
    chance = character_error_rate(targets[:60], targets[30:90])
    assert error < chance - 0.3, (error, chance)
    assert all(not any(c.isascii() and c.isalpha() for c in text) for text in translations)


def test_search_attends_to_frames_and_beam_scores_at_least_greedy(trained):
    translator, paths, _ = trained
    result = translator.search(paths[:4])
    attention = keras.ops.convert_to_numpy(result.attention)
    assert attention.shape[:2] == (4, 10)
    np.testing.assert_allclose(attention[:, 0].sum(-1), 1.0, atol=1e-5)
    _, greedy = translator.translate(paths[:4], return_scores=True)
    _, beam = translator.translate(paths[:4], beam_width=3, return_scores=True)
    assert np.all(beam >= greedy - 1e-4), (beam, greedy)


def test_padding_frames_get_no_attention(trained):
    translator, paths, _ = trained
    short, long = paths[0], max(paths[:20], key=lambda path: len(open(path, "rb").read()))
    result = translator.search([short, long])
    frames = translator.preprocessor([short])["features"].shape[1]
    attention = keras.ops.convert_to_numpy(result.attention)[0]
    encoded = -(-frames // 4)  # two stride-2 blocks
    assert attention[:, encoded:].max() == 0.0
    # Alone or beside a longer utterance, the short one is translated the same.
    assert translator.translate([short]) == translator.translate([short, long])[:1]


def test_speech_translator_round_trips_in_safe_mode(trained, tmp_path):
    translator, paths, _ = trained
    translator.save(tmp_path / "speech_translator.keras")
    reloaded = keras.saving.load_model(tmp_path / "speech_translator.keras", safe_mode=True)
    assert isinstance(reloaded, SpeechTranslator)
    assert reloaded.translate(paths[:5], beam_width=2) == translator.translate(paths[:5], beam_width=2)


def test_bad_inputs_and_mismatched_parts_are_named(trained):
    translator, paths, _ = trained
    with pytest.raises(TypeError, match="wrap a single file in a list"):
        translator.translate(paths[0])
    with pytest.raises(ValueError, match="takes utterances, not a dict"):
        translator.translate({"audio": paths[:1]})
    tokenizer = translator.preprocessor.target_tokenizer
    with pytest.raises(ValueError, match="takes 40 feature bins but the preprocessor makes 13"):
        SpeechTranslator(translator.backbone, SpeechTranslatorPreprocessor(tokenizer, 10, features="mfcc"))
    with pytest.raises(ValueError, match="takes 10 target tokens, but the preprocessor makes 8"):
        SpeechTranslator(translator.backbone, SpeechTranslatorPreprocessor(tokenizer, 8))
    with pytest.raises(ValueError, match="`sample_rate` must be a positive int"):
        SpeechTranslatorPreprocessor(tokenizer, 10, sample_rate=0)
    with pytest.raises(TypeError, match="`target_vocabulary` must be a WordTokenizer"):
        SpeechTranslator.from_preset(PRESET, target_vocabulary="红色")


def test_preprocessor_config_round_trips():
    tokenizer = WordTokenizer.from_corpus(["红色的圆形"])
    preprocessor = SpeechTranslatorPreprocessor(tokenizer, 9, sample_rate=16000, features="mfcc", augment=True, warp=0.1)
    restored = SpeechTranslatorPreprocessor.from_config(preprocessor.get_config())
    assert (restored.target_length, restored.sample_rate, restored.num_features, restored.augment, restored.warp) == (
        9, 16000, 13, True, 0.1)
    assert restored.target_tokenizer.vocabulary == tokenizer.vocabulary
