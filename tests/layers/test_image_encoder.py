import keras
import numpy as np
import pytest

from mmkeras.layers import ImageEncoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

IMAGES = np.random.default_rng(0).random((3, 16, 16, 3)).astype("float32")


def model_around(layer, size=16):
    inputs = keras.Input((size, size, 3))
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"filters": (4, 8), "output": "vector"}, (3, 8)),
        ({"filters": (4, 8), "output": "vector", "pooling": "max", "output_dim": 5}, (3, 5)),
        ({"filters": (4, 8), "output": "vector", "pooling": "flatten"}, (3, 4 * 4 * 8)),
        ({"filters": (4, 8), "output": "grid"}, (3, 16, 8)),
        ({"filters": (4, 8), "output": "grid", "output_dim": 6, "coordinates": True}, (3, 16, 8)),
        ({"filters": (4,), "output": "grid", "batch_norm": True, "dropout": 0.2}, (3, 64, 4)),
        ({"filters": (4, 8), "output": "grid", "downsampling": "strided", "batch_norm": True}, (3, 16, 8)),
        ({"filters": (4, 8), "output": "vector", "pooling": "flatten", "downsampling": "strided"}, (3, 4 * 4 * 8)),
        ({"filters": (4, 8), "output": "vector", "block": "residual"}, (3, 8)),
        ({"filters": (4, 8), "output": "grid", "block": "residual", "batch_norm": True, "downsampling": "strided"},
         (3, 16, 8)),
    ],
)
def test_shapes_serialization_and_training(kwargs, shape, tmp_path):
    layer = ImageEncoder(**kwargs)
    assert layer.compute_output_shape(IMAGES.shape) == shape
    model = model_around(layer)
    check_symbolic_matches_eager(model, IMAGES)
    assert keras.ops.convert_to_numpy(model(IMAGES)).shape == shape
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, IMAGES, tmp_path)
    check_training_step(model, IMAGES, np.ones(shape, "float32"))


def test_hand_computed_single_filter():
    # One 1x1 filter that sums the channels, ReLU, 2x2 max-pool, average.
    layer = ImageEncoder(filters=(1,), kernel_size=1, output="vector")
    layer.build((1, 2, 2, 3))
    conv = layer.convolutions[0]
    conv.kernel.assign(np.ones((1, 1, 3, 1), "float32"))
    conv.bias.assign(np.array([-1.0], "float32"))
    image = np.array([[[[1, 0, 0], [0.5, 0.5, 1]], [[0, 0, 0], [2, 0, 0]]]], "float32")
    # channel sums 1, 2, 0, 2; minus 1 -> 0, 1, -1, 1; ReLU; max-pool -> 1
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(image)), [[1.0]])


def test_strided_downsampling_hand_computed():
    # One 1x1 filter that sums the channels; stride 2 keeps the top-left
    # pixel of every 2x2 block where the max-pool keeps the block's largest.
    image = np.zeros((1, 4, 4, 3), "float32")
    image[0, 0, 0, 0], image[0, 1, 1, 0] = 1.0, 5.0
    maps = {}
    for downsampling in ("strided", "max_pool"):
        layer = ImageEncoder(filters=(1,), kernel_size=1, output="grid", downsampling=downsampling)
        layer.build(image.shape)
        layer.convolutions[0].kernel.assign(np.ones((1, 1, 3, 1), "float32"))
        layer.convolutions[0].bias.assign(np.zeros((1,), "float32"))
        maps[downsampling] = keras.ops.convert_to_numpy(layer(image))[0, :, 0]
    np.testing.assert_allclose(maps["strided"], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(maps["max_pool"], [5.0, 0.0, 0.0, 0.0])


def test_strided_downsampling_rounds_odd_sides_up():
    layer = ImageEncoder(filters=(2, 2), output="grid", downsampling="strided")
    assert layer.compute_output_shape((1, 9, 6, 3)) == (1, 3 * 2, 2)
    assert [tuple(m.shape) for m in layer.feature_maps(np.zeros((1, 9, 6, 3), "float32"))] == [
        (1, 5, 3, 2),
        (1, 3, 2, 2),
    ]
    assert tuple(layer(np.zeros((1, 9, 6, 3), "float32")).shape) == (1, 6, 2)
    # Three halvings of a 4-pixel side: max-pooling would leave nothing, striding leaves one pixel.
    tiny = np.zeros((1, 4, 4, 3), "float32")
    assert tuple(ImageEncoder(filters=(2, 2, 2), downsampling="strided")(tiny).shape) == (1, 2)


def test_grid_coordinates_are_region_centres():
    layer = ImageEncoder(filters=(2,), output="grid", coordinates=True)
    grid = keras.ops.convert_to_numpy(layer(np.zeros((1, 4, 4, 3), "float32")))
    np.testing.assert_allclose(grid[0, :, -2:], [[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])


def test_uint8_images_are_accepted():
    layer = ImageEncoder(filters=(2,))
    out = layer(np.zeros((1, 8, 8, 3), "uint8"))
    assert keras.ops.convert_to_numpy(out).dtype == np.float32


def test_feature_maps_halve_each_block():
    layer = ImageEncoder(filters=(4, 8))
    maps = layer.feature_maps(IMAGES)
    assert [tuple(m.shape) for m in maps] == [(3, 8, 8, 4), (3, 4, 4, 8)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": 32}, "non-empty sequence of ints"),
        ({"filters": (8, 0)}, "filters=0"),
        ({"output": "map"}, "output='map'"),
        ({"pooling": "sum"}, "pooling='sum'"),
        ({"output": "vector", "coordinates": True}, "needs output='grid'"),
        ({"dropout": 1.5}, "dropout=1.5"),
        ({"downsampling": "avg_pool"}, "downsampling='avg_pool'"),
        ({"block": "bottleneck"}, "block='bottleneck'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageEncoder(**kwargs)


def test_bad_input_shapes():
    with pytest.raises(ValueError, match=r"rank 4.*Received shape \(2, 16, 16\)"):
        ImageEncoder(filters=(4,))(np.zeros((2, 16, 16), "float32"))
    with pytest.raises(ValueError, match=r"at least 8.*Received shape \(1, 4, 4, 3\)"):
        ImageEncoder(filters=(4, 4, 4))(np.zeros((1, 4, 4, 3), "float32"))


def test_calling_after_feature_maps_reuses_the_built_convolutions():
    layer = ImageEncoder(filters=(4, 8))
    maps = layer.feature_maps(IMAGES)
    assert tuple(layer(IMAGES).shape) == (3, 8)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.feature_maps(IMAGES)[-1]), keras.ops.convert_to_numpy(maps[-1])
    )


def test_residual_block_adds_its_projected_input():
    # With the second convolution zeroed, F(x) = 0 and a block returns act(P x): the shortcut alone.
    layer = ImageEncoder(filters=(2,), kernel_size=1, output="grid", block="residual")
    layer.build((1, 2, 2, 3))
    layer.second_convolutions[0].kernel.assign(np.zeros((1, 1, 2, 2), "float32"))
    shortcut = layer.shortcuts[0]
    shortcut.kernel.assign(np.array([[[[1.0, -1.0], [0.0, 0.0], [0.0, 0.0]]]], "float32"))
    shortcut.bias.assign(np.zeros(2, "float32"))
    image = np.zeros((1, 2, 2, 3), "float32")
    image[0, 0, 1, 0] = 3.0
    # Shortcut: (3, -3) at the one lit pixel; ReLU keeps (3, 0); the 2x2 max-pool keeps it.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(image)), [[[3.0, 0.0]]])
    # The main path adds on top: a non-zero second convolution changes the output.
    layer.second_convolutions[0].kernel.assign(np.ones((1, 1, 2, 2), "float32"))
    assert not np.allclose(keras.ops.convert_to_numpy(layer(image)), [[[3.0, 0.0]]])


def test_residual_blocks_have_two_convolutions_and_a_shortcut_each():
    plain = ImageEncoder(filters=(4, 8))
    residual = ImageEncoder(filters=(4, 8), block="residual")
    plain.build((None, 16, 16, 3))
    residual.build((None, 16, 16, 3))
    second_convolutions = (3 * 3 * 4 * 4 + 4) + (3 * 3 * 8 * 8 + 8)  # kernels and biases
    shortcuts = (1 * 1 * 3 * 4 + 4) + (1 * 1 * 4 * 8 + 8)
    assert residual.count_params() == plain.count_params() + second_convolutions + shortcuts
    assert ImageEncoder.from_config(residual.get_config()).block == "residual"


@pytest.mark.parametrize("height, width", [(5, 3), (4, 6)])
def test_strided_shortcut_equals_a_stride_2_one_by_one_convolution(height, width):
    # The shortcut subsamples and then convolves with stride 1; with the main
    # path zeroed a block returns act(P x), which must be what a stride-2,
    # "same" 1x1 convolution with the same weights gives, odd sides included.
    layer = ImageEncoder(filters=(2,), kernel_size=1, output="grid", block="residual", downsampling="strided")
    layer.build((1, height, width, 3))
    layer.second_convolutions[0].kernel.assign(np.zeros((1, 1, 2, 2), "float32"))
    layer.second_convolutions[0].bias.assign(np.zeros(2, "float32"))
    kernel = np.array([[[[1.0, -0.5], [2.0, 1.0], [-1.0, 0.5]]]], "float32")
    bias = np.array([0.1, -0.2], "float32")
    layer.shortcuts[0].kernel.assign(kernel)
    layer.shortcuts[0].bias.assign(bias)
    strided = keras.layers.Conv2D(2, 1, strides=2, padding="same")
    strided.build((1, height, width, 3))
    strided.kernel.assign(kernel)
    strided.bias.assign(bias)
    image = np.random.default_rng(1).normal(size=(1, height, width, 3)).astype("float32")
    expected = np.maximum(keras.ops.convert_to_numpy(strided(image)), 0.0).reshape(1, -1, 2)
    assert expected.shape[1] == -(-height // 2) * -(-width // 2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(image)), expected, rtol=1e-6, atol=1e-6)
