import keras
import numpy as np
import pytest

from mmkeras import layers
from mmkeras.layers import Fusion

FUSIONS = {
    "ConcatFusion": lambda: layers.ConcatFusion(),
    "AddFusion": lambda: layers.AddFusion(projection_dim=4),
    "WeightedSumFusion": lambda: layers.WeightedSumFusion(4),
    "GatedFusion": lambda: layers.GatedFusion(4),
    "AttentionFusion": lambda: layers.AttentionFusion(4),
    "BilinearFusion": lambda: layers.BilinearFusion(4, rank=2),
}


def test_every_modality_list_fusion_shares_the_base():
    subclasses = {name for name in dir(layers) if isinstance(getattr(layers, name), type)
                  and issubclass(getattr(layers, name), Fusion) and getattr(layers, name) is not Fusion}
    assert subclasses == set(FUSIONS)


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_padding_masks_are_refused_with_the_fix(name, rng):
    tokens = keras.Input((5,), dtype="int32")
    # A masked sequence: Embedding(mask_zero=True) attaches the mask.
    words = keras.layers.Embedding(10, 6, mask_zero=True)(tokens)
    regions = keras.Input((5, 6))
    with pytest.raises(ValueError, match=r"cannot honour padding masks.*inputs \[0\].*CrossAttentionFusion"):
        FUSIONS[name]()([words, regions])


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_a_built_fusion_refuses_another_number_of_modalities_and_a_single_tensor(name, rng):
    fusion = FUSIONS[name]()
    fusion([rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 5)).astype("float32")])
    assert fusion.num_modalities == 2
    three = [rng.normal(size=(2, 3)).astype("float32")] * 3
    with pytest.raises(ValueError, match=f"This {name} was built for 2 modalities; received 3"):
        fusion.call(three)


def test_a_fusion_of_your_own_needs_only_its_maths(rng, tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class MaxFusion(Fusion):
        """Projects every modality to `units` and keeps the largest feature."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def output_width(self, widths):
            return self.units

        def build_fusion(self, widths, input_shape):
            self.kernels, self.biases = self.add_projections(widths, self.units, "glorot_uniform")

        def call(self, inputs, mask=None):
            projected = self.project(self.check_inputs(inputs, mask), self.kernels, self.biases)
            return keras.ops.max(keras.ops.stack(projected, axis=0), axis=0)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    image, text = keras.Input((6,)), keras.Input((4,))
    model = keras.Model([image, text], MaxFusion(3, name="max")([image, text]))
    fusion = model.get_layer("max")
    assert [w.name for w in fusion.weights] == ["kernel_0", "kernel_1", "bias_0", "bias_1"]
    batch = [rng.normal(size=(2, 6)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")]
    expected = np.maximum(batch[0] @ fusion.kernels[0].numpy(), batch[1] @ fusion.kernels[1].numpy())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(batch)), expected, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "max.keras")
    reloaded = keras.saving.load_model(tmp_path / "max.keras", safe_mode=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(batch)), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expects a list of modality tensors"):
        fusion.check_inputs(batch[0])


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_modalities_of_different_batch_sizes_are_refused(name, rng):
    fusion = FUSIONS[name]()
    with pytest.raises(ValueError, match=r"batch sizes must agree. Received shapes \[\(2, 3\), \(3, 5\)\]"):
        fusion([rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(3, 5)).astype("float32")])
    fusion([rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 5)).astype("float32")])
    # Once built, every call is still checked.
    with pytest.raises(ValueError, match=r"batch sizes must agree. Received shapes \[\(4, 3\), \(2, 5\)\]"):
        fusion([rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(2, 5)).astype("float32")])
