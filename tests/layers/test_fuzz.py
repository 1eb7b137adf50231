"""Every public layer, fed what a new user might feed it by mistake.

Each case must end in a clear `ValueError` or `TypeError` that says what
was received, or in a correct result: never an error from deep inside a
backend, and never a silently wrong answer. The valid call of each layer
comes first, so the cases change one thing at a time.
"""

import keras
import numpy as np
import pytest

from mmkeras import layers

RNG = np.random.default_rng(0)


def floats(*shape):
    return RNG.normal(size=shape).astype("float32")


def ids(*shape, high=9):
    return RNG.integers(1, high, size=shape).astype("int32")


# name: (make the layer, a valid input, a one-argument call).
SINGLE_INPUT = {
    "AudioEncoder": (lambda: layers.AudioEncoder(filters=(4,), strides=(1,), recurrent_units=4), floats(2, 12, 5)),
    "ImageEncoder": (lambda: layers.ImageEncoder(filters=(4,)), floats(2, 8, 8, 3)),
    "VideoEncoder": (lambda: layers.VideoEncoder(filters=(4,)), floats(2, 4, 8, 8, 3)),
    "TextEncoder": (lambda: layers.TextEncoder(10, 4, 4), ids(2, 5)),
    "PatchEmbedding": (lambda: layers.PatchEmbedding(patch_size=4, hidden_dim=8), floats(2, 8, 8, 3)),
    "PositionEmbedding": (lambda: layers.PositionEmbedding(max_length=6), floats(2, 5, 4)),
    "ModalityProjector": (lambda: layers.ModalityProjector(6), floats(2, 5, 4)),
    "ModalityEmbedding": (lambda: layers.ModalityEmbedding(num_modalities=2), floats(2, 5, 4)),
    "MaskedMeanPooling": (lambda: layers.MaskedMeanPooling(), floats(2, 5, 4)),
    "TransformerEncoder": (lambda: layers.TransformerEncoder(num_heads=2, intermediate_dim=8), floats(2, 5, 4)),
    "TransformerDecoder": (lambda: layers.TransformerDecoder(num_heads=2, intermediate_dim=8), floats(2, 5, 4)),
    "TransformerLanguageModel": (
        lambda: layers.TransformerLanguageModel(10, 8, hidden_dim=4, num_layers=1, num_heads=2, intermediate_dim=8),
        ids(2, 5),
    ),
}
TAKES_IDS = {"TextEncoder", "TransformerLanguageModel"}
# Like Dense, the projector maps the last axis of (batch, features) or (batch, tokens, features).
TAKES_RANK_2_OR_3 = {"ModalityProjector"}


def output_of(layer, x):
    outputs = layer(x)
    if isinstance(outputs, (tuple, list)):
        outputs = outputs[0]
    return keras.ops.convert_to_numpy(outputs)


@pytest.mark.parametrize("name", sorted(SINGLE_INPUT))
def test_a_wrong_rank_is_refused_with_the_shape_received(name):
    make, x = SINGLE_INPUT[name]
    output_of(make(), x)
    for wrong in (x[..., None], x[0, 0] if name in TAKES_RANK_2_OR_3 else x[0]):
        with pytest.raises(ValueError, match=rf"Received.*{tuple(wrong.shape)}".replace("(", r"\(").replace(")", r"\)")):
            make()(wrong)


@pytest.mark.parametrize("name", sorted(TAKES_IDS))
def test_float_ids_are_refused(name):
    make, x = SINGLE_INPUT[name]
    with pytest.raises(TypeError, match="Received dtype float32"):
        make()(x.astype("float32") + 0.5)


@pytest.mark.parametrize("name", sorted(TAKES_IDS))
@pytest.mark.parametrize("bad_id", [10, 1_000_000, -1])
def test_an_id_outside_the_vocabulary_is_named_with_its_position(name, bad_id):
    make, x = SINGLE_INPUT[name]  # both layers have 10 ids
    x = x.copy()
    x[1, 3] = bad_id
    with pytest.raises(ValueError, match=rf"token id {bad_id} at \w+\[1, 3\], outside \[0, vocab\w*=10\)"):
        make()(x)


def test_the_decoder_names_an_id_outside_its_vocabulary():
    decoder = layers.LSTMDecoder(vocab_size=10, embedding_dim=4, units=4)
    with pytest.raises(ValueError, match=r"token id 12 at tokens\[0, 2\], outside \[0, vocab_size=10\)"):
        decoder([np.array([[1, 2, 12]], "int32"), floats(1, 3, 4)])


@pytest.mark.parametrize("name", sorted(set(SINGLE_INPUT) - TAKES_IDS))
def test_integer_inputs_are_used_as_numbers(name):
    # Pixels or features given as integers are cast, not refused or truncated.
    make, x = SINGLE_INPUT[name]
    layer = make()
    as_floats = output_of(layer, np.round(x).astype("float32"))
    as_ints = output_of(layer, np.round(x).astype("int32"))
    np.testing.assert_allclose(as_ints, as_floats, atol=1e-5)


@pytest.mark.parametrize("name", sorted(SINGLE_INPUT))
def test_a_batch_of_one_matches_the_same_example_in_a_batch(name):
    make, x = SINGLE_INPUT[name]
    layer = make()
    np.testing.assert_allclose(output_of(layer, x[:1]), output_of(layer, x)[:1], atol=1e-5)


@pytest.mark.parametrize("name", sorted(set(SINGLE_INPUT) - TAKES_IDS))
def test_nan_in_one_example_stays_in_that_example(name):
    # NaN is not hidden (the example's output is NaN) and does not leak into the others.
    make, x = SINGLE_INPUT[name]
    poisoned = x.copy()
    poisoned[0] = np.nan
    layer = make()
    clean, out = output_of(layer, x), output_of(layer, poisoned)
    assert np.isnan(out[0]).any()
    np.testing.assert_allclose(out[1:], clean[1:], atol=1e-5)


@pytest.mark.parametrize("fusion", [
    layers.ConcatFusion(), layers.AddFusion(projection_dim=4), layers.WeightedSumFusion(4), layers.GatedFusion(4),
    layers.AttentionFusion(4), layers.BilinearFusion(4, rank=2),
], ids=lambda layer: type(layer).__name__)
def test_fusions_refuse_a_single_tensor_one_modality_and_a_string(fusion):
    with pytest.raises(ValueError, match=r"list of modality tensors.*Received a single"):
        fusion(floats(2, 3))
    with pytest.raises(ValueError, match=r"at least 2 modalities. Received 1 input"):
        fusion([floats(2, 3)])
    with pytest.raises(ValueError, match=r"one rank.*Received shapes \[\(2, 3\), \(2, 3, 4\)\]"):
        fusion([floats(2, 3), floats(2, 3, 4)])
