import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import skimage.data

from mmkeras.pretrained import efficientnet_lite0
from mmkeras.pretrained import load_efficientnet_lite0
from mmkeras.pretrained import shipped_model_dir

ROOT = pathlib.Path(__file__).resolve().parents[2]
# scikit-image's colour photos, and the ImageNet classes each one shows.
PHOTOS = {"chelsea": {281, 282, 283, 284, 285}, "coffee": {967, 968, 504}, "astronaut": None, "rocket": None,
          "stereo_motorcycle": {665, 670}}


@pytest.fixture(scope="module")
def pixels():
    # stereo_motorcycle is a stereo pair: the left view, then the right and the disparity.
    photos = [skimage.data.stereo_motorcycle()[0] if name == "stereo_motorcycle" else getattr(skimage.data, name)()
              for name in PHOTOS]
    return np.stack([keras.ops.convert_to_numpy(keras.ops.image.resize(photo.astype("float32"), (224, 224)))
                     for photo in photos])


@pytest.fixture(scope="module")
def model():
    return load_efficientnet_lite0()


def test_logits_and_top_1_are_pytorchs_on_real_photos(model, pixels, tmp_path):
    np.save(tmp_path / "pixels.npy", pixels)
    run = subprocess.run([sys.executable, "-m", "tests.pretrained.efficientnet_lite0_reference",
                          str(tmp_path / "pixels.npy"), str(tmp_path / "logits.npy")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    theirs = np.load(tmp_path / "logits.npy")
    ours = keras.ops.convert_to_numpy(model(pixels))
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    np.testing.assert_array_equal(ours.argmax(-1), theirs.argmax(-1))
    # And the classes are right where the photo shows an ImageNet class.
    for name, top_1 in zip(PHOTOS, ours.argmax(-1)):
        if PHOTOS[name] is not None:
            assert top_1 in PHOTOS[name], (name, top_1)


def test_without_the_top_it_gives_the_pooled_features_the_classifier_reads(model, pixels):
    features = load_efficientnet_lite0(include_top=False)(pixels[:2])
    logits = model.get_layer("logits")(features)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(logits), keras.ops.convert_to_numpy(model(pixels[:2])),
                               atol=1e-4)


def test_a_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="There is no EfficientNet-Lite0 checkpoint at .*efficientnet-lite0"):
        load_efficientnet_lite0(tmp_path)
    with pytest.raises(TypeError, match="Received: 3 of type int"):
        load_efficientnet_lite0(3)


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(tmp_path):
    import torch

    marker = tmp_path / "ran"

    class RunsCode:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    torch.save({"_conv_stem.weight": RunsCode()}, tmp_path / "hostile.pth")
    with pytest.raises(ValueError, match="hostile.pth could not be read as a PyTorch state dict of tensors"):
        load_efficientnet_lite0(tmp_path / "hostile.pth")
    assert not marker.exists()


def test_a_tensor_of_another_shape_or_another_networks_tensors_are_refused(tmp_path):
    import torch

    state = torch.load(shipped_model_dir("efficientnet-lite0") / "efficientnet-lite0-57934424.pth",
                       map_location="cpu", weights_only=True)
    torch.save({**state, "_blocks.3._project_conv.weight": torch.zeros(41, 144, 1, 1)}, tmp_path / "shape.pth")
    with pytest.raises(ValueError, match=r"the weight for block3_project_conv/kernel has shape \(1, 1, 144, 41\); "
                                         r"the model expects \(1, 1, 144, 40\)"):
        load_efficientnet_lite0(tmp_path / "shape.pth")
    torch.save({**state, "_blocks.16._project_conv.weight": torch.zeros(1)}, tmp_path / "extra.pth")
    with pytest.raises(ValueError, match=r"holds 1 tensors EfficientNet-Lite0 has no place for, e.g. "
                                         r"\['_blocks.16._project_conv.weight'\]"):
        load_efficientnet_lite0(tmp_path / "extra.pth")
    del state["_bn1.running_var"]
    torch.save(state, tmp_path / "missing.pth")
    with pytest.raises(ValueError, match="has no tensor '_bn1.running_var'"):
        load_efficientnet_lite0(tmp_path / "missing.pth")


def test_the_network_alone_builds_at_another_size():
    model = efficientnet_lite0(include_top=False, input_shape=(96, 128, 3))
    assert model.output_shape == (None, 1280)
