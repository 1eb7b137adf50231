"""WeightedSumFusion, GatedFusion, BilinearFusion and CrossAttentionFusion."""

import keras
import numpy as np
import pytest

from mmkeras.layers import BilinearFusion
from mmkeras.layers import CrossAttentionFusion
from mmkeras.layers import GatedFusion
from mmkeras.layers import WeightedSumFusion
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
IMAGE = RNG.random((3, 6)).astype("float32")
TEXT = RNG.random((3, 4)).astype("float32")
AUDIO = RNG.random((3, 6)).astype("float32")


def numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize(
    "make_layer, inputs, width",
    [
        pytest.param(lambda: WeightedSumFusion(), [IMAGE, AUDIO], 6, id="weighted-sum-two"),
        pytest.param(
            lambda: WeightedSumFusion(units=5),
            [IMAGE, TEXT, AUDIO], 5, id="weighted-sum-projected",
        ),
        pytest.param(lambda: GatedFusion(units=5), [IMAGE, TEXT], 5, id="gated-two"),
        pytest.param(lambda: GatedFusion(units=3), [IMAGE, TEXT, AUDIO], 3, id="gated-three"),
        pytest.param(lambda: BilinearFusion(units=5, rank=2), [IMAGE, TEXT], 5, id="bilinear-two"),
        pytest.param(
            lambda: BilinearFusion(units=4, rank=3, normalize=False, dropout=0.1),
            [IMAGE, TEXT, AUDIO], 4, id="bilinear-three-dropout",
        ),
    ],
)
def test_shapes_serialization_and_training(make_layer, inputs, width, tmp_path, rng):
    # Built inside the test: an initializer draws its seed when constructed, so a
    # layer made at import time would not follow the per-test random seed.
    layer = make_layer()
    widths = [x.shape[-1] for x in inputs]
    assert layer.compute_output_shape([(3, w) for w in widths]) == (3, width)
    symbolic_inputs = [keras.Input((w,)) for w in widths]
    model = keras.Model(symbolic_inputs, layer(symbolic_inputs))
    check_symbolic_matches_eager(model, inputs)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, inputs, tmp_path)
    check_training_step(model, inputs, rng.random((3, width)).astype("float32"))


def test_fusions_work_per_position_on_sequences(rng):
    a, b = rng.random((2, 7, 3)), rng.random((2, 7, 5))
    assert tuple(WeightedSumFusion(4)([a, b]).shape) == (2, 7, 4)
    fused, gates = GatedFusion(4)([a, b], return_gates=True)
    assert tuple(fused.shape) == (2, 7, 4) and tuple(gates.shape) == (2, 7, 2, 4)
    assert tuple(BilinearFusion(4)([a, b]).shape) == (2, 7, 4)


def test_weighted_sum_by_hand_and_learned_weights():
    layer = WeightedSumFusion()
    a = np.array([[1.0, 2.0]], "float32")
    b = np.array([[10.0, 20.0]], "float32")
    np.testing.assert_allclose(numpy(layer([a, b])), [[5.5, 11.0]], rtol=1e-6)
    layer.logits.assign([np.log(3.0), 0.0])  # softmax -> [0.75, 0.25]
    np.testing.assert_allclose(numpy(layer.modality_weights), [0.75, 0.25], rtol=1e-6)
    np.testing.assert_allclose(numpy(layer([a, b])), [[3.25, 6.5]], rtol=1e-6)


def test_weighted_sum_weights_follow_the_informative_modality(rng):
    keras.utils.set_random_seed(0)
    signal = rng.normal(size=(256, 4)).astype("float32")
    noise = rng.normal(size=(256, 4)).astype("float32")
    inputs = [keras.Input((4,)), keras.Input((4,))]
    fusion = WeightedSumFusion()
    model = keras.Model(inputs, fusion(inputs))
    model.compile(keras.optimizers.Adam(0.05), "mse")
    model.fit([signal, noise], signal, epochs=30, verbose=0)
    weights = numpy(fusion.modality_weights)
    assert weights[0] > 0.9, weights


def test_gated_fusion_by_hand():
    layer = GatedFusion(units=1)
    layer.build([(1, 1), (1, 1)])
    layer.view_kernels[0].assign([[1.0]])
    layer.view_kernels[1].assign([[2.0]])
    layer.gate_kernel.assign([[1.0, 0.0], [0.0, 0.0]])  # gate logit 1: x_1, gate logit 2: 0
    a, b = np.array([[0.5]], "float32"), np.array([[0.25]], "float32")
    z1 = 1 / (1 + np.exp(-0.5))  # softmax over [0.5, 0] = sigmoid(0.5)
    expected = z1 * np.tanh(0.5) + (1 - z1) * np.tanh(0.5)
    fused, gates = layer([a, b], return_gates=True)
    np.testing.assert_allclose(numpy(gates)[0, :, 0], [z1, 1 - z1], rtol=1e-5)
    np.testing.assert_allclose(numpy(fused), [[expected]], rtol=1e-5)


def test_bilinear_fusion_by_hand(rng):
    layer = BilinearFusion(units=1, rank=2, normalize=False)
    layer.build([(1, 2), (1, 2)])
    layer.kernels[0].assign(np.eye(2, dtype="float32"))
    layer.kernels[1].assign(np.array([[2.0, 0.0], [0.0, 3.0]], "float32"))
    x, y = np.array([[1.0, 2.0]], "float32"), np.array([[4.0, 5.0]], "float32")
    # products: (1 * 8), (2 * 15); rank-2 sum pool -> 38
    np.testing.assert_allclose(numpy(layer([x, y])), [[38.0]], rtol=1e-6)
    normalized = BilinearFusion(units=2, rank=1)
    out = numpy(normalized([rng.random((4, 3)), rng.random((4, 5))]))
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), 1.0, rtol=1e-4)


def test_bilinear_fusion_captures_an_interaction_a_sum_cannot(rng):
    x = rng.choice([-1.0, 1.0], size=(512, 1)).astype("float32")
    y = rng.choice([-1.0, 1.0], size=(512, 1)).astype("float32")
    target = x * y  # XOR-like: linear in neither input
    inputs = [keras.Input((1,)), keras.Input((1,))]
    model = keras.Model(inputs, keras.layers.Dense(1)(BilinearFusion(2, rank=2, normalize=False)(inputs)))
    model.compile(keras.optimizers.Adam(0.05), "mse")
    model.fit([x, y], target, epochs=60, batch_size=64, verbose=0)
    assert model.evaluate([x, y], target, verbose=0) < 0.05


@pytest.mark.parametrize(
    "layer_class", [WeightedSumFusion, lambda: GatedFusion(3), lambda: BilinearFusion(3)]
)
def test_fusion_input_errors(layer_class, rng):
    with pytest.raises(ValueError, match="expects a list of modality tensors"):
        layer_class()(IMAGE)
    with pytest.raises(ValueError, match="at least 2 modalities. Received 1"):
        layer_class()([IMAGE])
    with pytest.raises(ValueError, match="differ only in their last"):
        layer_class()([rng.random((3, 5, 6)), rng.random((3, 2, 6))])


def test_weighted_sum_names_widths_and_fix():
    with pytest.raises(ValueError, match=r"widths \[6, 4\].*units=6"):
        WeightedSumFusion()([IMAGE, TEXT])
    with pytest.raises(ValueError, match="before it is built"):
        WeightedSumFusion().modality_weights


def test_built_for_a_different_number_of_modalities():
    layer = GatedFusion(3)
    layer([IMAGE, TEXT])
    with pytest.raises(ValueError, match="built for 2 modalities; received 3"):
        layer([IMAGE, TEXT, AUDIO])


WORDS = RNG.random((2, 5, 8)).astype("float32")
REGIONS = RNG.random((2, 9, 12)).astype("float32")


@pytest.mark.parametrize("output, shape", [("sequence", (2, 5, 8)), ("vector", (2, 8))])
def test_cross_attention_shapes_serialization_training(output, shape, tmp_path):
    layer = CrossAttentionFusion(num_heads=2, key_dim=4, output=output)
    assert layer.compute_output_shape([(2, 5, 8), (2, 9, 12)]) == shape
    inputs = [keras.Input((5, 8)), keras.Input((9, 12))]
    model = keras.Model(inputs, layer(inputs))
    check_symbolic_matches_eager(model, [WORDS, REGIONS])
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, [WORDS, REGIONS], tmp_path)
    check_training_step(model, [WORDS, REGIONS], np.ones(shape, "float32"))


def test_cross_attention_by_hand_single_head():
    layer = CrossAttentionFusion(num_heads=1, key_dim=2)
    query = np.array([[[1.0, 0.0]]], "float32")
    context = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    layer([query, context])
    attention = layer.attention
    for dense in (attention.query_dense, attention.key_dense, attention.value_dense):
        dense.kernel.assign(np.eye(2, dtype="float32").reshape(2, 1, 2))
        dense.bias.assign(np.zeros((1, 2), "float32"))
    attention.output_dense.kernel.assign(np.eye(2, dtype="float32").reshape(1, 2, 2))
    attention.output_dense.bias.assign(np.zeros(2, "float32"))
    fused, scores = layer([query, context], return_attention_scores=True)
    logits = np.array([1.0, 0.0]) / np.sqrt(2.0)
    weights = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(numpy(scores)[0, 0, 0], weights, rtol=1e-5)
    residual = query[0, 0] + weights @ context[0]
    normed = (residual - residual.mean()) / np.sqrt(residual.var() + 1e-3)
    np.testing.assert_allclose(numpy(fused)[0, 0], normed, rtol=1e-4, atol=1e-5)


def test_cross_attention_ignores_padded_context_and_pools_real_queries(rng):
    layer = CrossAttentionFusion(num_heads=2, key_dim=4, output="vector")
    context = rng.random((1, 4, 12)).astype("float32")
    padded = np.concatenate([context, 100 * rng.random((1, 3, 12)).astype("float32")], axis=1)
    query = rng.random((1, 3, 8)).astype("float32")
    padded_query = np.concatenate([query, rng.random((1, 2, 8)).astype("float32")], axis=1)
    plain = numpy(layer([query, context]))
    masked = layer(
        [padded_query, padded],
        mask=[np.array([[True] * 3 + [False] * 2]), np.array([[True] * 4 + [False] * 3])],
    )
    np.testing.assert_allclose(numpy(masked), plain, rtol=1e-5, atol=1e-6)


def test_cross_attention_takes_keras_masks_from_the_text_encoder(rng):
    from mmkeras.layers import TextEncoder

    encoder = TextEncoder(20, 8, 8, output="sequence")
    fusion = CrossAttentionFusion(2, 4, output="vector")
    regions = keras.Input((9, 12))

    def model_for(length):
        tokens = keras.Input((length,), dtype="int32")
        return keras.Model([tokens, regions], fusion([encoder(tokens), regions]))

    region_values = rng.random((1, 9, 12)).astype("float32")
    padded = numpy(model_for(6)([np.array([[5, 6, 7, 0, 0, 0]]), region_values]))
    exact = numpy(model_for(3)([np.array([[5, 6, 7]]), region_values]))
    np.testing.assert_allclose(padded, exact, rtol=1e-5, atol=1e-6)


def test_cross_attention_errors():
    with pytest.raises(ValueError, match="exactly two modalities"):
        CrossAttentionFusion(2, 4)([WORDS, REGIONS, REGIONS])
    with pytest.raises(ValueError, match="expects the context as a sequence"):
        CrossAttentionFusion(2, 4)([WORDS, IMAGE])
    with pytest.raises(ValueError, match="`num_heads` must be a positive int"):
        CrossAttentionFusion(0, 4)
    with pytest.raises(ValueError, match="`output` must be one of"):
        CrossAttentionFusion(2, 4, output="grid")
