"""The speech translator's preprocessor: utterances to features, target sentences to decoder inputs."""

import keras

from mmkeras.preprocessing.speech_features import check_feature_settings
from mmkeras.preprocessing.speech_features import waveform_features
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class SpeechTranslatorPreprocessor(Preprocessor):
    """Utterances in one language (WAV files or waveforms) and sentences in
    another in; `{"features", "tokens"}` and the next target tokens out,
    for teacher forcing.

    The features are the speech recognizer's (normalised log-mel bands or
    MFCCs, padded with zero frames, which the translator masks); the
    target language has its own `WordTokenizer` (a Chinese one makes every
    character a token).

    Args:
        target_tokenizer: a `WordTokenizer` of the target language (its
            `[START]`/`[END]` tokens drive generation).
        target_length: T, the decoder's input length.
        sample_rate: the utterances' rate in Hz.
        features: `"log_mel"` or `"mfcc"`.
        num_mel_bins: mel bands.
        augment: SpecAugment masks on the training utterances (in
            `Task.fit`'s training pipeline only).
        warp: with `augment`, also stretch the training utterances'
            features by up to this fraction (new voices from the training ones).
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: a batch of utterances (see `waveform_features`: WAV paths or
            bytes, a list of waveforms, a padded float batch).
        y: optional target strings `(B,)`.

    Returns:
        `{"features": (B, frames, bins) float32}` without `y`; with it,
        `({"features": ..., "tokens": (B, T) int32}, next_tokens (B, T))`.

    Example:

    >>> chinese = WordTokenizer.from_corpus(["红色的圆形"])
    >>> preprocessor = SpeechTranslatorPreprocessor(chinese, target_length=8, sample_rate=8000)
    >>> x, next_tokens = preprocessor([np.zeros(8000, "float32")], ["红色的圆形"])
    >>> tuple(x["features"].shape), chinese.detokenize(next_tokens).numpy()[0].decode()
    ((1, 100, 40), '红色的圆形')
    """

    nested_layers = ("target_tokenizer",)

    def __init__(self, target_tokenizer, target_length=12, sample_rate=8000, features="log_mel", num_mel_bins=40,
                 augment=False, warp=0.0, **kwargs):
        super().__init__(**kwargs)
        self.check_instance(
            "target_tokenizer", target_tokenizer, WordTokenizer, " (its [START]/[END] tokens drive generation)"
        )
        self.check_length("target_length", target_length, 2)
        check_feature_settings(sample_rate, features, warp)
        self.target_tokenizer = target_tokenizer
        self.target_length = target_length
        self.sample_rate = sample_rate
        self.features = features
        self.num_mel_bins = num_mel_bins
        self.augment = bool(augment)
        self.warp = float(warp)

    @property
    def num_features(self):
        """Feature bins per frame: the backbone's `num_features`."""
        return 13 if self.features == "mfcc" else self.num_mel_bins

    def check_inputs(self, x):
        if isinstance(x, str):
            raise TypeError(f"Expected a batch of utterances: wrap a single file in a list, [{x!r:.60}].")
        if isinstance(x, dict):
            raise ValueError(f"A speech translator takes utterances, not a dict. Received a dict with {sorted(x)}.")

    def featurize(self, utterances):
        """Only the features: float32 `(B, frames, bins)` (augmented inside `augmentation()` if `augment`)."""
        return waveform_features(utterances, self.sample_rate, self.features, self.num_mel_bins,
                                 augment=self.augment and self.augmenting, warp=self.warp)

    def call(self, x, y=None, sample_weight=None):
        inputs = {"features": self.featurize(x)}
        return self.pack_teacher_forced(inputs, self.target_tokenizer, y, self.target_length, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(
            self.nested_config(),
            target_length=self.target_length,
            sample_rate=self.sample_rate,
            features=self.features,
            num_mel_bins=self.num_mel_bins,
            augment=self.augment,
            warp=self.warp,
        )
        return config
