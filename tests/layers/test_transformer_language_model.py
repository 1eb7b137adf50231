import keras
import numpy as np
import pytest

from mmkeras.layers import TransformerLanguageModel
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

VOCABULARY, WIDTH = 17, 8


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def small_model(**kwargs):
    keras.utils.set_random_seed(3)
    return TransformerLanguageModel(VOCABULARY, 12, WIDTH, num_layers=2, num_heads=2, intermediate_dim=16, **kwargs)


@pytest.mark.parametrize("tie_weights", [True, False], ids=["tied", "untied"])
def test_serialization_saving_and_training(rng, tmp_path, tie_weights):
    ids = keras.Input((5,), dtype="int32")
    image = keras.Input((3, WIDTH))
    language_model = small_model(tie_weights=tie_weights, dropout=0.1)
    model = keras.Model([ids, image], language_model(ids, prefix=image, prefix_length=3))
    inputs = [rng.integers(0, VOCABULARY, size=(2, 5)).astype("int32"), rng.normal(size=(2, 3, WIDTH)).astype("float32")]
    check_symbolic_matches_eager(model, inputs)
    check_config_round_trip(language_model)
    check_saved_model_round_trip(model, inputs, tmp_path)
    targets = rng.integers(0, VOCABULARY, size=(2, 8))
    check_training_step(model, inputs, targets, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # Two blocks of 16 weights, the token table, positions and the final norm;
    # an untied model adds its head's kernel and bias.
    assert len(language_model.weights) == 2 * 16 + 4 + (0 if tie_weights else 2)


def test_changing_a_later_token_never_changes_an_earlier_logit(rng):
    model = small_model()
    ids = rng.integers(0, VOCABULARY, size=(2, 7)).astype("int32")
    changed = ids.copy()
    changed[:, 5] = (changed[:, 5] + 1) % VOCABULARY
    before, after = numpy(model(ids)), numpy(model(changed))
    np.testing.assert_allclose(after[:, :5], before[:, :5], rtol=1e-5, atol=1e-6)
    assert not np.allclose(after[:, 5:], before[:, 5:])


def test_the_prefix_attends_both_ways_and_padding_changes_nothing(rng):
    model = small_model()
    ids = rng.integers(0, VOCABULARY, size=(1, 4)).astype("int32")
    image = rng.normal(size=(1, 3, WIDTH)).astype("float32")
    base = numpy(model(ids, prefix=image, prefix_length=3))
    later_image = image.copy()
    later_image[:, 2] += rng.normal(size=WIDTH).astype("float32")
    # The first image token sees the last one only when the prefix is bidirectional.
    assert not np.allclose(numpy(model(ids, prefix=later_image, prefix_length=3))[:, 0], base[:, 0])
    np.testing.assert_allclose(numpy(model(ids, prefix=later_image))[:, :2], numpy(model(ids, prefix=image))[:, :2],
                               rtol=1e-5, atol=1e-6)
    # Padding appended after the real tokens and masked out changes no real logit.
    padded = np.concatenate([ids, np.zeros((1, 3), "int32")], axis=1)
    mask = np.array([[True] * 7 + [False] * 3])
    np.testing.assert_allclose(numpy(model(padded, prefix=image, padding_mask=mask, prefix_length=3))[:, :7], base,
                               rtol=1e-5, atol=1e-5)


def test_call_with_cache_in_chunks_equals_one_full_call(rng):
    model = small_model()
    ids = rng.integers(0, VOCABULARY, size=(2, 6)).astype("int32")
    image = rng.normal(size=(2, 3, WIDTH)).astype("float32")
    full = numpy(model(ids, prefix=image, prefix_length=4))
    cache = model.initial_cache(2, 9)
    vectors = keras.ops.concatenate([image, model.token_embedding(ids)], axis=1)
    first, cache = model.call_with_cache(vectors[:, :4], cache, 0, prefix_length=4)
    pieces = [numpy(first)]
    for position in range(4, 9):
        logits, cache = model.call_with_cache(vectors[:, position:position + 1], cache, position)
        pieces.append(numpy(logits))
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), full, rtol=1e-4, atol=1e-5)


def test_errors_name_the_value_and_the_fix():
    with pytest.raises(ValueError, match="divisible by `num_heads`. Received: hidden_dim=10, num_heads=4"):
        TransformerLanguageModel(10, 8, 10, 1, 4, 8)
    with pytest.raises(ValueError, match="vocabulary_size"):
        TransformerLanguageModel(0, 8, 8, 1, 2, 8)
    with pytest.raises(TypeError, match="tie_weights=1"):
        TransformerLanguageModel(10, 8, 8, 1, 2, 8, tie_weights=1)
    model = small_model()
    ids = np.ones((1, 4), "int32")
    with pytest.raises(ValueError, match=r"hidden_dim=8 as its last axis. Received shape \(1, 2, 6\).*ModalityProjector"):
        model(ids, prefix=np.zeros((1, 2, 6), "float32"))
    with pytest.raises(ValueError, match="max_length=12 positions, prefix included. Received 14"):
        model(ids, prefix=np.zeros((1, 10, WIDTH), "float32"))
    with pytest.raises(ValueError, match="max_length=12 positions, prefix included. Received 20"):
        model.initial_cache(1, 20)
    with pytest.raises(ValueError, match=r"num_layers=2.*Received shape \(1, 2, 12, 2, 4\)"):
        model.call_with_cache(np.zeros((1, 1, WIDTH), "float32"), np.zeros((1, 2, 12, 2, 4), "float32"), 0)
    with pytest.raises(ValueError, match="rank 2"):
        model(np.ones((4,), "int32"))


@pytest.mark.parametrize("tie_weights", [True, False], ids=["tied", "untied"])
def test_lora_leaves_every_pretrained_weight_and_reloads_with_its_adapters(rng, tmp_path, tie_weights):
    ids = keras.Input((5,), dtype="int32")
    language_model = small_model(tie_weights=tie_weights)
    model = keras.Model(ids, language_model(ids))
    inputs = rng.integers(0, VOCABULARY, size=(2, 5)).astype("int32")
    before = numpy(model(inputs))
    pretrained = {w.path: numpy(w).copy() for w in model.weights}
    language_model.enable_lora(rank=2)
    np.testing.assert_allclose(numpy(model(inputs)), before, atol=1e-6)
    # Two blocks, each with a query and a value projection of 8 x 8: A (8 x 2) and B (2 x 8).
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 2 * 2 * (8 * 2 + 2 * 8)
    check_training_step(model, inputs, rng.integers(0, VOCABULARY, size=(2, 5)),
                        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for weight in model.weights:
        if weight.path in pretrained:
            np.testing.assert_array_equal(numpy(weight), pretrained[weight.path], err_msg=weight.path)
    reloaded = check_saved_model_round_trip(model, inputs, tmp_path)
    assert len(reloaded.trainable_weights) == len(model.trainable_weights) == 8
    # Built with the rank, the model trains the same weights.
    assert len(keras.Model(ids, small_model(tie_weights=tie_weights, lora_rank=2)(ids)).trainable_weights) == 8
