"""ConcatFusion, AddFusion and AttentionFusion."""

import keras
import numpy as np
import pytest

from mmkeras.layers import AddFusion
from mmkeras.layers import AttentionFusion
from mmkeras.layers import ConcatFusion
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

RNG = np.random.default_rng(0)
IMAGE = RNG.random((3, 6)).astype("float32")
TEXT = RNG.random((3, 4)).astype("float32")
AUDIO = RNG.random((3, 6)).astype("float32")


def model_around(layer, widths, **call_kwargs):
    inputs = [keras.Input((w,)) for w in widths]
    return keras.Model(inputs, layer(inputs, **call_kwargs))


@pytest.mark.parametrize(
    "make_layer, inputs, width",
    [
        pytest.param(lambda: ConcatFusion(), [IMAGE, TEXT], 10, id="concat-two"),
        pytest.param(lambda: ConcatFusion(), [IMAGE, TEXT, AUDIO], 16, id="concat-three"),
        pytest.param(lambda: AddFusion(), [IMAGE, AUDIO], 6, id="add-two"),
        pytest.param(
            lambda: AddFusion(projection_dim=5, activation="relu"),
            [IMAGE, TEXT, AUDIO], 5, id="add-projected-relu",
        ),
        pytest.param(lambda: AttentionFusion(units=5), [IMAGE, TEXT], 5, id="attention-two"),
        pytest.param(
            lambda: AttentionFusion(units=5, attention_units=3),
            [IMAGE, TEXT, AUDIO], 5, id="attention-three",
        ),
    ],
)
def test_shapes_serialization_and_training(make_layer, inputs, width, tmp_path):
    # Built inside the test: an initializer draws its seed when constructed, so a
    # layer made at import time would not follow the per-test random seed.
    layer = make_layer()
    widths = [x.shape[-1] for x in inputs]
    assert layer.compute_output_shape([(3, w) for w in widths]) == (3, width)
    model = model_around(layer, widths)
    check_symbolic_matches_eager(model, inputs)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, inputs, tmp_path)
    if layer.trainable_weights:
        check_training_step(model, inputs, np.ones((3, width), "float32"))


def test_sequence_inputs_are_fused_per_position(rng):
    a, b = rng.random((2, 7, 3)), rng.random((2, 7, 5))
    assert tuple(ConcatFusion()([a, b]).shape) == (2, 7, 8)
    assert tuple(AddFusion(projection_dim=4)([a, b]).shape) == (2, 7, 4)
    fused, weights = AttentionFusion(4)([a, b], return_attention_scores=True)
    assert tuple(fused.shape) == (2, 7, 4) and tuple(weights.shape) == (2, 7, 2)


def test_concat_and_add_by_hand():
    a = np.array([[1.0, 2.0]], "float32")
    b = np.array([[10.0, 20.0]], "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ConcatFusion()([a, b])), [[1, 2, 10, 20]])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(AddFusion()([a, b])), [[11, 22]])
    projected = AddFusion(projection_dim=1)
    projected.build([(1, 2), (1, 2)])
    projected.kernels[0].assign([[1.0], [0.0]])
    projected.kernels[1].assign([[0.0], [0.5]])
    projected.biases[1].assign([3.0])
    # 1*1 + 0*2 + 0*10 + 0.5*20 + 3 = 14
    np.testing.assert_allclose(keras.ops.convert_to_numpy(projected([a, b])), [[14.0]])


def test_attention_fusion_by_hand():
    layer = AttentionFusion(units=2, attention_units=1)
    layer.build([(1, 2), (1, 2)])
    for kernel in layer.kernels:
        kernel.assign(np.eye(2, dtype="float32"))
    layer.score_hidden.kernel.assign([[1.0], [0.0]])
    layer.score.kernel.assign([[2.0]])
    a = np.array([[1.0, 0.0]], "float32")
    b = np.array([[0.0, 3.0]], "float32")
    # scores: 2*tanh(1) for a, 2*tanh(0) = 0 for b
    s = np.array([2 * np.tanh(1.0), 0.0])
    expected_weights = np.exp(s) / np.exp(s).sum()
    fused, weights = layer([a, b], return_attention_scores=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(weights)[0], expected_weights, rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(fused)[0],
        expected_weights[0] * a[0] + expected_weights[1] * b[0],
        rtol=1e-5,
    )


def test_attention_weights_differ_per_example():
    layer = AttentionFusion(units=4)
    _, weights = layer([IMAGE, TEXT], return_attention_scores=True)
    weights = keras.ops.convert_to_numpy(weights)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)
    assert not np.allclose(weights[0], weights[1])


def test_attention_fusion_symbolic_scores():
    inputs = [keras.Input((6,)), keras.Input((4,))]
    fused, weights = AttentionFusion(3)(inputs, return_attention_scores=True)
    assert tuple(fused.shape) == (None, 3) and tuple(weights.shape) == (None, 2)


def test_add_fusion_names_both_widths_and_the_fix():
    with pytest.raises(ValueError, match=r"widths \[6, 4\].*projection_dim=6.*ConcatFusion"):
        AddFusion()([IMAGE, TEXT])


@pytest.mark.parametrize("layer_class", [ConcatFusion, AddFusion, lambda: AttentionFusion(3)])
def test_fusion_input_errors(layer_class, rng):
    with pytest.raises(ValueError, match="expects a list of modality tensors"):
        layer_class()(IMAGE)
    with pytest.raises(ValueError, match="at least 2 modalities. Received 1"):
        layer_class()([IMAGE])
    with pytest.raises(ValueError, match="differ only in their last"):
        layer_class()([rng.random((3, 5, 6)), rng.random((3, 2, 6))])
    with pytest.raises(ValueError, match="of one rank"):
        layer_class()([IMAGE, rng.random((3, 2, 6))])


def test_built_fusion_rejects_another_number_of_modalities():
    layer = AttentionFusion(3)
    layer([IMAGE, TEXT])
    with pytest.raises(ValueError, match="built for 2 modalities; received 3"):
        layer.call([IMAGE, TEXT, AUDIO])
