"""Waveforms or WAV files to the recognizer's features; transcripts to character ids."""

import keras
import numpy as np
import tensorflow as tf

from mmkeras.preprocessing.speech_features import check_feature_settings
from mmkeras.preprocessing.speech_features import waveform_features
from mmkeras.preprocessing.text_normalization import normalize_text
from mmkeras.preprocessing.tokenizer import as_string_tensor
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class SpeechRecognizerPreprocessor(Preprocessor):
    """Utterances in, normalised features out; transcripts as character ids
    for the CTC loss, and ids back to text.

    It holds the characters the recognizer writes, so a recognizer trained
    on your own transcripts (any script) writes them. Transcripts are
    normalised as the word tokenizers do (NFKC, case folding, punctuation
    other than the apostrophe removed) before they are split into
    characters.

    Args:
        characters: the characters, a string; character i has id i + 1
            (id 0 is the CTC blank and the padding).
        sample_rate: the utterances' rate in Hz.
        features: `"log_mel"` or `"mfcc"`.
        num_mel_bins: mel bands.
        augment: apply SpecAugment masks to the training utterances (in
            `Task.fit`'s training pipeline only, never in `transcribe`,
            `predict`, `evaluate` or the validation data).
        warp: with `augment`, also stretch every training utterance's
            features in time and frequency by a random factor within
            `1 +- warp` (`mmkeras.preprocessing.audio.warp_features`): speed
            and vocal-tract-length perturbation, new voices from the
            training ones. 0 turns it off.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a batch of utterances (see `waveform_features`: WAV paths or
            bytes, a list of waveforms, a ragged or padded float batch).
        y: optional transcripts `(B,)`.

    Returns:
        float32 features `(B, T, bins)`; with `y`, also int32 character ids
        `(B, longest transcript)`, 0-padded, as `keras.losses.CTC` takes them.

    Example:

    >>> preprocessor = SpeechRecognizerPreprocessor(" abc", sample_rate=8000)
    >>> features, ids = preprocessor([np.zeros(8000, "float32")], ["Cab, a"])
    >>> tuple(features.shape), ids.numpy().tolist(), preprocessor.decode([[4, 2, 3]])
    ((1, 100, 40), [[4, 2, 3, 1, 2]], ['cab'])
    """

    def __init__(self, characters, sample_rate=8000, features="log_mel", num_mel_bins=40, augment=False, warp=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(characters, str) or not characters or len(set(characters)) != len(characters):
            raise ValueError(
                f"`characters` must be a non-empty string of distinct characters. Received: {characters!r:.80}"
            )
        unreachable = [c for c in characters if c != " " and normalize_text([c]).numpy()[0].decode("utf-8") != c]
        if unreachable:
            raise ValueError(
                f"The characters {unreachable[:5]} never appear in a normalised transcript (which is NFKC "
                "normalised, case folded and stripped of punctuation but the apostrophe): use their normalised forms."
            )
        check_feature_settings(sample_rate, features, warp)
        self.characters = characters
        self.sample_rate = sample_rate
        self.features = features
        self.num_mel_bins = num_mel_bins
        self.augment = bool(augment)
        self.warp = float(warp)
        self._to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(list(characters)), tf.range(1, len(characters) + 1, dtype=tf.int32)
            ),
            default_value=-1,
        )

    @classmethod
    def from_transcripts(cls, transcripts, **kwargs):
        """A preprocessor whose characters are those of `transcripts` (normalised), sorted."""
        texts = normalize_text(list(transcripts)).numpy()
        characters = sorted(set("".join(text.decode("utf-8") for text in texts)))
        return cls("".join(characters), **kwargs)

    @property
    def num_features(self):
        return 13 if self.features == "mfcc" else self.num_mel_bins

    @property
    def vocabulary_size(self):
        """The characters plus the CTC blank: the width of the recognizer's output."""
        return len(self.characters) + 1

    def featurize(self, utterances):
        """Only the features: float32 `(B, T, bins)` (augmented inside `augmentation()` if `augment`)."""
        return waveform_features(utterances, self.sample_rate, self.features, self.num_mel_bins,
                                 augment=self.augment and self.augmenting, warp=self.warp)

    def encode(self, transcripts):
        """int32 character ids `(B, longest)`, 0-padded; unknown characters are refused."""
        texts = normalize_text(as_string_tensor(transcripts))
        characters = tf.strings.unicode_split(texts, "UTF-8")
        ids = tf.ragged.map_flat_values(self._to_id.lookup, characters)
        if tf.executing_eagerly():
            unknown = sorted({c.decode("utf-8") for c in characters.flat_values.numpy()[ids.flat_values.numpy() < 0]})
            if unknown:
                raise ValueError(
                    f"The transcripts hold characters this recognizer cannot write: {unknown[:10]}. Its characters "
                    f"are {self.characters!r:.80}; build it with SpeechRecognizerPreprocessor.from_transcripts(...)."
                )
            return ids.to_tensor()
        check = tf.debugging.assert_non_negative(
            ids.flat_values, message="a transcript holds a character this recognizer cannot write"
        )
        with tf.control_dependencies([check]):
            return tf.identity(ids.to_tensor())

    def decode(self, ids):
        """Strings from rows of character ids; 0 (blank, padding) and negative ids are skipped."""
        count = len(self.characters)
        return ["".join(self.characters[i - 1] for i in row if 0 < i <= count) for row in np.asarray(ids)]

    def call(self, x, y=None, sample_weight=None):
        features = self.featurize(x)
        if y is None:
            return features
        return self.pack(features, self.encode(y), sample_weight)

    def check_targets(self, y):
        self.encode(y)

    def get_config(self):
        config = super().get_config()
        config.update(
            characters=self.characters, sample_rate=self.sample_rate, features=self.features,
            num_mel_bins=self.num_mel_bins, augment=self.augment, warp=self.warp,
        )
        return config
