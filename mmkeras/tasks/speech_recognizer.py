"""Speech to text as a task: waveforms or WAV files in, transcripts out."""

import keras

from mmkeras.generation import ctc_greedy_decode
from mmkeras.losses import CTC
from mmkeras.models.speech import build_speech_recognizer
from mmkeras.tasks.speech_recognizer_preprocessor import SpeechRecognizerPreprocessor
from mmkeras.tasks.task import Task


@keras.saving.register_keras_serializable(package="mmkeras")
class SpeechRecognizer(Task):
    """Speech to text (`build_speech_recognizer`, a CTC
    model) with its preprocessor and characters.

    Trains with `fit(utterances, transcripts)` on raw audio (WAV files or
    waveforms) and strings; `transcribe(utterances)` returns strings. Its
    forward pass returns the CTC logits `(B, frames, characters + 1)`.

    Args:
        backbone: a model from `mmkeras.models.build_speech_recognizer`.
        preprocessor: a `SpeechRecognizerPreprocessor` with the backbone's
            feature bins and characters.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> recognizer = SpeechRecognizer.from_preset(
    ...     "world_speech_recognizer", transcripts=["red", "blue"], filters=(8,), strides=(1,), recurrent_units=None)
    >>> history = recognizer.fit([np.zeros(4000, "float32")] * 2, ["red", "blue"], epochs=1, verbose=0)
    >>> len(recognizer.transcribe([np.zeros(3000, "float32")]))
    1
    """

    preset_task = "SpeechRecognizer"
    preprocessor_class = SpeechRecognizerPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        shape = tuple(backbone.input.shape) if not isinstance(backbone.input, (dict, list)) else ()
        if len(shape) != 3 or len(backbone.output.shape) != 3:
            raise ValueError(
                "`backbone` must be a model from build_speech_recognizer() from features (B, T, bins) to "
                f"logits (B, frames, characters + 1). Received inputs {backbone.input}."
            )
        if shape[-1] != preprocessor.num_features:
            raise ValueError(
                f"The backbone takes {shape[-1]} feature bins but the preprocessor makes "
                f"{preprocessor.num_features}. Build both from one preset."
            )
        if backbone.output.shape[-1] != preprocessor.vocabulary_size:
            raise ValueError(
                f"The backbone scores {backbone.output.shape[-1] - 1} characters but the preprocessor has "
                f"{len(preprocessor.characters)}: build it with vocabulary_size={preprocessor.vocabulary_size}."
            )

    @classmethod
    def from_preset(cls, preset, transcripts=None, characters=None, sample_rate=8000, compile=True,
                    **backbone_overrides):
        """A new, untrained recognizer configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("SpeechRecognizer")`)
                or a preset dict.
            transcripts: training transcripts to take the characters from;
                or pass `characters` (a string) instead.
            characters: the characters to write, when not from `transcripts`.
            sample_rate: the utterances' rate in Hz.
            compile: compile with Adam at the preset's learning rate and
                `mmkeras.losses.CTC()` (Keras's CTC loss, run by TensorFlow's
                fused kernel where it can be).
            **backbone_overrides: arguments of `build_speech_recognizer` to change.
        """
        if (transcripts is None) == (characters is None):
            raise ValueError("Pass exactly one of `transcripts` (to learn the characters from) and `characters`.")
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        feature_args = {
            "sample_rate": sample_rate,
            "num_mel_bins": args.get("num_features", 40),
            "augment": config.get("training", {}).get("augment", False),
            "warp": config.get("training", {}).get("warp", 0.0),
        }
        if transcripts is not None:
            preprocessor = SpeechRecognizerPreprocessor.from_transcripts(transcripts, **feature_args)
        else:
            preprocessor = SpeechRecognizerPreprocessor(characters, **feature_args)
        backbone = build_speech_recognizer(preprocessor.vocabulary_size, **args)
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=CTC())
        return task

    @property
    def characters(self):
        return self.preprocessor.characters

    def transcribe(self, utterances, batch_size=64):
        """Greedy CTC transcripts of raw utterances (WAV files or waveforms).

        Returns:
            A list of strings.
        """
        transcripts = []
        for start in range(0, len(utterances), batch_size):
            features = self.preprocessor.featurize(utterances[start:start + batch_size])
            labels, _ = ctc_greedy_decode(self.backbone(features, training=False))
            transcripts += self.preprocessor.decode(keras.ops.convert_to_numpy(labels))
        return transcripts
