"""A BERT-style encoder pretrained by masked language modelling, as a task."""

import keras
import numpy as np

from mmkeras.models.bert import build_bert_encoder
from mmkeras.models.bert import build_bert_text_tower
from mmkeras.models.bert import build_mlm_model
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
from mmkeras.tasks.masked_language_model_preprocessor import MaskedLanguageModelPreprocessor
from mmkeras.tasks.task import Task


@keras.saving.register_keras_serializable(package="mmkeras")
class MaskedLanguageModel(Task):
    """BERT's pretraining (`build_bert_encoder` + `build_mlm_model`) with its preprocessor.

    Trains with `fit(texts)` on raw strings: each batch masks 15% of the
    pieces (redrawn every epoch) and the model learns to restore them.
    Its forward pass returns, for every position, the probabilities of the
    pieces (float32 softmax, so the loss is the sparse cross-entropy,
    weighted to the masked positions). `fill_mask` restores words in
    text; `encoder` and `text_tower` carry the pretrained encoder to other
    models (e.g. `ProductClassifier(text_encoder=...)`, to fine-tune it there).

    Args:
        backbone: a model from `mmkeras.models.build_mlm_model`.
        preprocessor: a `MaskedLanguageModelPreprocessor` with its sequence length.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> tokenizer = WordPieceTokenizer.from_corpus(["a red circle", "a blue square"] * 20, vocab_size=40)
    >>> mlm = MaskedLanguageModel.from_preset("world_bert", vocabulary=tokenizer, sequence_length=8)
    >>> history = mlm.fit(["a red circle", "a blue square"] * 8, epochs=1, verbose=0)
    >>> len(mlm.fill_mask(["a [MASK] circle"]))
    1
    """

    preset_task = "MaskedLanguageModel"
    preprocessor_class = MaskedLanguageModelPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        encoders = [layer for layer in backbone.layers if layer.name == "bert_encoder"]
        if not encoders or len(backbone.output.shape) != 3:
            raise ValueError(
                "`backbone` must be a model from build_mlm_model() around a build_bert_encoder() encoder. "
                f"Received {backbone.name!r}."
            )
        length, rows = backbone.input.shape[1], backbone.output.shape[-1]
        if length != preprocessor.sequence_length:
            raise ValueError(
                f"The backbone takes {length} pieces but the preprocessor makes {preprocessor.sequence_length}."
            )
        if rows != preprocessor.tokenizer.vocabulary_size:
            raise ValueError(
                f"The backbone predicts {rows} pieces but the tokenizer has {preprocessor.tokenizer.vocabulary_size}."
            )
        self.encoder = encoders[0]

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, **backbone_overrides):
        """A new, untrained masked language model configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("MaskedLanguageModel")`)
                or a preset dict.
            vocabulary: a `WordPieceTokenizer` (learn one with
                `WordPieceTokenizer.from_corpus(texts)`), or its vocabulary.
            compile: compile with Adam at the preset's learning rate and the
                sparse cross-entropy (weighted to the masked positions).
            **backbone_overrides: arguments of `build_bert_encoder` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        tokenizer = vocabulary if isinstance(vocabulary, WordPieceTokenizer) else WordPieceTokenizer(vocabulary)
        mask_rate = config.get("training", {}).get("mask_rate", 0.15)
        preprocessor = MaskedLanguageModelPreprocessor(tokenizer, args["sequence_length"], mask_rate)
        backbone = build_mlm_model(build_bert_encoder(tokenizer.vocabulary_size, **args))
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides,
                                     loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        return task

    def text_tower(self, name="text_encoder"):
        """A sentence vector model (the mean over real pieces) sharing the pretrained encoder's weights."""
        return build_bert_text_tower(self.encoder, name=name)

    def fill_mask(self, texts, return_pieces=False):
        """Restore the pieces a text marks with `[MASK]`.

        Args:
            texts: strings, each with one or more `[MASK]`.
            return_pieces: also return the pieces chosen for each text.

        Returns:
            A list of the texts with every `[MASK]` replaced by the most
            probable piece (normalised as the tokenizer normalises); with
            `return_pieces`, also a list of lists of the chosen pieces.
        """
        ids = self.preprocessor.tokenize_with_masks(texts)
        probabilities = np.asarray(self.backbone.predict(ids, verbose=0))
        tokenizer = self.preprocessor.tokenizer
        masked = ids == tokenizer.mask_id
        filled = np.where(masked, probabilities.argmax(-1), ids)
        vocabulary = tokenizer.vocabulary
        pieces = [[vocabulary[i] for i in row[mask]] for row, mask in zip(filled, masked)]
        filled_texts = [text.decode("utf-8") for text in tokenizer.detokenize(filled).numpy()]
        return (filled_texts, pieces) if return_pieces else filled_texts
