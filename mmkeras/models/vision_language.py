"""A small vision-language model: image tokens as the prefix of a decoder-only language model.

The layout is PaliGemma's and LLaVA's, at the size of the bundled world:

    image -> ImageEncoder (region grid) -> ModalityProjector -> N image tokens
    [N image tokens][prompt, padded to Lp][START answer END pad ...]
     \\_______ attend both ways _______/  \\____ causal ____/

The image tokens and the prompt form the prefix: every prefix position
sees every other one, so the image tokens can already depend on what the
prompt asks (PaliGemma's choice; LLaVA keeps everything causal). The
answer is written one token at a time and sees only the prefix and the
answer so far, which is what makes generation possible. The prompt is
padded to a fixed `prompt_length` in training and in generation alike,
so every answer starts at the same position `N + Lp`: the learned
position vectors mean the same thing in both.
"""

import keras
from keras import ops

from mmkeras.generation import greedy_search
from mmkeras.generation import language_model_step
from mmkeras.generation import sample_search
from mmkeras.layers import ImageEncoder
from mmkeras.layers import ModalityProjector
from mmkeras.layers import TransformerLanguageModel


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    return value


def _answer_logits(language_model, image_tokens, prompt_ids, token_ids, image_visible=True):
    """The language model over `[image tokens][prompt][answer tokens]`, logits of the answer part only."""
    num_image_tokens, prompt_length = image_tokens.shape[1], prompt_ids.shape[1]
    image_mask = ops.ones_like(image_tokens[:, :, 0], dtype="bool")
    if not image_visible:
        image_mask = ops.logical_not(image_mask)
    padding_mask = ops.concatenate(
        [image_mask, ops.not_equal(prompt_ids, 0), ops.ones_like(token_ids, dtype="bool")], axis=1
    )
    logits = language_model(
        ops.concatenate([prompt_ids, token_ids], axis=1),
        prefix=image_tokens,
        padding_mask=padding_mask,
        prefix_length=num_image_tokens + prompt_length,
    )
    return logits[:, num_image_tokens + prompt_length:]


def build_vision_language_model(
    image_size,
    vocabulary_size,
    prompt_length,
    answer_length,
    filters=(32, 64),
    hidden_dim=64,
    num_layers=2,
    num_heads=4,
    intermediate_dim=128,
    dropout=0.0,
    name="vision_language_model",
):
    """Image and prompt in, the answer's next-token logits out.

    A strided `ImageEncoder` turns the image into a grid of region
    vectors (`(image_size / 2**len(filters))**2` of them), a
    `ModalityProjector` maps them to the language model's width, and a
    `TransformerLanguageModel` reads them as a prefix, followed by the
    prompt (both attend both ways) and the answer (causal). The logits of
    the answer positions are the output: position t scores the answer's
    token t + 1, so the targets are the answer shifted by one, as
    `mmkeras.preprocessing.teacher_forcing_pair` makes them.

    Args:
        image_size: int, side of the square float images in [0, 1].
        vocabulary_size: int, the word tokenizer's size (id 0 is padding).
        prompt_length: int, Lp, the prompt's padded length.
        answer_length: int, La, the answer's length with its start and
            end tokens.
        filters: the `ImageEncoder`'s filters (strided blocks).
        hidden_dim, num_layers, num_heads, intermediate_dim, dropout: the
            language model's (`TransformerLanguageModel`).
        name: the model's name.

    Returns:
        A functional `keras.Model` with inputs
        `{"image": (B, S, S, 3), "prompt_ids": (B, Lp) int32, "token_ids": (B, La) int32}` and
        float32 logits `(B, La, vocabulary_size)`; its layers are named
        `image_encoder`, `projector` and `language_model`.

    Example:

    >>> model = build_vision_language_model(32, vocabulary_size=40, prompt_length=6, answer_length=5)
    >>> logits = model({"image": np.zeros((2, 32, 32, 3)), "prompt_ids": np.ones((2, 6), "int32"),
    ...                 "token_ids": np.ones((2, 5), "int32")})
    >>> tuple(logits.shape), model.get_layer("language_model").max_length
    ((2, 5, 40), 75)
    """
    for argument, value in (
        ("image_size", image_size), ("vocabulary_size", vocabulary_size),
        ("prompt_length", prompt_length), ("answer_length", answer_length),
    ):
        _positive_int(argument, value)
    if answer_length < 2:
        raise ValueError(f"`answer_length` must hold a start and an end token (>= 2). Received: {answer_length}")
    grid = image_size
    for _ in filters:
        grid = -(-grid // 2)
    image = keras.Input((image_size, image_size, 3), name="image")
    prompt_ids = keras.Input((prompt_length,), dtype="int32", name="prompt_ids")
    token_ids = keras.Input((answer_length,), dtype="int32", name="token_ids")
    regions = ImageEncoder(filters, output="grid", coordinates=True, downsampling="strided", name="image_encoder")(image)
    image_tokens = ModalityProjector(hidden_dim, name="projector")(regions)
    language_model = TransformerLanguageModel(
        vocabulary_size, grid * grid + prompt_length + answer_length, hidden_dim, num_layers, num_heads,
        intermediate_dim, dropout=dropout, name="language_model",
    )
    logits = _answer_logits(language_model, image_tokens, prompt_ids, token_ids)
    return keras.Model({"image": image, "prompt_ids": prompt_ids, "token_ids": token_ids}, logits, name=name)


def build_text_only_model(vision_language_model):
    """The same language model with the image positions masked out: LLaVA's stage 0, text alone.

    It shares the language model's weights with `vision_language_model`
    and puts the text at the same positions (after N image positions that
    no one attends to), so what it learns about the world's text carries
    over to the vision-language model as it is.

    Returns:
        A functional `keras.Model` with inputs `{"prompt_ids", "token_ids"}`
        and the answer logits `(B, La, vocabulary_size)`.

    Example:

    >>> model = build_vision_language_model(32, vocabulary_size=40, prompt_length=6, answer_length=5)
    >>> text_model = build_text_only_model(model)
    >>> tuple(text_model({"prompt_ids": np.zeros((2, 6), "int32"), "token_ids": np.ones((2, 5), "int32")}).shape)
    (2, 5, 40)
    """
    language_model = vision_language_model.get_layer("language_model")
    projector = vision_language_model.get_layer("projector")
    prompt_input, token_input = (vision_language_model.input[key] for key in ("prompt_ids", "token_ids"))
    prompt_ids = keras.Input(prompt_input.shape[1:], dtype="int32", name="prompt_ids")
    token_ids = keras.Input(token_input.shape[1:], dtype="int32", name="token_ids")
    num_image_tokens = projector.output.shape[1]
    blank = ops.zeros_like(ops.cast(prompt_ids[:, :1, None], language_model.compute_dtype))
    image_tokens = ops.tile(blank, (1, num_image_tokens, language_model.hidden_dim))
    logits = _answer_logits(language_model, image_tokens, prompt_ids, token_ids, image_visible=False)
    return keras.Model({"prompt_ids": prompt_ids, "token_ids": token_ids}, logits, name="text_only_model")


def generate_answers(
    vision_language_model,
    images,
    prompt_ids,
    start_id,
    end_id,
    max_length=None,
    temperature=None,
    top_k=None,
    seed=None,
    use_cache=True,
):
    """Answer each prompt about its image: greedy, or sampled with `temperature`.

    The image tokens and the prompt run through the language model once
    (filling its key/value cache with `use_cache=True`), then the answer
    is written one token per step from `start_id` until `end_id`, in one
    loop (`keras.ops.fori_loop`) that `tf.function(jit_compile=True)` or
    `jax.jit` compiles whole.

    Args:
        vision_language_model: a model from `build_vision_language_model`.
        images: float `(B, S, S, 3)` in [0, 1].
        prompt_ids: int `(B, Lp)`, padded with 0 at the end as in training.
        start_id, end_id: the tokenizer's start and end ids.
        max_length: answer tokens to write at most (defaults to La - 1,
            what training covered).
        temperature: `None` for greedy search; a float > 0 to sample.
        top_k: with `temperature`, sample among the k most likely tokens.
        seed: with `temperature`, an int for reproducible samples.
        use_cache: decode with the key/value cache (the same tokens as
            recomputing the whole sequence each step, only faster).

    Returns:
        The search's result: `tokens` `(B, max_length)` (0 after the end
        token) and `scores` (B,) (the answers' log-probabilities).

    Example:

    >>> model = build_vision_language_model(32, vocabulary_size=40, prompt_length=6, answer_length=5)
    >>> result = generate_answers(model, np.zeros((2, 32, 32, 3)), np.ones((2, 6), "int32"), start_id=2, end_id=3)
    >>> tuple(result.tokens.shape)
    (2, 4)
    """
    language_model = vision_language_model.get_layer("language_model")
    answer_length = vision_language_model.input["token_ids"].shape[1]
    max_length = answer_length - 1 if max_length is None else max_length
    prompt_ids = ops.convert_to_tensor(prompt_ids, "int32")
    expected = vision_language_model.input["prompt_ids"].shape[1]
    if len(prompt_ids.shape) != 2 or prompt_ids.shape[1] != expected:
        raise ValueError(
            f"`prompt_ids` must have shape (batch, {expected}), padded as in training. "
            f"Received shape {tuple(prompt_ids.shape)}."
        )
    images = ops.convert_to_tensor(images, vision_language_model.get_layer("image_encoder").compute_dtype)
    image_tokens = vision_language_model.get_layer("projector")(
        vision_language_model.get_layer("image_encoder")(images)
    )
    prefix = ops.concatenate(
        [ops.cast(image_tokens, language_model.compute_dtype), language_model.token_embedding(prompt_ids)], axis=1
    )
    padding_mask = ops.concatenate(
        [ops.ones_like(image_tokens[:, :, 0], dtype="bool"), ops.not_equal(prompt_ids, 0)], axis=1
    )
    step_fn, state = language_model_step(
        language_model, prefix, max_length, padding_mask=padding_mask, prefix_length=prefix.shape[1],
        use_cache=use_cache,
    )
    if temperature is None:
        return greedy_search(step_fn, state, start_id, end_id, max_length)
    return sample_search(step_fn, state, start_id, end_id, max_length, temperature=temperature, top_k=top_k, seed=seed)
