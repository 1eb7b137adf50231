import keras
import numpy as np
import pytest

from mmkeras.layers import LSTMDecoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
TOKENS = np.array([[2, 5, 6, 0], [2, 7, 7, 9]], "int32")
FEATURES = RNG.random((2, 9, 4)).astype("float32")


def model_around(layer):
    tokens, features = keras.Input((4,), dtype="int32"), keras.Input((9, 4))
    return keras.Model([tokens, features], layer([tokens, features]))


def test_shapes_serialization_and_training(tmp_path):
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5, attention_units=4, dropout=0.1)
    assert layer.compute_output_shape([(2, 4), (2, 9, 4)]) == (2, 4, 11)
    model = model_around(layer)
    check_symbolic_matches_eager(model, [TOKENS, FEATURES])
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, [TOKENS, FEATURES], tmp_path)
    targets = np.roll(TOKENS, -1, axis=1)
    check_training_step(model, [TOKENS, FEATURES], targets, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


@pytest.mark.parametrize("unroll", [True, False])
def test_teacher_forcing_equals_stepping(unroll):
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5, unroll=unroll)
    logits, weights = layer.decode(TOKENS, FEATURES)
    state = layer.initial_state(FEATURES)
    keys = layer.attention_keys(FEATURES)
    for t in range(TOKENS.shape[1]):
        step_logits, state, step_weights = layer.step(TOKENS[:, t], state, FEATURES, keys=keys if t % 2 else None)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(step_logits),
            keras.ops.convert_to_numpy(logits[:, t]),
            rtol=1e-5, atol=1e-6,
        )
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(step_weights),
            keras.ops.convert_to_numpy(weights[:, t]),
            rtol=1e-5, atol=1e-6,
        )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(weights).sum(-1), 1.0, rtol=1e-5)


def test_unrolled_and_scanned_decoding_agree_and_train_under_xla():
    unrolled = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5, unroll=True)
    scanned = LSTMDecoder.from_config(dict(unrolled.get_config(), unroll=False))
    unrolled([TOKENS, FEATURES]), scanned([TOKENS, FEATURES])
    scanned.set_weights(unrolled.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(unrolled([TOKENS, FEATURES])),
        keras.ops.convert_to_numpy(scanned([TOKENS, FEATURES])), rtol=1e-5, atol=1e-6,
    )
    # "auto" unrolls a fixed length, which XLA can differentiate on TensorFlow.
    model = model_around(LSTMDecoder(vocab_size=11, embedding_dim=3, units=5))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)
    model.train_on_batch([TOKENS, FEATURES], np.roll(TOKENS, -1, axis=1))
    # A length unknown until call time needs the scan.
    tokens, features = keras.Input((None,), dtype="int32"), keras.Input((9, 4))
    dynamic = keras.Model([tokens, features], LSTMDecoder(11, 3, 5)([tokens, features]))
    assert dynamic([TOKENS, FEATURES]).shape == (2, 4, 11)
    with pytest.raises(ValueError, match="unroll=True.*needs the sequence length"):
        LSTMDecoder(11, 3, 5, unroll=True)([tokens, features])


def test_a_step_only_sees_earlier_tokens():
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)
    changed = TOKENS.copy()
    changed[:, 2:] = 4
    a, b = layer([TOKENS, FEATURES]), layer([changed, FEATURES])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(a)[:, :2], keras.ops.convert_to_numpy(b)[:, :2], rtol=1e-6
    )


def test_vector_features_and_feature_mask():
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)
    assert tuple(layer([TOKENS, FEATURES[:, 0]]).shape) == (2, 4, 11)
    mask = np.zeros((2, 9), bool)
    mask[:, :3] = True
    _, weights = layer.decode(TOKENS, FEATURES, features_mask=mask)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(weights)[..., 3:], 0.0)


def test_output_mask_marks_padding():
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)
    mask = keras.ops.convert_to_numpy(layer.compute_mask([TOKENS, FEATURES]))
    np.testing.assert_array_equal(mask, TOKENS != 0)


def test_hand_computed_output_bias():
    # Zero every weight but the output bias: every step's logits equal it.
    layer = LSTMDecoder(vocab_size=3, embedding_dim=2, units=2)
    layer.build([(1, 2), (1, 1, 2)])
    for w in layer.weights:
        w.assign(np.zeros(w.shape, "float32"))
    layer.output_projection.bias.assign(np.array([1.0, -2.0, 0.5], "float32"))
    logits = keras.ops.convert_to_numpy(layer([np.array([[1, 2]]), np.ones((1, 1, 2), "float32")]))
    np.testing.assert_allclose(logits, [[[1.0, -2.0, 0.5]] * 2])


def test_bad_inputs():
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)
    with pytest.raises(ValueError, match=r"expects a list \[tokens, features\]"):
        layer(TOKENS)
    with pytest.raises(ValueError, match=r"`tokens` of rank 2.*Received shape \(2, 4, 1\)"):
        layer([TOKENS[..., None], FEATURES])
    with pytest.raises(ValueError, match="dropout=2"):
        LSTMDecoder(11, 3, 5, dropout=2)
    with pytest.raises(ValueError, match="unroll='yes'"):
        LSTMDecoder(11, 3, 5, unroll="yes")


def test_calling_after_decode_reuses_the_built_sublayers():
    layer = LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)
    logits, _ = layer.decode(TOKENS, FEATURES)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer([TOKENS, FEATURES])), keras.ops.convert_to_numpy(logits), rtol=1e-6
    )


def test_float_ids_are_refused_instead_of_truncated():
    with pytest.raises(TypeError, match=r"LSTMDecoder expects `tokens` as integer token ids.*Received dtype float32"):
        LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)([TOKENS.astype("float32"), FEATURES])
    with pytest.raises(TypeError, match="Received dtype float32"):
        LSTMDecoder(vocab_size=11, embedding_dim=3, units=5)([keras.Input((4,)), keras.Input((9, 4))])
