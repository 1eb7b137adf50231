"""Translation: an encoder of the source (words, words and an image, or
speech) and an attention LSTM decoder that writes the target."""

import keras
from keras import ops

from mmkeras.generation import beam_search
from mmkeras.generation import greedy_search
from mmkeras.generation import lstm_decoder_step
from mmkeras.layers import AudioEncoder
from mmkeras.layers import ImageEncoder
from mmkeras.layers import LSTMDecoder
from mmkeras.layers import TextEncoder


def build_translator(
    source_vocab_size,
    target_vocab_size,
    source_length=16,
    target_length=24,
    embedding_dim=64,
    units=128,
    image_size=None,
    filters=(32, 64, 128),
    downsampling="strided",
    dropout=0.0,
    use_cudnn="auto",
    name="translator",
):
    """Sequence to sequence with attention (Bahdanau et al.), from the library's layers.

    The source sentence is read by a bidirectional `TextEncoder` with
    `output="sequence"`: one `units`-wide vector per source token, padding
    masked. The `LSTMDecoder` writes the target one token at a time and,
    before every token, attends over those vectors, so it can look back at
    the source word it is translating instead of squeezing the sentence
    into one vector. With `image_size`, the model is *grounded* (as in
    multimodal translation on Multi30k), so the image can settle what the
    source leaves open: an `ImageEncoder` grid of regions (with
    coordinates) is appended to the source vectors, for the same attention
    to choose among words and regions, and the regions' mean, projected,
    is added to every word vector, so a vague word carries what the scene
    shows.

    Args:
        source_vocab_size, target_vocab_size: the two tokenizers' sizes.
        source_length: S, source tokens per sentence (with [START]/[END]).
        target_length: T, the decoder's input length.
        embedding_dim: width of both embeddings.
        units: width of the encoder's output (both directions together)
            and of the decoder's LSTM.
        image_size: `None` for text only, else the side of the images.
        filters, downsampling: the `ImageEncoder`'s, when there are images.
        dropout: the decoder's dropout.
        use_cudnn: the encoder's LSTM kernel choice.
        name: the model's name.

    Returns:
        A `keras.Model` with inputs `{"source": (B, S) int, "tokens": (B, T)
        int}` (and `"image": (B, size, size, 3)` when grounded) and logits
        `(B, T, target_vocab_size)`. Its layer `"memory"` outputs what the
        decoder attends over, and `"decoder"` is the `LSTMDecoder`:
        `generate_translations` uses both.

    Example:

    >>> model = build_translator(20, 30, source_length=6, target_length=8, embedding_dim=8, units=16)
    >>> logits = model({"source": np.ones((2, 6), "int32"), "tokens": np.ones((2, 8), "int32")})
    >>> tuple(logits.shape)
    (2, 8, 30)
    >>> grounded = build_translator(20, 30, 6, 8, embedding_dim=8, units=16, image_size=16, filters=(4, 8))
    >>> sorted(grounded.input)
    ['image', 'source', 'tokens']

    Reference:
        Bahdanau, Cho and Bengio, "Neural Machine Translation by Jointly
        Learning to Align and Translate", ICLR 2015. Elliott et al.,
        "Multi30K: Multilingual English-German Image Descriptions", 2016.
    """
    if units % 2:
        raise ValueError(f"`units` must be even (half for each direction of the encoder). Received: units={units!r}")
    source = keras.Input((source_length,), dtype="int32", name="source")
    tokens = keras.Input((target_length,), dtype="int32", name="tokens")
    inputs = {"source": source, "tokens": tokens}
    words = TextEncoder(
        source_vocab_size, embedding_dim, units // 2, bidirectional=True, output="sequence",
        use_cudnn=use_cudnn, name="source_encoder",
    )(source)
    if image_size is None:
        memory = keras.layers.Identity(name="memory")(words)
    else:
        image = keras.Input((image_size, image_size, 3), name="image")
        inputs["image"] = image
        # The region vectors end with their two coordinates, so they match the words' width.
        regions = ImageEncoder(
            filters, output="grid", output_dim=units - 2, coordinates=True, downsampling=downsampling,
            name="image_encoder",
        )(image)
        # The whole scene is also added to every word vector. Through the attention alone the image
        # lost the race: the words explain most characters first, the softmax then gives the regions
        # almost no weight and so almost no gradient, and a vague word was translated at chance.
        scene = keras.layers.GlobalAveragePooling1D(name="scene")(regions)
        scene = keras.layers.Dense(units, activation="tanh", name="scene_projection")(scene)
        scene = keras.layers.RepeatVector(source_length, name="scene_per_word")(scene)
        words = keras.layers.Add(name="words_in_the_scene")([words, scene])
        # Words first, then regions: one memory, one attention over both.
        memory = keras.layers.Concatenate(axis=1, name="memory")([words, regions])
    logits = LSTMDecoder(target_vocab_size, embedding_dim, units, dropout=dropout, name="decoder")([tokens, memory])
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(inputs, logits, name=name)


def build_speech_translator(
    target_vocab_size,
    target_length=12,
    num_features=40,
    filters=(64, 64),
    kernel_size=5,
    strides=(1, 2),
    recurrent_units=64,
    embedding_dim=32,
    units=128,
    dropout=0.1,
    use_cudnn="auto",
    name="speech_translator",
):
    """End-to-end speech translation: speech in one language, text in another.

    The source is an utterance's frames, not words: an `AudioEncoder`
    (Conv1D blocks and a bidirectional GRU, `output="sequence"`) turns
    them into one vector per remaining frame, and the `LSTMDecoder`
    attends over those frames while it writes the target, so no
    transcript of the source is ever written down (Bérard et al. 2016;
    Weiss et al. 2017). Padding frames (all zeros, as `waveform_features`
    pads) are masked from the encoder and from the attention.

    Args:
        target_vocab_size: the target tokenizer's size.
        target_length: T, the decoder's input length.
        num_features: feature bins per frame (40 log-mel bands, 13 MFCCs).
        filters, kernel_size, strides, recurrent_units, use_cudnn: the
            `AudioEncoder`'s; its output is `2 * recurrent_units` wide.
        embedding_dim: width of the target embedding.
        units: the decoder's LSTM width.
        dropout: the encoder's and decoder's dropout.
        name: the model's name.

    Returns:
        A `keras.Model` with inputs `{"features": (B, frames, num_features)
        float (any number of frames), "tokens": (B, T) int}` and logits
        `(B, T, target_vocab_size)`, with the layers `"source_encoder"`,
        `"memory"` and `"decoder"` that `generate_translations` uses.

    Example:

    >>> model = build_speech_translator(30, target_length=8, filters=(8, 8), recurrent_units=8, embedding_dim=8, units=16)
    >>> logits = model({"features": np.ones((2, 50, 40), "float32"), "tokens": np.ones((2, 8), "int32")})
    >>> tuple(logits.shape)
    (2, 8, 30)

    Reference:
        Bérard et al., "Listen and Translate: A Proof of Concept for
        End-to-End Speech-to-Text Translation", NIPS workshop 2016. Weiss
        et al., "Sequence-to-Sequence Models Can Directly Translate Foreign
        Speech", Interspeech 2017.
    """
    features = keras.Input((None, num_features), name="features")
    tokens = keras.Input((target_length,), dtype="int32", name="tokens")
    frames = keras.layers.Masking(0.0, name="frame_mask")(features)
    encoded = AudioEncoder(
        filters, kernel_size, strides, recurrent_units, output="sequence", dropout=dropout, use_cudnn=use_cudnn,
        name="source_encoder",
    )(frames)
    memory = keras.layers.Identity(name="memory")(encoded)
    logits = LSTMDecoder(target_vocab_size, embedding_dim, units, dropout=dropout, name="decoder")([tokens, memory])
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model({"features": features, "tokens": tokens}, logits, name=name)


def generate_translations(translator, inputs, start_id, end_id, max_length=24, beam_width=1, length_penalty=0.0):
    """Translate with a trained `build_translator` or `build_speech_translator`
    model: greedy or beam search.

    Encodes the source (and image) once, then runs the whole search as one
    loop (`mmkeras.generation`); the source's padding (padding tokens, or
    all-zero frames) is masked from the attention.

    Args:
        translator: a model from `build_translator` or `build_speech_translator`.
        inputs: `{"source": (B, S) int}` and, for a grounded model,
            `"image": (B, size, size, 3)` float in [0, 1]; for a speech
            translator, `{"features": (B, frames, bins) float}`.
        start_id, end_id: the target tokenizer's `[START]` and `[END]` ids.
        max_length: target tokens to generate.
        beam_width: 1 for greedy search.
        length_penalty: see `mmkeras.generation.beam_search`.

    Returns:
        A `SearchResult`: `tokens` `(B, max_length)`, `scores` `(B,)` and
        `attention` `(B, max_length, S [+ regions])`, the weights over the
        source tokens (then the image regions; or the encoded frames) for
        every generated token.

    Example:

    >>> model = build_translator(20, 30, source_length=6, target_length=8, embedding_dim=8, units=16)
    >>> result = generate_translations(model, {"source": np.ones((2, 6), "int32")}, start_id=2, end_id=3, max_length=5)
    >>> tuple(result.tokens.shape), tuple(result.attention.shape)
    ((2, 5), (2, 5, 6))
    """
    names = {layer.name for layer in translator.layers}
    if not {"memory", "decoder", "source_encoder"} <= names:
        raise ValueError(
            "`translator` must be a model from build_translator() or build_speech_translator(), with the layers "
            f"'source_encoder', 'memory' and 'decoder'. Received a model {translator.name!r} with layers {sorted(names)}."
        )
    source_key = "features" if "features" in translator.input else "source"
    grounded = "image" in translator.input
    if not isinstance(inputs, dict) or source_key not in inputs or (grounded and "image" not in inputs):
        expected = "'source' and 'image'" if grounded else repr(source_key)
        received = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
        raise ValueError(f"`inputs` must be a dict with {expected}. Received: {received}")
    encoder_inputs = {key: translator.input[key] for key in (source_key, "image") if key in translator.input}
    encoder = keras.Model(encoder_inputs, translator.get_layer("memory").output)
    memory = encoder({key: inputs[key] for key in encoder_inputs})
    if source_key == "features":
        features = ops.convert_to_tensor(inputs["features"], "float32")
        frames = ops.any(ops.not_equal(features, 0.0), axis=-1)
        mask = translator.get_layer("source_encoder").compute_mask(features, frames)
    else:
        source = ops.convert_to_tensor(inputs["source"], "int32")
        mask = ops.not_equal(source, 0)
        if grounded:
            regions = ops.shape(memory)[1] - ops.shape(source)[1]
            mask = ops.concatenate([mask, ops.ones((ops.shape(source)[0], regions), "bool")], axis=1)
    decoder = translator.get_layer("decoder")
    step_fn, state = lstm_decoder_step(decoder, memory, mask)
    if beam_width == 1:
        return greedy_search(step_fn, state, start_id, end_id, max_length)
    return beam_search(
        step_fn, state, decoder.vocab_size, start_id, end_id, max_length,
        beam_width=beam_width, length_penalty=length_penalty,
    )
