import wave

import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing import audio

RATE = 8000


def tone(seconds=1.0, hertz=440.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * hertz * t)).astype("float32")


def write_wav(path, samples, rate=RATE, width=2):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes((samples * 32767).astype("<i2" if width == 2 else "u1").tobytes())
    return path


@pytest.fixture
def without_tfio(monkeypatch):
    monkeypatch.setattr(audio, "_tfio_audio", lambda: None)


def test_decode_wav_reads_what_was_written(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone())
    assert audio.check_wav_file(path) == (RATE, 1, RATE)
    waveform = audio.decode_wav(tf.io.read_file(str(path)), sample_rate=RATE)
    np.testing.assert_allclose(waveform.numpy(), tone(), atol=1e-4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected 16000 Hz"):
        audio.decode_wav(tf.io.read_file(str(path)), sample_rate=16000)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        audio.check_wav_file(tmp_path / "missing.wav")
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    with pytest.raises(ValueError, match=r"notes\.wav is not a readable WAV file"):
        audio.check_wav_file(text)
    good = write_wav(tmp_path / "good.wav", tone())
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:4000])
    with pytest.raises(ValueError, match=r"truncated\.wav is truncated: its header promises 8000 frames"):
        audio.check_wav_file(truncated)
    eight_bit = write_wav(tmp_path / "eight.wav", tone() * 0 + 0.5, width=1)
    with pytest.raises(ValueError, match="8-bit samples; expected 16-bit"):
        audio.check_wav_file(eight_bit)


def test_log_mel_finds_the_tone_in_the_right_band():
    features = audio.log_mel_spectrogram(tf.constant(tone(hertz=1000.0)), RATE, num_mel_bins=40)
    assert features.shape == (100, 40)
    loudest = np.argmax(features.numpy().mean(0))
    low = audio.log_mel_spectrogram(tf.constant(tone(hertz=200.0)), RATE, num_mel_bins=40)
    assert np.argmax(low.numpy().mean(0)) < loudest
    # The mel filter whose centre is nearest 1 kHz is the loudest.
    edges = tf.signal.linear_to_mel_weight_matrix(40, 129, RATE, 20.0, 4000.0).numpy()
    assert abs(np.argmax(edges[int(1000 / (RATE / 2) * 128)]) - loudest) <= 1
    assert float(tf.reduce_max(features) - tf.reduce_min(features)) <= 80.0 + 1e-3


def test_mfcc_shape_and_dct_of_a_flat_spectrum():
    flat = tf.fill([5, 40], 20.0)
    coefficients = audio.mfcc(flat, num_coefficients=13).numpy()
    assert coefficients.shape == (5, 13)
    # A flat log-mel spectrum has energy in the 0th coefficient only.
    np.testing.assert_allclose(coefficients[:, 1:], 0.0, atol=1e-4)
    assert np.all(coefficients[:, 0] > 0)


def test_tf_signal_fallback_gives_the_same_features(monkeypatch):
    if audio._tfio_audio() is None:
        pytest.skip("tensorflow-io is not installed: only the tf.signal path exists here")
    waveform = tf.constant(tone(hertz=700.0) + np.random.default_rng(0).normal(0, 0.01, RATE).astype("float32"))
    with_tfio = audio.log_mel_spectrogram(waveform, RATE)
    monkeypatch.setattr(audio, "_tfio_audio", lambda: None)
    assert audio.audio_backend() == "tf.signal"
    np.testing.assert_allclose(audio.log_mel_spectrogram(waveform, RATE).numpy(), with_tfio.numpy(), atol=1e-3)


@pytest.mark.parametrize("backend", ["default", "tf.signal"])
def test_spec_augment_zeroes_bands_and_compiles_in_tf_data(backend, monkeypatch):
    if backend == "tf.signal":
        monkeypatch.setattr(audio, "_tfio_audio", lambda: None)
    tf.random.set_seed(0)
    features = tf.ones([60, 40])
    dataset = tf.data.Dataset.from_tensors(features).repeat(20).map(
        lambda f: audio.spec_augment(f, freq_param=8, time_param=10, freq_masks=1, time_masks=1))
    zero_rows, zero_columns = [], []
    for masked in dataset:
        masked = masked.numpy()
        rows, columns = np.flatnonzero((masked == 0).all(1)), np.flatnonzero((masked == 0).all(0))
        for band in (rows, columns):
            assert len(band) == 0 or np.array_equal(band, np.arange(band[0], band[-1] + 1))  # contiguous
        assert len(rows) < 10 and len(columns) < 8
        zero_rows.append(len(rows))
        zero_columns.append(len(columns))
    assert max(zero_rows) > 0 and max(zero_columns) > 0  # masks happen
    assert np.all(features.numpy() == 1.0)


def test_normalize_and_shape_errors():
    normalized = audio.normalize_features(tf.random.normal([50, 8]) * 3 + 5).numpy()
    np.testing.assert_allclose(normalized.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(normalized.std(0), 1.0, atol=1e-3)
    with pytest.raises(ValueError, match=r"shape \(samples,\)\. Received shape \(2, 8000\)"):
        audio.log_mel_spectrogram(tf.zeros([2, 8000]), RATE)


def test_without_tensorflow_io_everything_still_runs(without_tfio):
    assert audio.audio_backend() == "tf.signal"
    features = audio.log_mel_spectrogram(tf.constant(tone()), RATE)
    assert features.shape == (100, 40)
    assert audio.mfcc(features).shape == (100, 13)
    assert audio.spec_augment(audio.normalize_features(features)).shape == (100, 40)


def test_warp_features_stretches_time_and_moves_the_bands_together():
    log_mel = audio.log_mel_spectrogram(tone(1.0, 1000.0), RATE)
    unchanged = audio.warp_features(log_mel, max_warp=0.0)
    np.testing.assert_allclose(unchanged.numpy(), log_mel.numpy(), atol=1e-5)
    lengths, peaks = set(), set()
    for seed in range(8):
        warped = audio.warp_features(log_mel, max_warp=0.2, seed=seed)
        assert warped.shape[1] == log_mel.shape[1]
        assert 0.8 * log_mel.shape[0] - 1 <= warped.shape[0] <= 1.2 * log_mel.shape[0] + 1
        lengths.add(warped.shape[0])
        peaks.add(int(np.argmax(warped.numpy().mean(axis=0))))
        np.testing.assert_array_equal(warped.numpy(), audio.warp_features(log_mel, max_warp=0.2, seed=seed).numpy())
    # A tone's band moves when the frequency axis is stretched: a higher or lower voice.
    assert len(lengths) > 3 and len(peaks) > 1, (lengths, peaks)
    with pytest.raises(ValueError, match="`max_warp` must be in \\[0, 1\\). Received: max_warp=1.5"):
        audio.warp_features(log_mel, max_warp=1.5)
    with pytest.raises(ValueError, match="Received shape \\(10,\\)"):
        audio.warp_features(tf.zeros([10]))


def _resonance(coefficients, samples=8000, seed=0):
    # An all-pole process x[n] = sum_k a_k x[n-k] + noise: the model LPC fits.
    noise, signal = np.random.default_rng(seed).normal(size=samples), np.zeros(samples)
    for n in range(len(coefficients), samples):
        signal[n] = sum(a * signal[n - k - 1] for k, a in enumerate(coefficients)) + noise[n]
    return signal.astype("float32")


def test_lpc_recovers_an_all_pole_filter():
    true_coefficients = (1.3, -0.8, 0.2)
    estimated = audio.lpc(tf.constant(_resonance(true_coefficients)), order=3, frame_length=1024, frame_step=512)
    np.testing.assert_allclose(estimated.numpy().mean(axis=0), true_coefficients, atol=0.05)


def test_lpc_frames_match_log_mel_and_silence_predicts_nothing():
    waveform = tf.constant(_resonance((0.5,)))
    assert audio.lpc(waveform, order=12).shape[0] == audio.log_mel_spectrogram(waveform, RATE).shape[0]
    silent = audio.lpc(tf.zeros([4000]), order=12).numpy()
    assert np.all(np.isfinite(silent)) and np.abs(silent).max() < 1e-3


def test_lpc_runs_inside_tf_data():
    dataset = tf.data.Dataset.from_tensor_slices(np.stack([_resonance((0.9,), 2000, seed) for seed in range(2)]))
    shapes = [tuple(features.shape) for features in dataset.map(lambda w: audio.lpc(w, order=4))]
    assert shapes == [(25, 4), (25, 4)]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"order": 0}, "order=0"), ({"order": 2.5}, "order=2.5"), ({"order": 300}, "smaller than `frame_length`")],
)
def test_lpc_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        audio.lpc(tf.zeros([1000]), **kwargs)
    with pytest.raises(ValueError, match=r"shape \(2, 1000\)"):
        audio.lpc(tf.zeros([2, 1000]))


def test_resampling_a_tone_keeps_its_pitch_and_duration():
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype("float32")
    up = audio.resample(tone, 8000, 16000).numpy()
    assert up.shape == (16000,)
    np.testing.assert_allclose(up[::2], tone, atol=1e-6)
    expected = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    # Linear interpolation between 8 kHz samples of a 440 Hz tone errs by at most about (pi f / rate)^2 / 2.
    assert np.abs(up[:-2] - expected[:-2]).max() < 0.02
    down = audio.resample(up, 16000, 11025).numpy()
    assert down.shape == (11025,)
    assert np.abs(down[:-2] - np.sin(2 * np.pi * 440 * np.arange(11025) / 11025)[:-2]).max() < 0.03


def test_decode_wav_at_resamples_files_at_any_rate():
    wav = tf.audio.encode_wav(tf.constant(np.linspace(-1, 1, 441, dtype="float32"))[:, None], sample_rate=44100)
    waveform = audio.decode_wav_at(wav, 16000).numpy()
    assert waveform.shape == (160,)
    ramp = np.linspace(-1, 1, 441)
    # Output sample 80 lies halfway between input samples 220 and 221; a symmetric low-pass filter keeps a ramp.
    np.testing.assert_allclose(waveform[80], np.interp(80 * 44100 / 16000, np.arange(441), ramp), atol=1e-4)


def test_downsampling_removes_what_would_fold_back():
    seconds = np.arange(16000) / 16000
    tone, whistle = np.sin(2 * np.pi * 440 * seconds), np.sin(2 * np.pi * 6000 * seconds)
    down = audio.resample((tone + whistle).astype("float32"), 16000, 8000).numpy()

    def amplitude(signal, hertz):
        # The middle of the clip, away from the filter's ends, whole periods of both tones.
        middle = signal[1000:7000]
        return 2 * np.abs(np.fft.rfft(middle))[np.argmin(np.abs(np.fft.rfftfreq(6000, 1 / 8000) - hertz))] / 6000

    assert amplitude(down, 440) == pytest.approx(1.0, abs=0.01)
    # Read off without the filter, the 6 kHz whistle is a 2 kHz tone of the same strength.
    assert amplitude((tone + whistle)[::2], 2000) == pytest.approx(1.0, abs=0.01)
    assert amplitude(down, 2000) < 1e-3
    np.testing.assert_array_equal(audio.resample(np.zeros(0, "float32"), 16000, 8000).numpy(), [])
