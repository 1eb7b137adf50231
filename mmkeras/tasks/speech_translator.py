"""Speech translation as a task: utterances in one language in, sentences in another out."""

import keras

from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models.translator import build_speech_translator
from mmkeras.tasks.speech_translator_preprocessor import SpeechTranslatorPreprocessor
from mmkeras.tasks.translator import Translator
from mmkeras.tasks.translator import as_tokenizer


@keras.saving.register_keras_serializable(package="mmkeras")
class SpeechTranslator(Translator):
    """End-to-end speech translation (`build_speech_translator`) with its preprocessor.

    Trains with `fit(utterances, translations)` on raw audio (WAV files or
    waveforms) and target sentences; `translate(utterances)` returns
    sentences, by greedy or beam search, and `search` the whole result
    with the attention over the encoded frames. No transcript of the
    source is written on the way. Its forward pass returns the decoder's
    logits `(B, T, target_vocabulary_size)`.

    Args:
        backbone: a model from `mmkeras.models.build_speech_translator`.
        preprocessor: a `SpeechTranslatorPreprocessor` whose tokenizer,
            target length and feature bins match the backbone.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> preset = {"task": "SpeechTranslator", "backbone": {"target_length": 8, "filters": (8,), "strides": (2,),
    ...           "recurrent_units": 8, "units": 16}, "training": {"learning_rate": 1e-2}}
    >>> translator = SpeechTranslator.from_preset(preset, target_vocabulary=["红", "色", "的", "圆", "形"])
    >>> history = translator.fit([np.zeros(4000, "float32")] * 4, ["红色的圆形"] * 4, epochs=1, verbose=0)
    >>> len(translator.translate([np.zeros(3000, "float32"), np.zeros(5000, "float32")]))
    2
    """

    preset_task = "SpeechTranslator"
    preprocessor_class = SpeechTranslatorPreprocessor

    def check_parts(self, backbone, preprocessor):
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        if sorted(inputs) != ["features", "tokens"]:
            raise ValueError(
                "`backbone` must be a model from build_speech_translator() with the inputs ['features', 'tokens']. "
                f"Received inputs {sorted(inputs) or backbone.input}."
            )
        if inputs["features"].shape[-1] != preprocessor.num_features:
            raise ValueError(
                f"The backbone takes {inputs['features'].shape[-1]} feature bins but the preprocessor makes "
                f"{preprocessor.num_features}. Build both from one preset."
            )
        if inputs["tokens"].shape[1] != preprocessor.target_length:
            raise ValueError(
                f"The backbone takes {inputs['tokens'].shape[1]} target tokens, but the preprocessor makes "
                f"{preprocessor.target_length}. Build both from one preset."
            )
        self.check_vocabulary("target", preprocessor.target_tokenizer, backbone.get_layer("decoder").vocab_size)

    @classmethod
    def from_preset(cls, preset, target_vocabulary, sample_rate=8000, compile=True, **backbone_overrides):
        """A new, untrained speech translator configured by `preset`.

        Args:
            preset: a preset dict, or the name of one registered with
                `mmkeras.tasks.register_preset`.
            target_vocabulary: a `WordTokenizer` of the target language,
                or a list of its words (characters for Chinese).
            sample_rate: the utterances' rate in Hz.
            compile: compile with the preset's learning rate and the masked
                sequence loss.
            **backbone_overrides: arguments of `build_speech_translator` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        target = as_tokenizer("target_vocabulary", target_vocabulary)
        backbone = build_speech_translator(target.vocabulary_size, **args)
        training = config.get("training", {})
        preprocessor = SpeechTranslatorPreprocessor(
            target, target_length=args.get("target_length", 12), sample_rate=sample_rate,
            num_mel_bins=args.get("num_features", 40), augment=training.get("augment", False),
            warp=training.get("warp", 0.0),
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=MaskedSequenceCrossEntropy())
        return task

    @property
    def grounded(self):
        """A speech translator reads no image."""
        return False

    def _inputs(self, utterances, images):
        if images is not None:
            raise ValueError("A speech translator reads utterances only; it takes no images.")
        self.preprocessor.check_inputs(utterances)
        return self.preprocessor(utterances)

    def search(self, utterances, beam_width=1, max_length=None, length_penalty=0.0):
        """The whole search result for raw utterances (see
        `generate_translations`): `tokens`, `scores` and the attention over
        the encoded frames."""
        return self._search(utterances, None, beam_width, max_length, length_penalty)

    def translate(self, utterances, beam_width=1, max_length=None, return_scores=False):
        """Translate raw utterances: greedy (`beam_width=1`) or beam search.

        Args:
            utterances: WAV files (paths or bytes) or waveforms at the
                preprocessor's sample rate.
            beam_width: 1 for greedy search.
            max_length: target tokens at most (the training length by default).
            return_scores: also return each translation's log-probability.

        Returns:
            A list of strings in the target language; with `return_scores`,
            also a NumPy array of their total log-probabilities.
        """
        return super().translate(utterances, None, beam_width, max_length, return_scores)
