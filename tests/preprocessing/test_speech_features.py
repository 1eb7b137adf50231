import wave

import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing.speech_features import utterance_features
from mmkeras.preprocessing.speech_features import waveform_features


def write_wav(path, samples, rate=8000):
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1), file.setsampwidth(2), file.setframerate(rate)
        file.writeframes(pcm.tobytes())
    return pcm.astype("float32") / 32768.0


def test_every_input_kind_gives_each_utterances_own_features_padded_to_the_longest(tmp_path):
    rng = np.random.default_rng(0)
    waveforms = [write_wav(tmp_path / f"{i}.wav", rng.normal(0, 0.3, n)) for i, n in enumerate((8000, 3000))]
    paths = [tmp_path / "0.wav", tmp_path / "1.wav"]
    expected = [utterance_features(tf.constant(w), 8000).numpy() for w in waveforms]
    batches = {
        "file paths": waveform_features(paths, 8000),
        "file bytes": waveform_features([p.read_bytes() for p in paths], 8000),
        "string tensor": waveform_features(tf.constant([str(p) for p in paths]), 8000),
        "list of arrays": waveform_features(waveforms, 8000),
        "ragged tensor": waveform_features(tf.ragged.constant([w.tolist() for w in waveforms]), 8000),
    }
    for kind, batch in batches.items():
        batch = batch.numpy()
        assert batch.shape == (2, len(expected[0]), 40), kind
        np.testing.assert_allclose(batch[0], expected[0], atol=1e-4, err_msg=kind)
        np.testing.assert_allclose(batch[1, : len(expected[1])], expected[1], atol=1e-4, err_msg=kind)
        assert not batch[1, len(expected[1]):].any(), kind
    same_length = waveform_features(np.stack([waveforms[0], waveforms[0]]), 8000).numpy()
    np.testing.assert_allclose(same_length[1], expected[0], atol=1e-4)


def test_augmentation_draws_new_masks_on_every_call():
    # The batch function is traced once and reused: its random masks must not be frozen into the trace.
    waveforms = np.random.default_rng(1).normal(0, 0.3, (4, 8000)).astype("float32")
    first, second = (waveform_features(waveforms, 8000, augment=True).numpy() for _ in range(2))
    assert (first == 0).any() and not np.array_equal(first, second)
    np.testing.assert_array_equal(waveform_features(waveforms, 8000).numpy(), waveform_features(waveforms, 8000).numpy())


def test_bad_batches_are_refused_by_name():
    with pytest.raises(TypeError, match="wrap a single file in a list"):
        waveform_features("one.wav", 8000)
    with pytest.raises(ValueError, match=r"Utterance 1 has no samples"):
        waveform_features([np.zeros(100, "float32"), np.zeros(0, "float32")], 8000)
    with pytest.raises(ValueError, match=r"features` must be one of"):
        waveform_features([np.zeros(100, "float32")], 8000, features="mel")
