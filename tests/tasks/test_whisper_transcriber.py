"""The pretrained Whisper task against CTranslate2, the runtime its weights were converted for."""

import json
import os
import pathlib
import subprocess
import sys

import ctranslate2
import keras
import keras_hub
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.datasets import data_path
from mmkeras.pretrained import shipped_model_dir
from mmkeras.serving import export_task
from mmkeras.tasks import WhisperTranscriber
from mmkeras.tasks import WhisperTranscriberPreprocessor

ROOT = pathlib.Path(__file__).resolve().parents[2]
# One clip of each bundled voice.
CLIPS = [data_path("speech", "wav", voice, "p001.wav") for voice in
         ("s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "t01")]
MAX_LENGTH = 24
# The clips the other backends decode in a fresh process: two voices show that a batch decodes per clip,
# and few enough keep that process short.
BACKEND_CLIPS = CLIPS[:2]


@pytest.fixture(scope="module")
def transcriber():
    return WhisperTranscriber.from_preset("whisper-tiny.en")


@pytest.fixture(scope="module")
def ours(transcriber):
    texts, scores, tokens = transcriber.transcribe(CLIPS, max_length=MAX_LENGTH, batch_size=10, return_scores=True,
                                                   return_tokens=True)
    return texts, scores, [[int(t) for t in row if t != 50256] for row in tokens]


def test_greedy_tokens_are_ctranslate2s_with_its_default_rules_on_ten_voices(transcriber, ours):
    reference = ctranslate2.models.Whisper(str(shipped_model_dir("whisper-tiny.en")), device="cpu",
                                           compute_type="float32")
    features = keras.ops.convert_to_numpy(transcriber.preprocessor.featurize(CLIPS))
    # CTranslate2's max_length counts the prompt's last token; its defaults suppress what Whisper's decoder does.
    expected = reference.generate(ctranslate2.StorageView.from_array(features.transpose(0, 2, 1).copy()),
                                  [transcriber.preprocessor.prompt_ids] * len(CLIPS), beam_size=1,
                                  max_length=MAX_LENGTH + 1)
    assert ours[2] == [result.sequences_ids[0] for result in expected]
    assert len({tuple(row) for row in ours[2]}) > 5


def test_the_cache_changes_the_time_not_the_tokens(transcriber, ours):
    _, tokens = transcriber.transcribe(CLIPS[:2], max_length=MAX_LENGTH, use_cache=False, return_tokens=True)
    assert [[int(t) for t in row if t != 50256] for row in tokens] == ours[2][:2]


@pytest.fixture(scope="module")
def allowed(ours):
    return [ours[0][1], " Small red triangle.", " Small green circle", " one", " Small"]


@pytest.fixture(scope="module")
def constrained(transcriber, allowed):
    return transcriber.transcribe(CLIPS, allowed_texts=allowed, return_scores=True)


def test_a_constrained_transcript_is_one_of_the_allowed_texts(ours, allowed, constrained):
    texts, scores = constrained
    assert set(texts) <= set(allowed) and len(set(texts)) > 1
    # Where the free transcript is allowed, the constraint keeps it; its probability, renormalised over the
    # allowed continuations only, can only rise.
    assert texts[1] == ours[0][1]
    assert ours[1][1] < scores[1] <= 0


def test_beam_search_scores_at_least_greedys_length_normalised(transcriber, ours):
    texts, scores, tokens = transcriber.transcribe(CLIPS[:4], max_length=MAX_LENGTH, beam_width=3,
                                                   return_scores=True, return_tokens=True)
    lengths = np.array([np.sum(row != 50256) + 1 for row in tokens])
    greedy_lengths = np.array([len(row) + 1 for row in ours[2][:4]])
    assert np.all(scores / lengths >= ours[1][:4] / greedy_lengths - 1e-4)


def test_it_reloads_from_one_keras_file_and_exports_a_saved_model(transcriber, ours, tmp_path):
    transcriber.save(tmp_path / "whisper.keras")
    reloaded = keras.saving.load_model(tmp_path / "whisper.keras", safe_mode=True)
    assert reloaded.transcribe(CLIPS[:3], max_length=MAX_LENGTH) == ours[0][:3]
    served = tf.saved_model.load(export_task(transcriber, tmp_path / "export", max_length=MAX_LENGTH))
    answer = served.serve(tf.constant([path.read_bytes() for path in CLIPS[:3]]))
    assert [text.decode("utf-8") for text in answer["transcript"].numpy()] == ours[0][:3]
    np.testing.assert_allclose(answer["score"].numpy(), ours[1][:3], atol=1e-3)


def test_waveforms_at_another_rate_are_resampled(transcriber, ours):
    import wave

    with wave.open(str(CLIPS[1])) as file:
        rate, samples = file.getframerate(), np.frombuffer(file.readframes(file.getnframes()), "<i2") / 32768
    preprocessor = transcriber.preprocessor
    resampling = WhisperTranscriber(transcriber.backbone, WhisperTranscriberPreprocessor(
        preprocessor.tokenizer, preprocessor.prompt_ids, preprocessor.end_id, preprocessor.suppress_ids,
        preprocessor.suppress_at_begin, sample_rate=rate))
    assert resampling.transcribe([samples], max_length=MAX_LENGTH) == ours[0][1:2]


@pytest.mark.parametrize("recordings, error, message", [
    ("clip.wav", TypeError, r"wrap a single file in a list, \['clip.wav'\]"),
    ([b"ID3 not a wav file"], ValueError, r"Cannot decode audio recording 0: it is not a WAV file"),
    ([np.zeros(16000 * 31, "float32")], ValueError, "lasts 31.0 s; Whisper hears 30 s at a time"),
    ([np.zeros((2, 800), "float32")], ValueError, r"must be a non-empty mono waveform \(samples,\). Received shape"),
    ([np.full(800, np.nan, "float32")], ValueError, "recording 0 holds a non-finite sample"),
])
def test_bad_recordings_are_refused_by_name(transcriber, recordings, error, message):
    with pytest.raises(error, match=message):
        transcriber.transcribe(recordings)


def test_no_recordings_give_no_transcripts(transcriber):
    texts, scores = transcriber.transcribe([], return_scores=True)
    assert texts == [] and scores.shape == (0,)


def test_bad_settings_are_refused(transcriber):
    with pytest.raises(ValueError, match="`allowed_texts` must be a non-empty list of strings"):
        transcriber.transcribe(CLIPS[:1], allowed_texts=" one")
    with pytest.raises(ValueError, match="needs 902 positions, but the decoder holds 448"):
        transcriber.transcribe(CLIPS[:1], max_length=900)
    with pytest.raises(TypeError, match="must be a keras_hub.models.WhisperBackbone"):
        WhisperTranscriber(keras.Sequential([keras.Input((2,))]), transcriber.preprocessor)
    small = keras_hub.models.WhisperBackbone(vocabulary_size=100, num_layers=1, num_heads=2, hidden_dim=8,
                                             intermediate_dim=8, max_encoder_sequence_length=8,
                                             max_decoder_sequence_length=8)
    with pytest.raises(ValueError, match="special token ids go up to 50362, but the backbone has 100 tokens"):
        WhisperTranscriber(small, transcriber.preprocessor)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_it_transcribes_alike_on_backend(backend, ours, allowed, constrained):
    # The other backend transcribes the first clips as the TensorFlow fixtures did (greedy, and constrained
    # to the same texts), so the comparison costs TensorFlow no search of its own.
    settings = {"clips": [str(clip) for clip in BACKEND_CLIPS], "max_length": MAX_LENGTH, "allowed": allowed}
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([sys.executable, "-m", "tests.tasks.whisper_transcriber_run", json.dumps(settings)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines[-2] == f"keras backend: {backend}"
    count = len(BACKEND_CLIPS)
    assert json.loads(lines[-1]) == {"greedy": ours[0][:count], "constrained": constrained[0][:count]}


def test_int8_weights_store_in_under_a_third_keep_most_transcripts_and_reload(ours, tmp_path):
    quantized = WhisperTranscriber.from_preset("whisper-tiny.en")
    quantized.quantize("int8")
    texts = quantized.transcribe(CLIPS[:5], max_length=MAX_LENGTH, batch_size=5)
    # The search is cached where Task.quantize drops it (tests/tasks/test_task.py), so after another quantize
    # no search compiled for these weights would survive.
    assert quantized._compiled_functions, "the transcriber caches its compiled search in Task._compiled_functions"
    assert sum(a == b for a, b in zip(texts, ours[0])) >= 3, list(zip(texts, ours[0]))
    embedding = quantized.backbone.get_layer("decoder_token_and_position_embedding").token_embedding
    assert embedding.quantization_mode == "int8"
    quantized.save(tmp_path / "int8.keras")
    assert (tmp_path / "int8.keras").stat().st_size < 0.35 * 153e6
    reloaded = keras.saving.load_model(tmp_path / "int8.keras", safe_mode=True)
    # The same int8 weights and scales come back (comparing them is cheaper than compiling a search again).
    for mine, theirs in zip(quantized.backbone.weights, reloaded.backbone.weights):
        assert mine.path == theirs.path and mine.dtype == theirs.dtype
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(theirs))
