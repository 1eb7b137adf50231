"""Image captioning: a CNN region encoder and an attention LSTM decoder."""

import keras

from mmkeras.generation import beam_search
from mmkeras.generation import greedy_search
from mmkeras.generation import lstm_decoder_step
from mmkeras.layers import ImageEncoder
from mmkeras.layers import LSTMDecoder


def build_captioner(
    vocab_size,
    image_size=64,
    sequence_length=16,
    filters=(32, 64, 128),
    downsampling="max_pool",
    feature_dim=128,
    embedding_dim=64,
    units=256,
    attention_units=None,
    dropout=0.0,
    name="captioner",
):
    """An attention captioner: `ImageEncoder` regions + `LSTMDecoder`.

    The image becomes a grid of region features (with their coordinates);
    at every step the decoder attends over the regions with
    `a = softmax(v^T tanh(W1 h + W2 e))` and predicts the next word.
    Trained with teacher forcing on `make_scene_dataset(task="caption")`
    batches and `mmkeras.losses.MaskedSequenceCrossEntropy`. The image
    encoder's `filters` and `downsampling` (`"max_pool"` or `"strided"`)
    are `ImageEncoder`'s.

    Returns:
        A `keras.Model` with inputs
        `{"image": (B, S, S, 3), "tokens": (B, L) int}` and logits `(B, L, vocab_size)`. Its layers
        `"image_encoder"` and `"decoder"` drive `generate_captions`.

    Example:

    >>> captioner = build_captioner(vocab_size=20, image_size=16, sequence_length=5, filters=(4, 8), feature_dim=8,
    ...                             embedding_dim=4, units=8)
    >>> logits = captioner({"image": np.zeros((2, 16, 16, 3), "float32"), "tokens": np.ones((2, 5), "int32")})
    >>> tuple(logits.shape)
    (2, 5, 20)
    """
    image = keras.Input((image_size, image_size, 3), name="image")
    tokens = keras.Input((sequence_length,), dtype="int32", name="tokens")
    regions = ImageEncoder(
        filters,
        output="grid",
        output_dim=feature_dim,
        coordinates=True,
        downsampling=downsampling,
        name="image_encoder",
    )(image)
    logits = LSTMDecoder(
        vocab_size, embedding_dim, units, attention_units=attention_units, dropout=dropout, name="decoder"
    )([tokens, regions])
    # Under a mixed precision policy the decoder computes in half precision;
    # the logits the loss sees are float32 (a no-op under float32).
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model({"image": image, "tokens": tokens}, logits, name=name)


def generate_captions(captioner, images, start_id, end_id, max_length=16, beam_width=1, length_penalty=0.0):
    """Caption `images` with a trained captioner: greedy or beam search.

    Runs the image encoder once, then the whole search as one loop (see
    `mmkeras.generation`). Wrap the call in a compiled function (e.g.
    `tf.function(jit_compile=True)` on TensorFlow) to compile it with XLA.

    Args:
        captioner: a model from `build_captioner`.
        images: float `(B, S, S, 3)` in [0, 1].
        start_id, end_id: the tokenizer's `[START]` and `[END]` ids.
        max_length: tokens to generate.
        beam_width: 1 for greedy search, more for beam search.
        length_penalty: see `beam_search`.

    Returns:
        A `mmkeras.generation.SearchResult`: `tokens` `(B, max_length)`
        (detokenize them with the tokenizer), their total log-probability
        `scores` `(B,)`, and `attention` `(B, max_length, regions)`, the
        decoder's weights over the image regions for every generated word.

    Example:

    >>> captioner = build_captioner(vocab_size=20, image_size=32, filters=(8,), feature_dim=8, units=16)
    >>> result = generate_captions(captioner, np.zeros((2, 32, 32, 3)), start_id=2, end_id=3, max_length=5)
    >>> tuple(result.tokens.shape), tuple(result.attention.shape)
    ((2, 5), (2, 5, 256))
    """
    for layer_name in ("image_encoder", "decoder"):
        if layer_name not in {layer.name for layer in captioner.layers}:
            raise ValueError(
                f"`captioner` must be a model from build_captioner() with layers 'image_encoder' and "
                f"'decoder'. Received a model {captioner.name!r} without a layer {layer_name!r}."
            )
    regions = captioner.get_layer("image_encoder")(images)
    decoder = captioner.get_layer("decoder")
    step_fn, state = lstm_decoder_step(decoder, regions)
    if beam_width == 1:
        return greedy_search(step_fn, state, start_id, end_id, max_length)
    return beam_search(
        step_fn, state, decoder.vocab_size, start_id, end_id, max_length,
        beam_width=beam_width, length_penalty=length_penalty,
    )
