import os
import tempfile

import keras
import numpy as np
import pytest

from mmkeras.datasets import make_instruction_dataset
from mmkeras.datasets import make_scenes
from mmkeras.datasets import scene_instructions
from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models import build_text_only_model
from mmkeras.models import build_vision_language_model
from mmkeras.models import generate_answers
from mmkeras.preprocessing import WordTokenizer

PROMPT, ANSWER = 14, 18


@pytest.fixture(scope="module")
def world():
    pairs = scene_instructions(make_scenes(24, seed=3, image_size=32), tasks=("caption", "color", "count"))
    return pairs, WordTokenizer.from_corpus(pairs.prompts + pairs.answers)


def small_model(tokenizer, **kwargs):
    keras.utils.set_random_seed(0)
    return build_vision_language_model(32, tokenizer.vocabulary_size, PROMPT, ANSWER, filters=(8, 16, 16),
                                       hidden_dim=16, num_layers=2, num_heads=2, intermediate_dim=32, **kwargs)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def first_batch(pairs, tokenizer, batch_size=6):
    return next(iter(make_instruction_dataset(pairs, tokenizer, PROMPT, ANSWER, batch_size=batch_size, shuffle=False)))


def test_the_answer_sees_the_image_and_the_prompt_and_only_earlier_answer_tokens(world):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    assert model.get_layer("language_model").max_length == 16 + PROMPT + ANSWER
    x, _ = first_batch(pairs, tokenizer)
    x = {key: numpy(value) for key, value in x.items()}
    base = numpy(model(x))
    assert base.shape == (6, ANSWER, tokenizer.vocabulary_size)
    assert not np.allclose(numpy(model(dict(x, image=x["image"][::-1])))[:, 0], base[:, 0])
    other_prompt = x["prompt_ids"].copy()
    other_prompt[:, 0] = tokenizer.vocabulary_size - 1
    assert not np.allclose(numpy(model(dict(x, prompt_ids=other_prompt)))[:, 0], base[:, 0])
    # Changing answer token 5 changes no logit before position 5 (causal), and some at 5.
    later = x["token_ids"].copy()
    later[:, 5] = tokenizer.vocabulary_size - 1
    changed = numpy(model(dict(x, token_ids=later)))
    np.testing.assert_allclose(changed[:, :5], base[:, :5], atol=1e-5)
    assert not np.allclose(changed[:, 5], base[:, 5])


def test_prompt_padding_is_never_attended_to(world):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    x, _ = first_batch(pairs, tokenizer)
    x = {key: numpy(value) for key, value in x.items()}
    assert (x["prompt_ids"][:, -1] == 0).all()
    # Prompt id 0 means padding: whatever its embedding holds, the first answer position reads the same.
    embedding = model.get_layer("language_model").token_embedding
    base = numpy(model(x))[:, 0, 1:]
    padding_row = np.zeros((tokenizer.vocabulary_size, 16), "float32")
    padding_row[0] = 5.0
    embedding.embeddings.assign(embedding.embeddings.numpy() + padding_row)
    # (The tied output head scores token 0 with that row too: its column is left out.)
    np.testing.assert_allclose(numpy(model(x))[:, 0, 1:], base, atol=1e-5)


def test_the_text_only_model_shares_the_language_model_and_ignores_the_image_positions(world):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    text_model = build_text_only_model(model)
    assert {w.path for w in text_model.weights} <= {w.path for w in model.weights}
    assert not any("image_encoder" in w.path or "projector" in w.path for w in text_model.weights)
    x, y = first_batch(pairs, tokenizer)
    text_inputs = {"prompt_ids": numpy(x["prompt_ids"]), "token_ids": numpy(x["token_ids"])}
    before = numpy(text_model(text_inputs))
    text_model.compile(keras.optimizers.Adam(1e-2), MaskedSequenceCrossEntropy())
    text_model.fit(text_inputs, numpy(y), epochs=2, verbose=0)
    # Training the text model trained the vision-language model's language model.
    assert not np.allclose(numpy(text_model(text_inputs)), before)
    language_model = model.get_layer("language_model")
    reference = build_text_only_model(small_model(tokenizer))
    reference.set_weights([w.numpy() for w in text_model.weights])
    np.testing.assert_allclose(numpy(reference(text_inputs)), numpy(text_model(text_inputs)), atol=1e-5)
    assert language_model.trainable_weights


@pytest.mark.parametrize("use_cache", [True, False], ids=["cache", "recompute"])
def test_greedy_answers_are_the_argmax_of_the_full_model(world, use_cache):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    x, y = first_batch(pairs, tokenizer)
    x, y = {key: numpy(value) for key, value in x.items()}, numpy(y)
    model.compile(keras.optimizers.Adam(1e-2), MaskedSequenceCrossEntropy())
    model.fit(x, y, epochs=15, verbose=0)
    result = generate_answers(model, x["image"], x["prompt_ids"], tokenizer.start_id, tokenizer.end_id,
                              use_cache=use_cache)
    tokens = numpy(result.tokens)
    assert tokens.shape == (6, ANSWER - 1)
    # Teacher-force the generated answer: each generated token is the full model's argmax after the ones before.
    forced = np.concatenate([np.full((6, 1), tokenizer.start_id), tokens], axis=1).astype("int32")
    logits = numpy(model({"image": x["image"], "prompt_ids": x["prompt_ids"], "token_ids": forced}))
    for row in range(6):
        written = tokens[row]
        length = int(np.argmax(written == tokenizer.end_id)) + 1 if (written == tokenizer.end_id).any() else len(written)
        np.testing.assert_array_equal(logits[row, :length].argmax(-1), written[:length])
        assert (written[length:] == 0).all()


def test_cached_and_recomputed_sampling_agree_and_seeds_repeat(world):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    x, _ = first_batch(pairs, tokenizer)
    runs = [
        numpy(generate_answers(model, x["image"], x["prompt_ids"], tokenizer.start_id, tokenizer.end_id,
                               temperature=1.5, top_k=10, seed=seed, use_cache=use_cache).tokens)
        for seed, use_cache in ((4, True), (4, False), (5, True))
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_saving_round_trip_with_safe_mode(world):
    pairs, tokenizer = world
    model = small_model(tokenizer)
    x, _ = first_batch(pairs, tokenizer)
    path = os.path.join(tempfile.mkdtemp(), "vlm.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(numpy(reloaded(x)), numpy(model(x)), atol=1e-6)


def test_bad_arguments_are_named(world):
    pairs, tokenizer = world
    with pytest.raises(ValueError, match="answer_length"):
        build_vision_language_model(32, 40, 6, 1)
    with pytest.raises(ValueError, match="prompt_length=0"):
        build_vision_language_model(32, 40, 0, 5)
    model = small_model(tokenizer)
    with pytest.raises(ValueError, match=rf"\(batch, {PROMPT}\).*\(2, 5\)"):
        generate_answers(model, np.zeros((2, 32, 32, 3)), np.ones((2, 5), "int32"), 2, 3)
    with pytest.raises(ValueError, match="positions"):
        generate_answers(model, np.zeros((2, 32, 32, 3)), np.ones((2, PROMPT), "int32"), 2, 3, max_length=ANSWER + 1)
