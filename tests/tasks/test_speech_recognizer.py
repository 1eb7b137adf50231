import pathlib
import wave

import numpy as np
import pytest

from mmkeras.datasets import load_speech
from mmkeras.metrics import character_error_rate
from mmkeras.preprocessing.speech_features import waveform_features
from mmkeras.tasks import SpeechRecognizer
from mmkeras.tasks import SpeechRecognizerPreprocessor

SPEECH = pathlib.Path(__file__).resolve().parents[2] / "data" / "speech"


def test_transcripts_in_any_script_become_character_ids_and_back():
    preprocessor = SpeechRecognizerPreprocessor.from_transcripts(["Red circle", "deux étoiles", "红色的圆"])
    assert "é" in preprocessor.characters and "红" in preprocessor.characters and "R" not in preprocessor.characters
    ids = preprocessor.encode(["RED, circle!", "红色"]).numpy()
    assert ids.shape == (2, 10) and ids[1, 2:].tolist() == [0] * 8
    assert preprocessor.decode(ids) == ["red circle", "红色"]
    with pytest.raises(ValueError, match=r"cannot write: \['z'\]"):
        preprocessor.encode(["zoo"])
    with pytest.raises(ValueError, match="never appear in a normalised transcript"):
        SpeechRecognizerPreprocessor("abC")


def _write_wav(path, waveform, rate):
    pcm = (waveform * 32767).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1), file.setsampwidth(2), file.setframerate(rate)
        file.writeframes(pcm.tobytes())
    return pcm


def test_wav_files_and_their_waveforms_give_the_same_features(tmp_path):
    waveform = (0.3 * np.sin(np.arange(4000) / 7.0)).astype("float32")
    pcm = _write_wav(tmp_path / "tone.wav", waveform, 8000)
    from_file = waveform_features([tmp_path / "tone.wav"], 8000).numpy()
    from_array = waveform_features([pcm.astype("float32") / 32768.0], 8000).numpy()
    np.testing.assert_allclose(from_file, from_array, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="mono waveforms"):
        waveform_features([np.zeros((100, 2), "float32")], 8000)


def test_a_wav_file_at_another_rate_is_resampled_to_the_features_rate(tmp_path):
    # The same half-second tone recorded at 8 and at 44.1 kHz.
    tone = [(0.3 * np.sin(2 * np.pi * 180 * np.arange(rate // 2) / rate)).astype("float32") for rate in (8000, 44100)]
    _write_wav(tmp_path / "8k.wav", tone[0], 8000)
    _write_wav(tmp_path / "44k.wav", tone[1], 44100)
    at_8k, from_44k = waveform_features([tmp_path / "8k.wav", tmp_path / "44k.wav"], 8000).numpy()
    assert at_8k.shape == from_44k.shape
    # The first and last frames see the resampling filter's ends, and the top three of the 40 mel bands lie in
    # its transition band, above 94% of 4 kHz, where the 8 kHz file keeps its quantisation noise.
    np.testing.assert_allclose(from_44k[2:-2, :37], at_8k[2:-2, :37], atol=0.1)
    with pytest.raises(ValueError, match="mono waveforms"):
        waveform_features([np.zeros((100, 2), "float32")], 8000)


def test_fit_on_wav_files_learns_a_few_phrases_and_transcribes_them():
    records = load_speech(SPEECH, split="train")
    keep = [i for i, (text, speaker) in enumerate(zip(records.texts, records.speakers))
            if text in ("red circle", "blue square", "two") and speaker in ("s01", "s02")]
    paths, texts = [records.paths[i] for i in keep], [records.texts[i] for i in keep]
    task = SpeechRecognizer.from_preset("world_speech_recognizer", transcripts=texts, recurrent_units=None,
                                        dropout=0.0)
    assert set(task.characters) == set("".join(texts))
    before = character_error_rate(texts, task.transcribe(paths))
    task.fit(paths, texts, batch_size=8, shuffle=False, epochs=60, verbose=0)
    after = character_error_rate(texts, task.transcribe(paths))
    assert after < 0.5 and after < before - 0.4, (before, after, task.transcribe(paths))


def test_spec_augment_runs_only_inside_the_training_pipeline():
    preprocessor = SpeechRecognizerPreprocessor("abc", augment=True)
    waveform = [(0.3 * np.sin(np.arange(8000) / 5.0)).astype("float32")]
    plain = preprocessor.featurize(waveform).numpy()
    np.testing.assert_array_equal(plain, SpeechRecognizerPreprocessor("abc").featurize(waveform).numpy())
    with preprocessor.augmentation():
        masked = preprocessor.featurize(waveform).numpy()
    assert not preprocessor.augmenting
    assert (masked == 0).sum() > (plain == 0).sum()


def test_warp_runs_only_inside_the_training_pipeline_and_is_saved():
    preprocessor = SpeechRecognizerPreprocessor("abc", augment=True, warp=0.2)
    waveform = [(0.3 * np.sin(np.arange(8000) / 5.0)).astype("float32")]
    plain = preprocessor.featurize(waveform).numpy()
    np.testing.assert_array_equal(plain, SpeechRecognizerPreprocessor("abc").featurize(waveform).numpy())
    with preprocessor.augmentation():
        lengths = {preprocessor.featurize(waveform).shape[1] for _ in range(6)}
    assert len(lengths) > 1, lengths
    assert SpeechRecognizerPreprocessor.from_config(preprocessor.get_config()).warp == 0.2
    with pytest.raises(ValueError, match="`warp` must be a number in \\[0, 1\\). Received: warp=-0.1"):
        SpeechRecognizerPreprocessor("abc", warp=-0.1)


def test_the_real_voice_preset_is_the_chapter_model_with_other_training():
    chapter = SpeechRecognizer.preset_config("world_speech_recognizer")
    real = SpeechRecognizer.preset_config("fsdd_speech_recognizer")
    assert real["backbone"] == chapter["backbone"]
    task = SpeechRecognizer.from_preset("fsdd_speech_recognizer", transcripts=["one two"])
    assert task.preprocessor.warp == real["training"]["warp"] > 0
    assert float(task.optimizer.learning_rate) == pytest.approx(real["training"]["learning_rate"])
