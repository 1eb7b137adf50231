"""Speech to text: an audio encoder with a character CTC head."""

import keras

import numpy as np

from mmkeras.generation import ctc_greedy_decode
from mmkeras.layers import AudioEncoder
from mmkeras.layers._checks import check_positive_int


def build_speech_recognizer(
    vocabulary_size,
    num_features=40,
    filters=(64, 64),
    kernel_size=5,
    strides=(1, 2),
    recurrent_units=96,
    dropout=0.1,
    use_cudnn="auto",
    name="speech_recognizer",
):
    """Speech to text as a CTC model.

    `AudioEncoder` (strided Conv1D blocks and a bidirectional GRU) reads
    the frames of an utterance and a dense layer scores every character
    (and the CTC blank, id 0) at every remaining frame. Train it with
    `mmkeras.losses.CTC()` (or Keras's own, slower on TensorFlow) on
    `make_speech_dataset` batches; no alignment of characters to frames is
    needed. Decode with `transcribe`, or train the
    `mmkeras.tasks.SpeechRecognizer` task, which holds the characters.

    Args:
        vocabulary_size: the characters plus one (id 0 is the CTC blank).
        num_features: feature bins per frame (40 log-mel bands, 13 MFCCs).
        filters, kernel_size, strides, recurrent_units, dropout, use_cudnn:
            the `AudioEncoder`'s.
        name: model name.

    Returns:
        A `keras.Model` from features `(B, T, num_features)` (any T) to
        logits `(B, ceil(T / prod(strides)), vocabulary_size)`.

    Example:

    >>> recognizer = build_speech_recognizer(vocabulary_size=29, num_features=40, filters=(8, 8), recurrent_units=8)
    >>> tuple(recognizer(np.zeros((2, 100, 40), "float32")).shape)  # the second block halves the frames
    (2, 50, 29)
    """
    check_positive_int("vocabulary_size", vocabulary_size)
    if vocabulary_size < 2:
        raise ValueError(
            f"`vocabulary_size` counts the CTC blank and at least one character, so it must be >= 2. "
            f"Received: vocabulary_size={vocabulary_size}"
        )
    features = keras.Input((None, num_features), name="features")
    encoded = AudioEncoder(filters, kernel_size, strides, recurrent_units, output="sequence", dropout=dropout,
                           use_cudnn=use_cudnn, name="audio_encoder")(features)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="characters")(encoded)
    return keras.Model(features, logits, name=name)


def transcribe(recognizer, features, characters):
    """Greedy CTC transcripts of a batch of feature sequences.

    Args:
        recognizer: a model from `build_speech_recognizer`.
        features: `(B, T, num_features)`, e.g. a `make_speech_dataset` batch.
        characters: the string whose i-th character has id i + 1 (e.g.
            the world's `CHARACTERS`).

    Returns:
        A list of B strings.

    Example:

    >>> characters = "abcdefghijklmnopqrstuvwxyz '"  # id i + 1 is characters[i]; 0 is the blank
    >>> recognizer = build_speech_recognizer(vocabulary_size=len(characters) + 1, num_features=40, filters=(8, 8),
    ...                                      recurrent_units=8)
    >>> texts = transcribe(recognizer, np.zeros((2, 100, 40), "float32"), characters)  # untrained: any characters
    >>> len(texts), all(set(text) <= set(characters) for text in texts)
    (2, True)
    """
    vocabulary_size = recognizer.output.shape[-1]
    if not isinstance(characters, str) or len(characters) + 1 != vocabulary_size:
        raise ValueError(
            f"`characters` must be a string of the {vocabulary_size - 1} characters the recognizer scores "
            f"(ids 1..{vocabulary_size - 1}). Received: {characters!r:.80}"
        )
    labels, _ = ctc_greedy_decode(recognizer(features, training=False))
    labels = np.asarray(keras.ops.convert_to_numpy(labels))
    return ["".join(characters[i - 1] for i in row if i > 0) for row in labels]
