"""Speech to text: an audio encoder with a character CTC head."""

import keras

from mmkeras.datasets.speech import CHARACTERS
from mmkeras.datasets.speech import decode_characters
from mmkeras.generation import ctc_greedy_decode
from mmkeras.layers import AudioEncoder


def build_speech_recognizer(
    num_features=40,
    vocabulary_size=len(CHARACTERS) + 1,
    filters=(64, 64),
    kernel_size=5,
    strides=(1, 2),
    recurrent_units=96,
    dropout=0.1,
    use_cudnn="auto",
    name="speech_recognizer",
):
    """Document 000's speech-to-text application as a CTC model.

    `AudioEncoder` (strided Conv1D blocks and a bidirectional GRU) reads
    the frames of an utterance and a dense layer scores every character
    (and the CTC blank, id 0) at every remaining frame. Train it with
    `keras.losses.CTC()` on `make_speech_dataset` batches; no alignment of
    characters to frames is needed. Decode with `transcribe`.

    Returns:
        A `keras.Model` from features `(B, T, num_features)` (any T) to
        logits `(B, ceil(T / prod(strides)), vocabulary_size)`.
    """
    features = keras.Input((None, num_features), name="features")
    encoded = AudioEncoder(filters, kernel_size, strides, recurrent_units, output="sequence", dropout=dropout,
                           use_cudnn=use_cudnn, name="audio_encoder")(features)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="characters")(encoded)
    return keras.Model(features, logits, name=name)


def transcribe(recognizer, features):
    """Greedy CTC transcripts of a batch of feature sequences.

    Args:
        recognizer: a model from `build_speech_recognizer`.
        features: `(B, T, num_features)`, e.g. a `make_speech_dataset` batch.

    Returns:
        A list of B strings.
    """
    labels, _ = ctc_greedy_decode(recognizer(features, training=False))
    return decode_characters(keras.ops.convert_to_numpy(labels))
