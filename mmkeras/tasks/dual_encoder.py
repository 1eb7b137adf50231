"""Cross-modal retrieval as a task: texts find images, images find texts."""

import keras
import numpy as np

from mmkeras.losses import SymmetricInfoNCE
from mmkeras.models.dual_encoder import build_dual_encoder
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.dual_encoder_preprocessor import DualEncoderPreprocessor
from mmkeras.tasks.task import Task


@keras.saving.register_keras_serializable(package="mmkeras")
class DualEncoder(Task):
    """Images and texts aligned in one space
    (`build_dual_encoder`, the CLIP recipe) with its preprocessor.

    Trains with `fit({"image": images, "text": captions})` on raw pairs and
    no targets (the symmetric InfoNCE loss knows that pair i is the
    positive of row i). Its forward pass returns the similarity logits
    `(B, B)`; `search` ranks candidates for queries, in either direction.

    Args:
        backbone: a model from `mmkeras.models.build_dual_encoder` (with its
            `"image_tower"` and `"text_tower"`).
        preprocessor: a `DualEncoderPreprocessor` with the backbone's sizes.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> retriever = DualEncoder.from_preset("world_dual_encoder", vocabulary=["a", "red", "blue", "circle"],
    ...                                     filters=(4,), embedding_dim=4, text_units=4)
    >>> pairs = {"image": np.zeros((4, 40, 40, 3), "uint8"), "text": ["a red circle", "a blue circle"] * 2}
    >>> history = retriever.fit(pairs, epochs=1, verbose=0)
    >>> indices, scores = retriever.search(["a red circle"], pairs["image"], top_k=2)
    >>> indices.shape, scores.shape
    ((1, 2), (1, 2))
    """

    preset_task = "DualEncoder"
    preprocessor_class = DualEncoderPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        inputs = backbone.input if isinstance(backbone.input, dict) else {}
        towers = {layer.name for layer in backbone.layers}
        if sorted(inputs) != ["image", "text"] or not {"image_tower", "text_tower"} <= towers:
            raise ValueError(
                "`backbone` must be a model from build_dual_encoder() with the inputs ['image', 'text'] and the "
                f"sub-models 'image_tower' and 'text_tower'. Received inputs {sorted(inputs) or backbone.input}."
            )
        image_size, length = inputs["image"].shape[1], inputs["text"].shape[1]
        if preprocessor.image_converter.image_size != image_size or preprocessor.sequence_length != length:
            raise ValueError(
                f"The backbone takes {image_size}-pixel images and {length} tokens, but the preprocessor makes "
                f"{preprocessor.image_converter.image_size}-pixel images and {preprocessor.sequence_length} "
                "tokens. Build both from one preset."
            )
        self.image_tower = backbone.get_layer("image_tower")
        self.text_tower = backbone.get_layer("text_tower")

    @classmethod
    def from_preset(cls, preset, vocabulary, compile=True, **backbone_overrides):
        """A new, untrained dual encoder configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("DualEncoder")`)
                or a preset dict.
            vocabulary: a `WordTokenizer`, or a list of words.
            compile: compile with Adam at the preset's learning rate and the
                symmetric InfoNCE loss.
            **backbone_overrides: arguments of `build_dual_encoder` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        tokenizer = vocabulary if isinstance(vocabulary, WordTokenizer) else WordTokenizer(vocabulary)
        backbone = build_dual_encoder(tokenizer.vocabulary_size, **args)
        preprocessor = DualEncoderPreprocessor(
            ImageConverter(backbone.input["image"].shape[1]), tokenizer, backbone.input["text"].shape[1]
        )
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides, loss=SymmetricInfoNCE())
        return task

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            # The targets are the diagonal of the similarity matrix, which the
            # contrastive loss knows; Keras still needs a tensor to pass it.
            y = keras.ops.zeros(keras.ops.shape(y_pred)[:1])
        return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)

    def embed_images(self, images, batch_size=256):
        """Unit-length float32 embeddings `(B, embed_dim)` of raw images."""
        vectors = self.image_tower.predict(self.preprocessor.convert_images(images), batch_size=batch_size, verbose=0)
        return _unit(vectors)

    def embed_texts(self, texts, batch_size=256):
        """Unit-length float32 embeddings `(B, embed_dim)` of strings."""
        vectors = self.text_tower.predict(self.preprocessor.tokenize(texts), batch_size=batch_size, verbose=0)
        return _unit(vectors)

    def similarity(self, queries, candidates):
        """Cosine similarities `(Q, C)` of queries and candidates (texts or images, one kind each)."""
        return self._embed(queries, "queries") @ self._embed(candidates, "candidates").T

    def search(self, queries, candidates, top_k=5):
        """The best `top_k` candidates for every query, best first.

        Args:
            queries: strings (text-to-image search) or images
                (image-to-text search): arrays, `pathlib.Path` objects or file
                bytes (a plain string is read as a text).
            candidates: images for text queries, strings for image queries.
            top_k: candidates to return per query (at most all of them).

        Returns:
            `(indices, scores)`: int `(Q, top_k)` positions in `candidates`
            and float32 `(Q, top_k)` cosine similarities.
        """
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"`top_k` must be a positive int. Received: top_k={top_k!r}")
        for role, batch in (("queries", queries), ("candidates", candidates)):
            if isinstance(batch, str):
                raise TypeError(f"`{role}` must be a batch: wrap a single text in a list, [{batch!r:.60}].")
            if batch is None or len(batch) == 0:
                raise ValueError(f"`{role}` is empty ({batch!r:.40}): search needs at least one of each.")
        if _is_text(queries) == _is_text(candidates):
            raise ValueError(
                "Search from texts to images or from images to texts: `queries` and `candidates` must be of "
                f"different kinds. Received {'texts' if _is_text(queries) else 'images'} for both."
            )
        scores = self.similarity(queries, candidates)
        top_k = min(top_k, scores.shape[1])
        indices = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
        return indices, np.take_along_axis(scores, indices, axis=1)

    def _embed(self, batch, role):
        if isinstance(batch, str):
            raise TypeError(f"`{role}` must be a batch: wrap a single text in a list, [{batch!r:.60}].")
        return self.embed_texts(list(batch)) if _is_text(batch) else self.embed_images(batch)


def _is_text(batch):
    if isinstance(batch, np.ndarray):
        return batch.dtype.kind in "US"
    return isinstance(batch, (list, tuple)) and bool(batch) and isinstance(batch[0], str)


def _unit(vectors):
    vectors = np.asarray(vectors, dtype="float32")
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
