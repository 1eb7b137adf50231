"""Raw audio to Whisper's log-mel features, and Whisper's token ids to text."""

import os

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.audio import decode_wav_at
from mmkeras.preprocessing.audio import resample
from mmkeras.preprocessing.speech_features import check_wav_bytes
from mmkeras.preprocessing.speech_features import read_file_bytes
from mmkeras.tasks.preprocessor import Preprocessor

#: Whisper hears 16 kHz audio, 30 s at a time.
WHISPER_SAMPLE_RATE = 16000
WHISPER_SECONDS = 30


def _byte_decoder():
    """GPT-2's byte-level BPE writes every byte as a printable character; this maps each character back."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    characters = {byte: chr(byte) for byte in printable}
    shifted = 0
    for byte in range(256):
        if byte not in characters:
            characters[byte] = chr(256 + shifted)
            shifted += 1
    return {character: byte for byte, character in characters.items()}


@keras.saving.register_keras_serializable(package="mmkeras")
class WhisperTranscriberPreprocessor(Preprocessor):
    """WAV files or waveforms in, Whisper's inputs out; token ids back to text.

    Audio is brought to 16 kHz (`mmkeras.preprocessing.resample`, linear
    interpolation) and turned into 80 log-mel bands over a 30 s window by
    keras-hub's `WhisperAudioConverter`, as Whisper was trained. Text
    comes back from the byte-level BPE ids through a table of each id's
    bytes, so the same lookup runs eagerly and inside a SavedModel (no
    tensorflow-text); special tokens (ids from `end_id` up) write nothing.

    Args:
        tokenizer: a `keras_hub.models.WhisperTokenizer`
            (`mmkeras.pretrained.load_whisper_tokenizer`).
        prompt_ids, end_id, suppress_ids, suppress_at_begin: Whisper's
            decoding rules (`mmkeras.pretrained.load_whisper_decoding_rules`).
        sample_rate: the rate of waveforms passed as arrays (WAV files say
            their own).
        audio_converter: a `keras_hub.layers.WhisperAudioConverter`; the
            default one when `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a list of WAV file paths or bytes, or of mono float waveforms at
            `sample_rate`, each at most 30 s.

    Returns:
        The backbone's inputs: `encoder_features` float32 `(B, 3000, 80)`,
        and the prompt as `decoder_token_ids` and `decoder_padding_mask`.

    Example:

    >>> from mmkeras.pretrained import load_whisper_decoding_rules, load_whisper_tokenizer
    >>> preprocessor = WhisperTranscriberPreprocessor(load_whisper_tokenizer(), **load_whisper_decoding_rules())
    >>> tuple(preprocessor([np.zeros(8000, "float32")])["encoder_features"].shape)
    (1, 3000, 80)
    >>> preprocessor.detokenize([[50257, 1936, 13, 50256, 50256]])
    [' five.']
    """

    nested_layers = ("tokenizer", "audio_converter")

    def __init__(self, tokenizer, prompt_ids, end_id, suppress_ids=(), suppress_at_begin=(),
                 sample_rate=WHISPER_SAMPLE_RATE, audio_converter=None, **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = self.check_instance("tokenizer", tokenizer, keras_hub.models.WhisperTokenizer,
                                             " (mmkeras.pretrained.load_whisper_tokenizer makes one)")
        if audio_converter is None:
            audio_converter = keras_hub.layers.WhisperAudioConverter()
        self.audio_converter = self.check_instance("audio_converter", audio_converter,
                                                   keras_hub.layers.WhisperAudioConverter)
        self.prompt_ids = [int(t) for t in prompt_ids]
        self.end_id = int(end_id)
        self.suppress_ids = [int(t) for t in suppress_ids]
        self.suppress_at_begin = [int(t) for t in suppress_at_begin]
        self.sample_rate = self.check_length("sample_rate", sample_rate)
        if not self.prompt_ids:
            raise ValueError("`prompt_ids` must hold at least <|startoftranscript|>. Received an empty list.")
        self._token_bytes = None

    @property
    def token_bytes(self):
        """A string tensor: the bytes each token id writes (`b""` for special tokens)."""
        if self._token_bytes is None:
            if self.tokenizer.vocabulary is None:
                raise ValueError("The tokenizer holds no vocabulary (a tokenizer made from its config alone has "
                                 "none). Load it with mmkeras.pretrained.load_whisper_tokenizer, or load the "
                                 "whole task from its .keras file.")
            decoder = _byte_decoder()
            table = [b""] * self.end_id
            for token, index in self.tokenizer.vocabulary.items():
                if index < self.end_id:
                    table[index] = bytes(decoder[character] for character in token)
            self._token_bytes = table
        return self._token_bytes

    def check_inputs(self, x):
        if isinstance(x, (str, bytes, os.PathLike)):
            raise TypeError(f"Expected a batch of recordings: wrap a single file in a list, [{x!r:.60}].")

    def waveforms(self, x):
        """Each recording as a float32 NumPy waveform at 16 kHz, checked."""
        self.check_inputs(x)
        waveforms = []
        for index, item in enumerate(x):
            if isinstance(item, (str, os.PathLike, bytes)):
                contents = item if isinstance(item, bytes) else read_file_bytes(item)
                name = f"recording {index}" if isinstance(item, bytes) else os.fspath(item)
                check_wav_bytes(contents, name)
                waveform = decode_wav_at(contents, WHISPER_SAMPLE_RATE).numpy()
            else:
                name = f"recording {index}"
                samples = np.asarray(item, "float32")
                if samples.ndim != 1 or samples.size == 0:
                    raise ValueError(f"Recording {index} must be a non-empty mono waveform (samples,). "
                                     f"Received shape {samples.shape}.")
                waveform = resample(samples, self.sample_rate, WHISPER_SAMPLE_RATE).numpy()
            if not np.isfinite(waveform).all():
                raise ValueError(f"{name} holds a non-finite sample; it cannot be transcribed.")
            if len(waveform) > WHISPER_SAMPLE_RATE * WHISPER_SECONDS:
                raise ValueError(f"{name} lasts {len(waveform) / WHISPER_SAMPLE_RATE:.1f} s; Whisper hears "
                                 f"{WHISPER_SECONDS} s at a time. Split it into shorter pieces.")
            waveforms.append(waveform)
        if not waveforms:
            raise ValueError("Expected at least one recording. Received an empty batch.")
        return waveforms

    def featurize(self, x):
        """float32 log-mel features `(B, 3000, 80)` of raw recordings."""
        waveforms = self.waveforms(x)
        batch = np.zeros((len(waveforms), WHISPER_SAMPLE_RATE * WHISPER_SECONDS), "float32")
        for row, waveform in enumerate(waveforms):
            batch[row, :len(waveform)] = waveform
        return self.audio_converter(batch)

    def call(self, x, y=None, sample_weight=None):
        features = self.featurize(x)
        prompt = np.tile(np.array([self.prompt_ids], "int32"), (len(features), 1))
        return {"encoder_features": features, "decoder_token_ids": prompt,
                "decoder_padding_mask": np.ones_like(prompt)}

    def tokenize(self, texts):
        """Token ids of each text, as lists (no special tokens)."""
        return [[int(t) for t in keras.ops.convert_to_numpy(self.tokenizer(text))] for text in texts]

    def detokenize_tensor(self, ids):
        """A string tensor `(B,)` from int ids `(B, T)`, in TensorFlow ops (for exports)."""
        ids = tf.convert_to_tensor(ids)
        table = tf.constant(self.token_bytes + [b""])
        # Ids from end_id up (special tokens, timestamps) all map to the last, empty entry.
        ids = tf.where((ids >= 0) & (ids < self.end_id), ids, self.end_id)
        return tf.strings.reduce_join(tf.gather(table, ids), axis=-1)

    def detokenize(self, ids):
        """Python strings from rows of token ids."""
        texts = self.detokenize_tensor(np.asarray(keras.ops.convert_to_numpy(ids), "int32")).numpy()
        return [text.decode("utf-8", errors="replace") for text in texts]

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config())
        config.update({"prompt_ids": self.prompt_ids, "end_id": self.end_id, "suppress_ids": self.suppress_ids,
                       "suppress_at_begin": self.suppress_at_begin, "sample_rate": self.sample_rate})
        return config
