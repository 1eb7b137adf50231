"""Product classifiers: a photo and a text in, a category out, fused many ways."""

import keras

from mmkeras.layers import AddFusion
from mmkeras.layers import AttentionFusion
from mmkeras.layers import BilinearFusion
from mmkeras.layers import ConcatFusion
from mmkeras.layers import CrossAttentionFusion
from mmkeras.layers import GatedFusion
from mmkeras.layers import ImageEncoder
from mmkeras.layers import ModalityDropout
from mmkeras.layers import TextEncoder
from mmkeras.layers import WeightedSumFusion

FUSION_CHOICES = (
    "concat",
    "add",
    "weighted_sum",
    "gated",
    "attention",
    "cross_attention",
    "bilinear",
    "image_only",
    "text_only",
)


def _vector_fusion(fusion, width):
    return {
        "concat": lambda: ConcatFusion(name="fusion"),
        "add": lambda: AddFusion(name="fusion"),
        "weighted_sum": lambda: WeightedSumFusion(name="fusion"),
        "gated": lambda: GatedFusion(width, name="fusion"),
        "attention": lambda: AttentionFusion(width, name="fusion"),
        "bilinear": lambda: BilinearFusion(width, rank=4, name="fusion"),
    }[fusion]()


def build_product_classifier(
    vocab_size,
    num_classes,
    image_size=32,
    text_length=24,
    fusion="concat",
    width=64,
    hidden_units=64,
    filters=(16, 32, 64),
    downsampling="max_pool",
    image_pooling="max",
    embedding_dim=32,
    bidirectional=True,
    num_heads=4,
    modality_dropout=0.0,
    dropout=0.1,
    text_encoder=None,
    use_cudnn="auto",
    name=None,
):
    """A product classifier with one encoder per modality and a chosen fusion.

    Photo -> `ImageEncoder` (a region grid for `"cross_attention"`, a
    vector otherwise), text -> `TextEncoder` (per-token states for
    `"cross_attention"`, the final state otherwise), both `width` wide;
    then the fusion, a ReLU layer named `"embedding"` (the fused product
    embedding, for search and recommendation) and a softmax over the
    categories. Every fusion uses the same encoders, so a comparison
    between them measures the fusion alone.

    `"image_only"` and `"text_only"` keep the model's inputs but use one
    modality: the unimodal baselines. `"cross_attention"` lets every word
    attend over the image regions (`CrossAttentionFusion`) and averages
    the words.

    Args:
        vocab_size: int, the tokenizer's vocabulary size.
        num_classes: int, number of categories.
        image_size: int, side of the square RGB photos.
        text_length: int, length of the padded text ids.
        fusion: one of `FUSION_CHOICES`.
        width: int, width of each modality's features.
        hidden_units: int, width of the `"embedding"` layer.
        filters: the `ImageEncoder`'s filters.
        downsampling: the `ImageEncoder`'s downsampling, `"max_pool"` or
            `"strided"`.
        image_pooling: the `ImageEncoder`'s pooling for vector output. Max
            pooling keeps the strongest response to each local pattern (a
            corner, a curve) wherever it is; on the shop it learns the
            product's form several times faster than averaging.
        embedding_dim: width of the word embeddings.
        bidirectional: read the text in both directions (`width // 2`
            units each way). A word at the start of a long text (the
            title's) is then as close to the output as one at the end.
        num_heads: heads of the cross-attention.
        modality_dropout: rate of a `ModalityDropout` on the raw inputs:
            while training, a photo is blanked or a text emptied at this
            rate, so the model learns to answer from the other modality;
            at inference, pass zeros for a missing modality.
        dropout: dropout rate before the classifier.
        text_encoder: optional layer or model mapping ids `(B, L)` to
            `(B, D)` (or `(B, L, D)` for cross-attention) that replaces the
            built-in `TextEncoder`, e.g. one with Word2Vec embeddings or a
            pretrained Transformer.
        use_cudnn: passed to the text LSTM.
        name: model name (defaults to `product_<fusion>`).

    Returns:
        A `keras.Model` with inputs
        `{"image": (B, S, S, 3) float, "text": (B, L) int}` and softmax output `(B, num_classes)`.

    Example:

    >>> model = build_product_classifier(100, 9, fusion="gated")
    >>> model.output_shape
    (None, 9)
    """
    if fusion not in FUSION_CHOICES:
        raise ValueError(f"`fusion` must be one of {FUSION_CHOICES}. Received: fusion={fusion!r}")
    image = keras.Input((image_size, image_size, 3), name="image")
    text = keras.Input((text_length,), dtype="int32", name="text")
    image_in, text_in = image, text
    if modality_dropout:
        image_in, text_in = ModalityDropout(modality_dropout, name="modality_dropout")([image, text])
    sequences = fusion == "cross_attention"
    if text_encoder is None:
        text_encoder = TextEncoder(
            vocab_size,
            embedding_dim,
            width // 2 if bidirectional else width,
            bidirectional=bidirectional,
            output="sequence" if sequences else "vector",
            use_cudnn=use_cudnn,
            name="text_encoder",
        )
    image_encoder = ImageEncoder(
        filters,
        output="grid" if sequences else "vector",
        pooling=image_pooling,
        output_dim=width,
        coordinates=sequences,
        downsampling=downsampling,
        name="image_encoder",
    )
    if fusion == "image_only":
        fused = image_encoder(image_in)
    elif fusion == "text_only":
        fused = text_encoder(text_in)
    elif sequences:
        fused = CrossAttentionFusion(num_heads, max(1, width // num_heads), output="vector", name="fusion")(
            [text_encoder(text_in), image_encoder(image_in)]
        )
    else:
        fused = _vector_fusion(fusion, width)([image_encoder(image_in), text_encoder(text_in)])
    embedding = keras.layers.Dense(hidden_units, activation="relu", name="embedding")(fused)
    if dropout:
        embedding = keras.layers.Dropout(dropout, name="dropout")(embedding)
    category = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="category")(embedding)
    return keras.Model(
        {"image": image, "text": text}, category, name=name or f"product_{fusion}"
    )
