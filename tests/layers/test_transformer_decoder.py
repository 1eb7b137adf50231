import keras
import numpy as np
import pytest

from mmkeras.layers import TransformerDecoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_serialization_saving_and_training_with_and_without_cross_attention(rng, tmp_path):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    inputs = keras.Input((5, 8))
    model = keras.Model(inputs, TransformerDecoder(2, 16, dropout=0.1)(inputs))
    check_symbolic_matches_eager(model, x)
    check_config_round_trip(model.layers[-1])
    check_saved_model_round_trip(model, x, tmp_path)
    check_training_step(model, x, np.zeros((2, 5, 8), "float32"))

    memory = rng.normal(size=(2, 3, 6)).astype("float32")
    encoder = keras.Input((3, 6))
    block = TransformerDecoder(2, 16, cross_attention=True)
    crossing = keras.Model([inputs, encoder], block(inputs, encoder_outputs=encoder))
    check_symbolic_matches_eager(crossing, [x, memory])
    check_config_round_trip(block)
    (tmp_path / "cross").mkdir()
    check_saved_model_round_trip(crossing, [x, memory], tmp_path / "cross")
    check_training_step(crossing, [x, memory], np.zeros((2, 5, 8), "float32"))
    other_memory = rng.normal(size=(2, 3, 6)).astype("float32")
    assert not np.allclose(numpy(crossing([x, memory])), numpy(crossing([x, other_memory])))


def test_changing_a_later_token_never_changes_an_earlier_output(rng):
    block = TransformerDecoder(2, 16)
    x = rng.normal(size=(1, 6, 8)).astype("float32")
    changed = x.copy()
    # Not a constant: the layer norm in front of attention would remove it.
    changed[:, 4] += rng.normal(size=8).astype("float32")
    before, after = numpy(block(x)), numpy(block(changed))
    np.testing.assert_allclose(after[:, :4], before[:, :4], rtol=1e-5, atol=1e-6)
    assert not np.allclose(after[:, 4:], before[:, 4:])


def test_a_prefix_attends_both_ways_and_the_rest_stays_causal(rng):
    block = TransformerDecoder(2, 16)
    x = rng.normal(size=(2, 6, 8)).astype("float32")
    in_prefix, after_prefix = x.copy(), x.copy()
    in_prefix[:, 2] += rng.normal(size=8).astype("float32")
    after_prefix[:, 4] += rng.normal(size=8).astype("float32")
    base = numpy(block(x, prefix_length=3))
    # Position 0 sees position 2 of its prefix, but never position 4.
    assert not np.allclose(numpy(block(in_prefix, prefix_length=3))[:, 0], base[:, 0])
    np.testing.assert_allclose(numpy(block(after_prefix, prefix_length=3))[:, :4], base[:, :4], rtol=1e-5, atol=1e-6)
    # One prefix length per sequence.
    per_row = numpy(block(x, prefix_length=np.array([3, 0], "int32")))
    np.testing.assert_allclose(per_row[0], base[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(per_row[1], numpy(block(x))[1], rtol=1e-5, atol=1e-6)


def test_padded_keys_are_never_attended_to(rng):
    block = TransformerDecoder(2, 16)
    x = rng.normal(size=(1, 4, 8)).astype("float32")
    left_padded = np.concatenate([50 * rng.normal(size=(1, 3, 8)).astype("float32"), x], axis=1)
    mask = np.array([[False] * 3 + [True] * 4])
    np.testing.assert_allclose(numpy(block(left_padded, padding_mask=mask))[:, 3:], numpy(block(x)),
                               rtol=1e-5, atol=1e-5)
    tokens = keras.Input((None,), dtype="int32")
    model = keras.Model(tokens, TransformerDecoder(2, 16)(keras.layers.Embedding(20, 8, mask_zero=True)(tokens)))
    short, long = numpy(model(np.array([[4, 5, 6]]))), numpy(model(np.array([[0, 0, 4, 5, 6]])))
    np.testing.assert_allclose(long[:, 2:], short, rtol=1e-5, atol=1e-5)


def _language_model(vocabulary=13, width=8, length=10, cross_attention=False):
    embedding = keras.layers.Embedding(vocabulary, width)
    positions = keras.layers.Embedding(length, width)
    blocks = [TransformerDecoder(2, 16, cross_attention=cross_attention) for _ in range(2)]
    head = keras.layers.Dense(vocabulary)

    def logits(ids, start=0, caches=None, index=None, memory=None):
        x = embedding(ids) + positions(start + np.arange(ids.shape[1]))[None]
        kwargs = {"encoder_outputs": memory} if cross_attention else {}
        updated = []
        for i, block in enumerate(blocks):
            if caches is None:
                x = block(x, **kwargs)
            else:
                x, cache = block(x, cache=caches[i], cache_update_index=index, **kwargs)
                updated.append(cache)
        return numpy(head(x)), updated

    return blocks, logits


@pytest.mark.parametrize("cross_attention", [False, True], ids=["self_attention", "cross_attention"])
def test_cached_decoding_gives_exactly_the_tokens_and_logits_of_full_recomputation(rng, cross_attention):
    keras.utils.set_random_seed(1)
    blocks, logits = _language_model(cross_attention=cross_attention)
    memory = rng.normal(size=(3, 4, 8)).astype("float32") if cross_attention else None
    prompt = rng.integers(1, 13, size=(3, 3)).astype("int32")
    steps = 3  # three cache writes after the prompt: enough to show the cache is read back in order
    # Full recomputation: the whole sequence again for every new token.
    full = prompt
    for _ in range(steps):
        next_ids = logits(full, memory=memory)[0][:, -1].argmax(-1)
        full = np.concatenate([full, next_ids[:, None].astype("int32")], axis=1)
    # Cached: the prompt once, then one token per step.
    length = prompt.shape[1] + steps
    caches = [block.initial_cache(3, length) for block in blocks]
    step_logits, caches = logits(prompt, 0, caches, 0, memory)
    cached = prompt
    for _ in range(steps):
        next_ids = step_logits[:, -1].argmax(-1)[:, None].astype("int32")
        position = cached.shape[1]
        cached = np.concatenate([cached, next_ids], axis=1)
        step_logits, caches = logits(next_ids, position, caches, position, memory)
    np.testing.assert_array_equal(cached, full)
    full_logits = logits(full, memory=memory)[0]
    np.testing.assert_allclose(step_logits[:, -1], full_logits[:, -1], rtol=1e-4, atol=1e-5)


def test_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="divisible by num_heads=3"):
        TransformerDecoder(3, 8)(np.zeros((1, 2, 8), "float32"))
    with pytest.raises(ValueError, match="cross_attention=True: call it with encoder_outputs"):
        TransformerDecoder(2, 8, cross_attention=True)(np.zeros((1, 2, 8), "float32"))
    block = TransformerDecoder(2, 8)
    x = np.zeros((1, 2, 8), "float32")
    block(x)
    with pytest.raises(ValueError, match="together"):
        block(x, cache=block.initial_cache(1, 4))
    with pytest.raises(ValueError, match=r"\(batch, 2, max_length, 2, 4\). Received shape \(1, 2, 4, 4, 2\)"):
        block(x, cache=np.zeros((1, 2, 4, 4, 2), "float32"), cache_update_index=0)
    with pytest.raises(ValueError, match="rank 3"):
        block(np.zeros((2, 8), "float32"))
    with pytest.raises(TypeError, match="cross_attention=1"):
        TransformerDecoder(2, 8, cross_attention=1)


@pytest.mark.parametrize("cross_attention", [False, True])
def test_lora_trains_only_low_rank_updates_that_start_at_zero_and_reload(rng, tmp_path, cross_attention):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    memory = rng.normal(size=(2, 3, 8)).astype("float32")
    inputs, encoder = keras.Input((5, 8)), keras.Input((3, 8))
    block = TransformerDecoder(2, 16, cross_attention=cross_attention)
    model = keras.Model([inputs, encoder] if cross_attention else inputs,
                        block(inputs, encoder_outputs=encoder if cross_attention else None))
    data = [x, memory] if cross_attention else x
    before = numpy(model(data))
    frozen = {w.path: numpy(w).copy() for w in model.weights}
    block.enable_lora(rank=2)
    # The updates start at zero: the block computes what it computed before.
    np.testing.assert_allclose(numpy(model(data)), before, atol=1e-6)
    adapted = 4 if cross_attention else 2
    assert sorted(w.path.rsplit("/", 1)[-1] for w in model.trainable_weights) == \
        ["lora_kernel_a"] * adapted + ["lora_kernel_b"] * adapted
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == adapted * 2 * (8 * 2)
    check_training_step(model, data, np.zeros((2, 5, 8), "float32"))
    for weight in model.weights:
        if weight.path in frozen:
            np.testing.assert_array_equal(numpy(weight), frozen[weight.path], err_msg=weight.path)
    assert not np.allclose(numpy(model(data)), before)
    assert block.get_config()["lora_rank"] == 2
    reloaded = check_saved_model_round_trip(model, data, tmp_path)
    assert len(reloaded.trainable_weights) == 2 * adapted


def test_lora_refusals_name_the_problem():
    with pytest.raises(ValueError, match="`lora_rank` must be a positive int. Received: lora_rank=0"):
        TransformerDecoder(2, 16, lora_rank=0)
    block = TransformerDecoder(2, 16)
    with pytest.raises(ValueError, match="before enabling LoRA, or pass lora_rank=2 when creating it"):
        block.enable_lora(2)
    block(keras.ops.ones((1, 3, 8)))
    block.enable_lora(2)
    with pytest.raises(ValueError, match="LoRA is already enabled on .* \\(rank 2\\)"):
        block.enable_lora(4)
