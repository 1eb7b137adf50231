"""Batches of waveforms or WAV files to padded, normalised audio features (TensorFlow)."""

import functools
import os

import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.audio import decode_wav_at
from mmkeras.preprocessing.audio import log_mel_spectrogram
from mmkeras.preprocessing.audio import mfcc
from mmkeras.preprocessing.audio import normalize_features
from mmkeras.preprocessing.audio import spec_augment
from mmkeras.preprocessing.audio import warp_features

FEATURES = ("log_mel", "mfcc")


def check_feature_settings(sample_rate, features, warp):
    """Refuse audio feature settings a preprocessor cannot use, naming the value.

    Example:

    >>> check_feature_settings(8000, "mfcc", 0.1)
    >>> check_feature_settings(8000, "mel", 0.0)
    Traceback (most recent call last):
    ...
    ValueError: `features` must be one of ('log_mel', 'mfcc'). Received: features='mel'
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 1:
        raise ValueError(f"`sample_rate` must be a positive int. Received: sample_rate={sample_rate!r}")
    if features not in FEATURES:
        raise ValueError(f"`features` must be one of {FEATURES}. Received: features={features!r}")
    if isinstance(warp, bool) or not isinstance(warp, (int, float)) or not 0.0 <= warp < 1.0:
        raise ValueError(f"`warp` must be a number in [0, 1). Received: warp={warp!r}")


def utterance_features(waveform, sample_rate, features="log_mel", num_mel_bins=40, augment=False, warp=0.0):
    """One waveform `(samples,)` to normalised features `(frames, bins)`:
    log-mel (`num_mel_bins`) or MFCC (13), zero mean and unit variance per
    bin, then SpecAugment masks if `augment`. With `augment` and `warp`
    above 0, the log-mel features are first stretched in time and frequency
    by up to `warp` (`warp_features`)."""
    values = log_mel_spectrogram(waveform, sample_rate, num_mel_bins)
    if augment and warp:
        values = warp_features(values, warp)
    if features == "mfcc":
        values = mfcc(values)
    values = normalize_features(values)
    return spec_augment(values) if augment else values


def waveform_features(waveforms, sample_rate, features="log_mel", num_mel_bins=40, augment=False, warp=0.0):
    """A batch of utterances as features `(B, T, bins)`, zero-padded to the longest.

    Args:
        waveforms: WAV files (a list of paths or file bytes, or a string
            tensor of paths), a list of mono float waveforms of any
            lengths, a float array `(B, samples)`, or a `tf.RaggedTensor`
            `(B, None)`. Waveforms are taken to be at `sample_rate`; a
            WAV file at another rate is resampled to it (`resample`).
        sample_rate: int, Hz.
        features: `"log_mel"` or `"mfcc"`.
        num_mel_bins: mel bands.
        augment: apply SpecAugment masks to each utterance (for training).
        warp: with `augment`, also stretch each utterance's features in time
            and frequency by up to this fraction (`warp_features`).

    Returns:
        float32 `(B, T, bins)`; padding frames are zeros (average features).

    Example:

    >>> waveform_features([np.zeros(8000, "float32"), np.zeros(4000, "float32")], 8000).shape
    TensorShape([2, 100, 40])
    """
    if features not in FEATURES:
        raise ValueError(f"`features` must be one of {FEATURES}. Received: features={features!r}")
    settings = (sample_rate, features, num_mel_bins, augment, warp)
    if isinstance(waveforms, (str, bytes, os.PathLike)):
        raise TypeError(f"Expected a batch of utterances: wrap a single file in a list, [{waveforms!r:.60}].")
    if isinstance(waveforms, (list, tuple)) and waveforms and isinstance(waveforms[0], (str, bytes, os.PathLike)):
        contents = [source if isinstance(source, bytes) else read_file_bytes(source) for source in waveforms]
        for index, (source, data) in enumerate(zip(waveforms, contents)):
            check_wav_bytes(data, f"utterance {index}" if isinstance(source, bytes) else os.fspath(source))
        batch = _batch_features("files", *settings)(tf.constant(contents))
    elif isinstance(waveforms, tf.Tensor) and waveforms.dtype == tf.string:
        batch = _batch_features("paths", *settings)(waveforms)
    else:
        if isinstance(waveforms, (list, tuple)):
            lengths = {np.shape(w) for w in waveforms}
            if any(len(shape) != 1 for shape in lengths):
                raise ValueError(
                    "Expected mono waveforms, one 1-D array per utterance (average the channels first). "
                    f"Received shapes {sorted(lengths)[:3]}."
                )
            arrays = [np.asarray(w, "float32") for w in waveforms]
            for index, array in enumerate(arrays):
                _check_samples(array, index)
            # From the concatenated samples: tf.ragged.constant converts sample by sample, in Python.
            waveforms = tf.RaggedTensor.from_row_lengths(np.concatenate(arrays), [len(array) for array in arrays])
        elif not isinstance(waveforms, tf.RaggedTensor):
            waveforms = tf.convert_to_tensor(waveforms, tf.float32)
            if waveforms.shape.rank != 2:
                raise ValueError(
                    "Expected a batch of mono waveforms (utterances, samples). "
                    f"Received shape {tuple(waveforms.shape)}."
                )
            if tf.executing_eagerly():
                for index, array in enumerate(waveforms.numpy()):
                    _check_samples(array, index)
        kind = "ragged" if isinstance(waveforms, tf.RaggedTensor) else "dense"
        batch = _batch_features(kind, *settings)(tf.cast(waveforms, tf.float32))
    return batch.to_tensor() if isinstance(batch, tf.RaggedTensor) else batch


@functools.lru_cache(maxsize=None)
def _batch_features(kind, sample_rate, features, num_mel_bins, augment, warp):
    """One traced function per input kind and settings that maps `utterance_features` over a batch.

    Run eagerly, `tf.map_fn` calls its function once per utterance from
    Python; traced, the loop runs in the graph: features of 2,400 WAV files
    took 41 s eagerly on a 2-core CPU and 1.6 s traced (tracing included).
    The random SpecAugment masks are drawn anew on every call.
    """
    bins = 13 if features == "mfcc" else num_mel_bins
    signature = tf.RaggedTensorSpec((None, bins), tf.float32, ragged_rank=0)
    specs = {
        "files": tf.TensorSpec([None], tf.string),
        "paths": tf.TensorSpec([None], tf.string),
        "ragged": tf.RaggedTensorSpec([None, None], tf.float32, ragged_rank=1),
        "dense": tf.TensorSpec([None, None], tf.float32),
    }

    def one(utterance):
        if kind == "paths":
            utterance = tf.io.read_file(utterance)
        if kind in ("files", "paths"):
            utterance = decode_wav_at(utterance, sample_rate)
        return utterance_features(utterance, sample_rate, features, num_mel_bins, augment, warp)

    @tf.function(input_signature=[specs[kind]])
    def batch(utterances):
        return tf.map_fn(one, utterances, fn_output_signature=signature)

    return batch


def _check_samples(waveform, index):
    if waveform.size == 0:
        raise ValueError(f"Utterance {index} has no samples: every utterance needs at least one.")
    if not np.isfinite(waveform).all():
        bad = int(np.flatnonzero(~np.isfinite(waveform))[0])
        raise ValueError(
            f"Utterance {index} holds a non-finite sample ({waveform[bad]} at position {bad}); "
            "a recording with NaN or infinity cannot be transcribed."
        )


def check_wav_bytes(data, source):
    """Refuse bytes that are not a RIFF/WAVE file, naming `source`, before TensorFlow's decoder sees them."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(
            f"Cannot decode audio {source}: it is not a WAV file (its first bytes are {data[:12]!r}). "
            "mmkeras reads PCM WAV; convert other formats first (e.g. `ffmpeg -i in.mp3 out.wav`)."
        )


def read_file_bytes(path):
    """The bytes of an audio file, or a `FileNotFoundError` that names it."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Audio file not found: {path}")
    with open(path, "rb") as file:
        return file.read()
