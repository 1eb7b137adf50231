"""Visual question answering models: an image and a question in, an answer out."""

import keras

from mmkeras.layers import AddFusion
from mmkeras.layers import AttentionFusion
from mmkeras.layers import BahdanauAttention
from mmkeras.layers import ConcatFusion
from mmkeras.layers import ImageEncoder
from mmkeras.layers import TextEncoder

FUSIONS = ("add", "concat", "attention", "question_attention")


def build_vqa_model(
    vocab_size,
    num_answers,
    image_size=64,
    question_length=16,
    fusion="add",
    width=128,
    hidden_units=None,
    filters=(16, 32, 64),
    glimpses=2,
    embedding_dim=64,
    dropout=0.0,
    use_cudnn="auto",
    name=None,
):
    """A VQA classifier over a fixed answer set, as a functional model.

    Image -> `ImageEncoder`, question -> `TextEncoder`, the two are fused,
    then an optional hidden layer and a softmax over the answers.

    - `fusion="add"` is document 002's model: `F = I_c + T_c`, both `width`
      wide, then `Dense(num_answers)` and softmax. With no hidden layer the
      answer's logits are a sum of an image part and a question part, so
      the model cannot express "the colour *of the circle*".
    - `"concat"`: `[I_c; T_c]`, `2 * width` wide.
    - `"attention"`: `AttentionFusion`, per-example weights over the two.
    - `"question_attention"`: the question attends over the image's region
      grid, with each region's coordinates appended, in `glimpses`
      separate `BahdanauAttention` layers (two glimpses can look at the two
      objects a position question compares); the attended regions are
      concatenated with the question, so the image summary depends on
      what is asked.

    Args:
        vocab_size: int, size of the question tokenizer's vocabulary.
        num_answers: int, number of answer classes.
        image_size: int, side of the square RGB input images.
        question_length: int, length of the padded question ids.
        fusion: one of `FUSIONS`.
        width: int, width of each modality's vector (`I_c`, `T_c`).
        hidden_units: optional int, a ReLU layer between fusion and softmax.
        filters: the `ImageEncoder`'s filters.
        glimpses: int, attention layers for `fusion="question_attention"`.
        embedding_dim: width of the word embeddings.
        dropout: dropout before the classifier.
        use_cudnn: passed to the question LSTM.
        name: model name (defaults to `vqa_<fusion>`).

    Returns:
        A `keras.Model` with inputs `{"image": (B, S, S, 3) float,
        "question": (B, L) int}` and softmax output `(B, num_answers)`.
    """
    if fusion not in FUSIONS:
        raise ValueError(f"`fusion` must be one of {FUSIONS}. Received: fusion={fusion!r}")
    image = keras.Input((image_size, image_size, 3), name="image")
    question = keras.Input((question_length,), dtype="int32", name="question")
    question_vector = TextEncoder(
        vocab_size, embedding_dim, width, use_cudnn=use_cudnn, name="question_encoder"
    )(question)
    if fusion == "question_attention":
        regions = ImageEncoder(
            filters, output="grid", output_dim=width, coordinates=True, name="image_encoder"
        )(image)
        attended = [
            BahdanauAttention(width, name=f"glimpse_{i}")(question_vector, regions)[0]
            for i in range(glimpses)
        ]
        fused = ConcatFusion(name="fusion")(attended + [question_vector])
    else:
        image_vector = ImageEncoder(
            filters, output="vector", pooling="flatten", output_dim=width, name="image_encoder"
        )(image)
        fusion_layer = {
            "add": lambda: AddFusion(name="fusion"),
            "concat": lambda: ConcatFusion(name="fusion"),
            "attention": lambda: AttentionFusion(width, name="fusion"),
        }[fusion]()
        fused = fusion_layer([image_vector, question_vector])
    if hidden_units:
        fused = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(fused)
    if dropout:
        fused = keras.layers.Dropout(dropout, name="dropout")(fused)
    answer = keras.layers.Dense(num_answers, activation="softmax", name="answer")(fused)
    return keras.Model({"image": image, "question": question}, answer, name=name or f"vqa_{fusion}")
