"""Every layer computes in float16 under mixed_float16 and agrees with float32.

A constant that does not fit float16 (a -1e9 mask value, say) or an
intermediate that overflows it shows up here as inf/NaN or as a large
difference from the same layer, with the same weights, in float32.
"""

import keras
import numpy as np
import pytest

from mmkeras import layers

RNG = np.random.default_rng(0)


def floats(*shape):
    return RNG.normal(size=shape).astype("float32")


def tokens(*shape, vocab=20):
    ids = RNG.integers(1, vocab, size=shape).astype("int32")
    ids[:, -2:] = 0
    return ids


LENGTHS_MASK = np.array([[True] * 20, [True] * 12 + [False] * 8])

# class name: (factory, positional inputs, keyword inputs)
CASES = {
    "AddFusion": (lambda: layers.AddFusion(projection_dim=8), ([floats(2, 8), floats(2, 6)],), {}),
    "AttentionFusion": (lambda: layers.AttentionFusion(8), ([floats(2, 8), floats(2, 6)],), {}),
    "AudioEncoder": (lambda: layers.AudioEncoder(filters=(8, 8), kernel_size=3, strides=2, output="vector",
                                                 pooling="max"),
                     (floats(2, 20, 8),), {"mask": LENGTHS_MASK}),
    "BahdanauAttention": (lambda: layers.BahdanauAttention(8), (floats(2, 8), floats(2, 20, 8)),
                          {"mask": LENGTHS_MASK}),
    "BatchGroups": (lambda: layers.BatchGroups(2, "merge"), (floats(4, 2, 8),), {}),
    "BilinearFusion": (lambda: layers.BilinearFusion(8), ([floats(2, 8), floats(2, 6)],), {}),
    "ConcatFusion": (lambda: layers.ConcatFusion(), ([floats(2, 8), floats(2, 6)],), {}),
    "ContrastiveSimilarity": (lambda: layers.ContrastiveSimilarity(), ([floats(4, 8), floats(4, 8)],), {}),
    "CrossAttentionFusion": (lambda: layers.CrossAttentionFusion(2, 4), ([floats(2, 5, 8), floats(2, 6, 8)],), {}),
    "GatedFusion": (lambda: layers.GatedFusion(8), ([floats(2, 8), floats(2, 6)],), {}),
    "ImageEncoder": (lambda: layers.ImageEncoder((4, 8), output="grid", batch_norm=True, coordinates=True),
                     (RNG.uniform(size=(2, 16, 16, 3)).astype("float32"),), {}),
    "LSTMDecoder": (lambda: layers.LSTMDecoder(20, 8, 8), ([tokens(2, 6), floats(2, 4, 8)],), {}),
    "MaskedMeanPooling": (lambda: layers.MaskedMeanPooling(), (floats(2, 20, 8),), {"mask": LENGTHS_MASK}),
    "ModalityDropout": (lambda: layers.ModalityDropout(0.5), ([floats(2, 8), floats(2, 6)],), {}),
    "ModalityEmbedding": (lambda: layers.ModalityEmbedding(2), (floats(2, 6, 8),),
                          {"modality": np.array([[0] * 4 + [1] * 2] * 2, "int32")}),
    "ModalityProjector": (lambda: layers.ModalityProjector(8, 16), (floats(2, 6, 4),), {}),
    "PatchEmbedding": (lambda: layers.PatchEmbedding(4, 8, class_token=True),
                       (RNG.uniform(size=(2, 16, 16, 3)).astype("float32"),), {}),
    "PositionEmbedding": (lambda: layers.PositionEmbedding(10), (floats(2, 6, 8),), {}),
    "SpatialBroadcast": (lambda: layers.SpatialBroadcast(), ([floats(2, 4, 4, 8), floats(2, 3)],), {}),
    "TextEncoder": (lambda: layers.TextEncoder(20, 8, 8, bidirectional=True, output="sequence"),
                    (tokens(2, 6),), {}),
    "TransformerDecoder": (lambda: layers.TransformerDecoder(2, 16, cross_attention=True), (floats(2, 6, 8),),
                           {"encoder_outputs": floats(2, 5, 4), "prefix_length": 2,
                            "padding_mask": np.array([[True] * 6, [False] * 2 + [True] * 4])}),
    "TransformerLanguageModel": (lambda: layers.TransformerLanguageModel(20, 12, 8, 2, 2, 16),
                                 (tokens(2, 6),), {"prefix": floats(2, 3, 8), "prefix_length": 3,
                                                   "padding_mask": np.array([[True] * 9, [True] * 7 + [False] * 2])}),
    "TransformerEncoder": (lambda: layers.TransformerEncoder(2, 16), (floats(2, 6, 8),),
                           {"padding_mask": np.array([[True] * 6, [True] * 3 + [False] * 3])}),
    "VideoEncoder": (lambda: layers.VideoEncoder((4,), two_stream=True),
                     (RNG.uniform(size=(2, 4, 16, 16, 3)).astype("float32"),), {}),
    "WeightedSumFusion": (lambda: layers.WeightedSumFusion(8), ([floats(2, 8), floats(2, 6)],), {}),
}
# Sampling draws noise, which differs between dtypes; its float16 safety
# (the KL term) is tested in test_sampling.py.
RANDOM_LAYERS = {"Sampling"}
# Logits over a vocabulary stay float32 for a stable softmax and loss.
FLOAT32_OUTPUTS = {"TransformerLanguageModel"}
# Fusion is the abstract base of the fusion layers (no maths of its own);
# tests/layers/test_fusion_base.py tests it through a subclass.
BASE_CLASSES = {"Fusion"}


def test_every_layer_is_covered():
    exported = {name for name in dir(layers) if isinstance(getattr(layers, name), type)}
    assert exported == set(CASES) | RANDOM_LAYERS | BASE_CLASSES


def numpy_outputs(outputs):
    return [keras.ops.convert_to_numpy(output) for output in keras.tree.flatten(outputs)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_in_mixed_float16_matches_float32(name):
    factory, args, kwargs = CASES[name]
    full = factory()
    expected = numpy_outputs(full(*args, **kwargs))
    config = full.get_config()
    config["dtype"] = "mixed_float16"
    half = type(full).from_config(config)
    half(*args, **kwargs)
    half.set_weights(full.get_weights())
    actual = numpy_outputs(half(*args, **kwargs))
    assert half.compute_dtype == "float16" and half.variable_dtype == "float32"
    for want, got in zip(expected, actual):
        assert np.all(np.isfinite(got)), name
        if got.dtype.kind == "f":
            assert got.dtype == (np.float32 if name in FLOAT32_OUTPUTS else np.float16), (name, got.dtype)
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got.astype("float32"), want, atol=2e-2 * scale, rtol=0, err_msg=name)
