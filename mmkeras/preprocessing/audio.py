"""Audio features with TensorFlow ops, for `tf.data` pipelines.

WAV files are decoded with `tf.audio.decode_wav`; spectrograms, mel
scaling, decibels and SpecAugment masks come from tensorflow-io's
pure-Python audio functions when tensorflow-io is installed, and from the
same `tf.signal` computation otherwise (tensorflow-io has no wheel for
Python 3.13 and later, and its native library does not load with
TensorFlow 2.21, so nothing here touches the parts that need it). Both
paths give the same numbers; `audio_backend()` says which one runs.

Every function works on one unbatched example (a waveform `(samples,)` or
a spectrogram `(frames, bins)`), inside `Dataset.map` or eagerly.
"""

import functools
import pathlib
import warnings
import wave

import numpy as np
import tensorflow as tf


@functools.lru_cache(maxsize=None)
def _tfio_audio():
    """tensorflow-io's audio module, or None. Its import warns that its
    native plugins failed to load; those are the parts not used here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import tensorflow_io
        return tensorflow_io.audio
    except Exception:  # not installed, or broken beyond its Python ops
        return None


def audio_backend():
    """`"tensorflow-io"` or `"tf.signal"`: what computes the features.

    Example:

    >>> audio_backend() in ("tensorflow-io", "tf.signal")
    True
    """
    return "tensorflow-io" if _tfio_audio() is not None else "tf.signal"


def check_wav_file(path):
    """Raise a clear error unless `path` is a readable 16-bit PCM WAV file.

    Decoding inside `tf.data` fails late and without the file's name, so
    loaders check every file first with this (it reads the header and
    checks the data is all there, not the samples' values).

    Returns:
        `(sample_rate, channels, frames)`.

    Example:

    >>> from mmkeras.datasets import data_path
    >>> wav = next((data_path("speech") / "wav").rglob("*.wav"))
    >>> rate, channels, frames = check_wav_file(wav)
    >>> rate, channels
    (8000, 1)
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Audio file not found: {path}")
    try:
        with wave.open(str(path), "rb") as f:
            sample_rate, channels, width, frames = f.getframerate(), f.getnchannels(), f.getsampwidth(), f.getnframes()
            data = f.readframes(frames)
    except (wave.Error, EOFError) as error:
        raise ValueError(f"{path} is not a readable WAV file ({error}). Convert it to 16-bit PCM WAV.") from None
    if width != 2:
        raise ValueError(f"{path} has {8 * width}-bit samples; expected 16-bit PCM. Convert it first.")
    if len(data) != frames * channels * width:
        raise ValueError(
            f"{path} is truncated: its header promises {frames} frames but the file holds "
            f"{len(data) // (channels * width)}."
        )
    return sample_rate, channels, frames


def decode_wav(contents, sample_rate=None):
    """Decode WAV bytes to a mono float32 waveform in [-1, 1], `(samples,)`.

    Args:
        contents: a scalar string tensor, the file's bytes (`tf.io.read_file`).
        sample_rate: optional int; if given, a file at another rate fails
            with an error naming both rates (resampling needs
            tensorflow-io's native library, which does not load here).

    Returns:
        float32 `(samples,)`; several channels are averaged.

    Example:

    >>> wav = tf.audio.encode_wav(tf.zeros([800, 1]), sample_rate=8000)
    >>> tuple(decode_wav(wav, sample_rate=8000).shape)
    (800,)
    """
    audio, rate = tf.audio.decode_wav(contents)
    if sample_rate is not None:
        tf.debugging.assert_equal(
            rate, tf.constant(sample_rate, tf.int32),
            message=f"decode_wav: the file's sample rate differs from the expected {sample_rate} Hz",
        )
    return tf.reduce_mean(audio, axis=-1)


def resample(waveform, source_rate, target_rate):
    """Bring a mono waveform from `source_rate` to `target_rate`.

    Each output sample is read off the input by linear interpolation.
    Before that, when the rate goes down, a low-pass filter (a windowed
    sinc) removes what lies above the target's Nyquist frequency, which
    would otherwise fold back as false tones: a 6 kHz whistle in a 16 kHz
    recording would become a 2 kHz one at 8 kHz. Going up needs no filter
    and adds no frequencies above the source's Nyquist limit (8 kHz
    telephone audio to Whisper's 16 kHz). The ops are core TensorFlow, so a
    SavedModel runs them without tensorflow-io. The filter repeats the
    first and last samples past the ends, so the first and last few
    milliseconds of a downsampled clip are smoothed a little more.

    Args:
        waveform: float `(samples,)`.
        source_rate: int or int32 scalar tensor, the waveform's rate in Hz.
        target_rate: int, the rate wanted.

    Returns:
        float32 `(round(samples * target_rate / source_rate),)`.

    Example:

    >>> resample(tf.constant([0.0, 1.0, 0.0]), 8000, 16000).numpy().tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    >>> tuple(resample(tf.zeros([16000]), 16000, 8000).shape)
    (8000,)
    """
    waveform = tf.convert_to_tensor(waveform, tf.float32)
    ratio = tf.cast(source_rate, tf.float64) / tf.cast(target_rate, tf.float64)
    downsampling = tf.logical_and(ratio > 1.0, tf.size(waveform) > 0)
    waveform = tf.cond(downsampling, lambda: _low_pass(waveform, _ROLLOFF / ratio), lambda: waveform)
    samples = tf.shape(waveform)[0]
    length = tf.cast(tf.round(tf.cast(samples, tf.float64) / ratio), tf.int32)
    # Each output sample's place on the input's time axis, between two input samples.
    place = tf.minimum(tf.cast(tf.range(length), tf.float64) * ratio, tf.cast(samples - 1, tf.float64))
    left = tf.cast(tf.floor(place), tf.int32)
    right = tf.minimum(left + 1, samples - 1)
    weight = tf.cast(place - tf.floor(place), tf.float32)
    return tf.gather(waveform, left) * (1.0 - weight) + tf.gather(waveform, right) * weight


# The share of the target's Nyquist band the downsampling filter keeps: the
# rest is its transition band, so that the band it removes starts at the
# target's Nyquist frequency or just above.
_ROLLOFF = 0.94
# The filter spans this many zero crossings of its sinc on each side; more
# makes the cut sharper and the filter longer.
_ZERO_CROSSINGS = 16


def _low_pass(waveform, cutoff):
    """Keep the frequencies below `cutoff` (a fraction of the Nyquist frequency) with a Hann-windowed sinc."""
    half_width = tf.cast(tf.math.ceil(_ZERO_CROSSINGS / cutoff), tf.int32)
    taps = tf.cast(tf.range(-half_width, half_width + 1), tf.float64)
    window = 0.5 + 0.5 * tf.cos(np.pi * taps / tf.cast(half_width + 1, tf.float64))
    phase = np.pi * cutoff * taps
    centre = tf.equal(taps, 0.0)
    sinc = tf.where(centre, tf.ones_like(phase), tf.sin(phase) / tf.where(centre, tf.ones_like(phase), phase))
    kernel = sinc * window
    kernel = tf.cast(kernel / tf.reduce_sum(kernel), tf.float32)
    padded = tf.concat([tf.fill([half_width], waveform[0]), waveform, tf.fill([half_width], waveform[-1])], 0)
    return tf.nn.conv1d(padded[None, :, None], kernel[:, None, None], stride=1, padding="VALID")[0, :, 0]


def decode_wav_at(contents, target_rate):
    """Decode WAV bytes at any sample rate to a mono float32 waveform at `target_rate`.

    Example:

    >>> wav = tf.audio.encode_wav(tf.zeros([800, 1]), sample_rate=8000)
    >>> tuple(decode_wav_at(wav, 16000).shape)
    (1600,)
    """
    audio, rate = tf.audio.decode_wav(contents)
    return resample(tf.reduce_mean(audio, axis=-1), rate, target_rate)


def spectrogram(waveform, frame_length=256, frame_step=80, fft_length=None):
    """Magnitude STFT `(frames, fft_length // 2 + 1)`, Hann window, end padded."""
    fft_length = fft_length or frame_length
    tfio_audio = _tfio_audio()
    if tfio_audio is not None:
        return tfio_audio.spectrogram(waveform, nfft=fft_length, window=frame_length, stride=frame_step)
    return tf.math.abs(tf.signal.stft(waveform, frame_length, frame_step, fft_length,
                                      window_fn=tf.signal.hann_window, pad_end=True))


def mel_scale(magnitudes, sample_rate, num_mel_bins=40, lower_hertz=20.0, upper_hertz=None):
    """Project a magnitude spectrogram on `num_mel_bins` mel filters."""
    upper_hertz = upper_hertz or sample_rate / 2
    tfio_audio = _tfio_audio()
    if tfio_audio is not None:
        return tfio_audio.melscale(magnitudes, rate=sample_rate, mels=num_mel_bins, fmin=lower_hertz, fmax=upper_hertz)
    matrix = tf.signal.linear_to_mel_weight_matrix(num_mel_bins, tf.shape(magnitudes)[-1], sample_rate,
                                                   lower_hertz, upper_hertz)
    return tf.tensordot(magnitudes, matrix, 1)


def decibels(magnitudes, top_db=80.0):
    """`10 log10(magnitude ** 2)`, floored `top_db` below the loudest value."""
    tfio_audio = _tfio_audio()
    if tfio_audio is not None:
        return tfio_audio.dbscale(magnitudes, top_db=top_db)
    log_power = 10.0 * tf.math.log(tf.maximum(tf.square(magnitudes), 1e-10)) / tf.math.log(10.0)
    return tf.maximum(log_power, tf.reduce_max(log_power) - top_db)


def log_mel_spectrogram(waveform, sample_rate, num_mel_bins=40, frame_length=256, frame_step=80, top_db=80.0):
    """Log-mel features `(frames, num_mel_bins)` in dB of a waveform `(samples,)`.

    At 8 kHz the defaults give 32 ms windows every 10 ms.

    Example:

    >>> features = log_mel_spectrogram(tf.zeros([8000]), sample_rate=8000)
    >>> features.shape
    TensorShape([100, 40])
    """
    _check_waveform(waveform)
    magnitudes = spectrogram(waveform, frame_length, frame_step)
    return decibels(mel_scale(magnitudes, sample_rate, num_mel_bins), top_db)


def mfcc(log_mel, num_coefficients=13):
    """MFCCs `(frames, num_coefficients)` from `log_mel_spectrogram` output.

    The DCT-II of the log-mel energies (the classic speech features),
    via `tf.signal.mfccs_from_log_mel_spectrograms`, which expects natural
    logs: the dB values are converted first.

    Example:

    >>> log_mel = log_mel_spectrogram(tf.random.normal([8000], seed=1), sample_rate=8000, num_mel_bins=40)
    >>> tuple(mfcc(log_mel, 13).shape)
    (100, 13)
    """
    natural_log = tf.convert_to_tensor(log_mel) * (tf.math.log(10.0) / 10.0)
    return tf.signal.mfccs_from_log_mel_spectrograms(natural_log)[..., :num_coefficients]


def lpc(waveform, order=12, frame_length=256, frame_step=80):
    """Linear-prediction coefficients `(frames, order)` of a waveform `(samples,)`.

    Linear predictive coding predicts each sample from the `order` before
    it, `x[n] ~ a_1 x[n-1] + ... + a_order x[n-order]`: an all-pole filter,
    the classic model of the vocal tract shaping the buzz of the vocal
    cords (the feature speech coding used before MFCC). For each Hann-windowed
    frame the weights solve the autocorrelation (Yule-Walker) equations
    `R a = r`, where `r_k` is the frame's autocorrelation at lag k and
    `R` the Toeplitz matrix `R[i, j] = r_|i-j|`; a small diagonal term
    keeps silent frames solvable (their coefficients are zero). The frames
    are those of `log_mel_spectrogram` with the same lengths.

    Args:
        waveform: a float tensor `(samples,)`.
        order: int, the number of past samples each prediction uses.
        frame_length: int, samples per analysis window.
        frame_step: int, samples between window starts.

    Returns:
        A float32 tensor `(frames, order)`.

    Example:

    >>> # A resonance that obeys x[n] = 1.8 x[n-1] - 0.9 x[n-2] + noise is recovered.
    >>> noise, resonance = np.random.default_rng(0).normal(size=8000), np.zeros(8000)
    >>> for n in range(2, 8000):
    ...     resonance[n] = 1.8 * resonance[n - 1] - 0.9 * resonance[n - 2] + noise[n]
    >>> coefficients = lpc(resonance.astype("float32"), order=2, frame_length=1024, frame_step=512)
    >>> np.round(coefficients.numpy().mean(axis=0), 1)
    array([ 1.8, -0.9], dtype=float32)
    """
    _check_waveform(waveform)
    for name, value in (("order", order), ("frame_length", frame_length), ("frame_step", frame_step)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int. Received {name}={value!r}")
    if order >= frame_length:
        raise ValueError(
            f"`order` must be smaller than `frame_length`: a frame of {frame_length} samples cannot predict "
            f"from {order} before each. Received order={order}, frame_length={frame_length}"
        )
    waveform = tf.cast(waveform, tf.float32)
    frames = tf.signal.frame(waveform, frame_length, frame_step, pad_end=True) * tf.signal.hann_window(frame_length)
    autocorrelation = tf.stack(
        [tf.reduce_sum(frames[:, lag:] * frames[:, : frame_length - lag], axis=-1) for lag in range(order + 1)],
        axis=-1,
    )
    lag_of = tf.abs(tf.range(order)[:, None] - tf.range(order)[None, :])
    toeplitz = tf.gather(autocorrelation, lag_of, axis=-1)
    toeplitz += tf.eye(order) * (1e-6 * autocorrelation[:, :1, None] + 1e-9)
    return tf.linalg.solve(toeplitz, autocorrelation[:, 1:, None])[..., 0]


def warp_features(features, max_warp=0.15, seed=None):
    """Speed and vocal-tract-length perturbation on features: new voices from the ones there are.

    Stretches the utterance in time by a random factor in
    `[1 - max_warp, 1 + max_warp]` (a faster or slower speaker) and its
    frequency axis by another (a shorter or longer vocal tract moves every
    formant up or down together; Jaitly and Hinton, 2013), resampling the
    features bilinearly. Bands stretched past the top are dropped; bands
    squeezed below it are filled with the top band. Apply it to log-mel
    features before `normalize_features`.

    Args:
        features: float `(frames, bins)`.
        max_warp: float in `[0, 1)`, the largest relative stretch of either axis.
        seed: optional int, for the same warp every time.

    Returns:
        float32 `(new_frames, bins)`.

    Example:

    >>> warped = warp_features(tf.random.normal([100, 40]), max_warp=0.2, seed=1)
    >>> warped.shape[1], 80 <= warped.shape[0] <= 120
    (40, True)
    """
    if not 0.0 <= max_warp < 1.0:
        raise ValueError(f"`max_warp` must be in [0, 1). Received: max_warp={max_warp!r}")
    features = tf.convert_to_tensor(features, tf.float32)
    if features.shape.rank != 2 or features.shape[-1] is None:
        raise ValueError(f"Expected features (frames, bins) with a known number of bins. Received shape {features.shape}.")
    bins = features.shape[-1]
    if seed is None:
        factors = tf.random.uniform((2,), 1.0 - max_warp, 1.0 + max_warp)
    else:
        factors = tf.random.stateless_uniform((2,), (seed, 0), 1.0 - max_warp, 1.0 + max_warp)
    time_factor, frequency_factor = tf.unstack(factors)
    frames = tf.maximum(tf.cast(tf.round(tf.cast(tf.shape(features)[0], tf.float32) * time_factor), tf.int32), 1)
    new_bins = tf.maximum(tf.cast(tf.round(bins * frequency_factor), tf.int32), 1)
    warped = tf.image.resize(features[..., None], tf.stack([frames, new_bins]))[..., 0]
    top = warped[:, -1:]
    warped = tf.concat([warped, tf.repeat(top, tf.maximum(bins - new_bins, 0), axis=1)], axis=1)[:, :bins]
    return tf.ensure_shape(warped, (None, bins))


def spec_augment(features, freq_param=8, time_param=10, freq_masks=1, time_masks=2):
    """SpecAugment (Park et al., 2019): zero random bands of frequency and time.

    Normalise the features first (e.g. `normalize_features`) so that zero
    is the mean and a mask is a band of average, not of loud, sound.

    Args:
        features: `(frames, bins)`.
        freq_param, time_param: the widest mask, in bins and frames.
        freq_masks, time_masks: how many of each.

    Example:

    >>> masked = spec_augment(tf.ones([100, 40]), freq_param=8, time_param=10)
    >>> tuple(masked.shape), float(tf.reduce_min(masked)) == 0.0
    ((100, 40), True)
    """
    tfio_audio = _tfio_audio()
    for _ in range(freq_masks):
        features = tfio_audio.freq_mask(features, param=freq_param) if tfio_audio else _mask(features, freq_param, 1)
    for _ in range(time_masks):
        features = tfio_audio.time_mask(features, param=time_param) if tfio_audio else _mask(features, time_param, 0)
    return features


def _mask(features, param, axis):
    features = tf.convert_to_tensor(features)
    size = tf.shape(features)[axis]
    width = tf.random.uniform((), 0, param, dtype=tf.int32)
    start = tf.random.uniform((), 0, size - width, dtype=tf.int32)
    positions = tf.range(size)
    inside = tf.logical_and(positions >= start, positions < start + width)
    inside = tf.reshape(inside, (-1, 1) if axis == 0 else (1, -1))
    return tf.where(inside, tf.zeros_like(features), features)


def normalize_features(features):
    """Zero mean, unit variance per feature bin over the utterance's frames.

    Example:

    >>> features = normalize_features(tf.random.normal([50, 4], mean=3.0, stddev=2.0, seed=1))
    >>> bool(np.abs(features.numpy().mean(axis=0)).max() < 1e-5), np.allclose(features.numpy().std(axis=0), 1, atol=1e-3)
    (True, True)
    """
    mean, variance = tf.nn.moments(features, axes=[0], keepdims=True)
    return (features - mean) / tf.sqrt(variance + 1e-6)


def _check_waveform(waveform):
    shape = getattr(waveform, "shape", None)
    # A TensorShape knows its rank (or not, in a graph); a NumPy shape is a tuple.
    rank = None if shape is None else shape.rank if hasattr(shape, "rank") else len(shape)
    if rank is not None and rank != 1:
        raise ValueError(
            f"Expected one mono waveform of shape (samples,). Received shape {tuple(waveform.shape)}; "
            "map the function over a batch (e.g. in tf.data before batching) and average channels first."
        )
