import keras
import numpy as np
import pytest

from mmkeras.models import build_captioner
from mmkeras.models import build_translator
from mmkeras.models import generate_translations

SMALL = {"source_length": 6, "target_length": 8, "embedding_dim": 8, "units": 16}


def test_text_translator_shapes_and_masked_attention():
    model = build_translator(20, 30, **SMALL)
    logits = model({"source": np.ones((2, 6), "int32"), "tokens": np.ones((2, 8), "int32")})
    assert tuple(logits.shape) == (2, 8, 30) and logits.dtype == "float32"
    source = np.array([[2, 5, 6, 3, 0, 0], [2, 7, 3, 0, 0, 0]], "int32")
    result = generate_translations(model, {"source": source}, start_id=2, end_id=3, max_length=5, beam_width=2)
    attention = keras.ops.convert_to_numpy(result.attention)
    assert attention.shape == (2, 5, 6)
    # The first step attends over the real tokens only: padding gets no weight.
    np.testing.assert_allclose(attention[:, 0].sum(-1), 1.0, rtol=1e-5)
    assert np.all(attention[0, 0, 4:] == 0) and np.all(attention[1, 0, 3:] == 0)


def test_grounded_translator_attends_over_words_then_regions():
    model = build_translator(20, 30, **SMALL, image_size=16, filters=(4, 8))
    assert sorted(model.input) == ["image", "source", "tokens"]
    memory = model.get_layer("memory").output
    regions = (16 // 4) ** 2
    assert tuple(memory.shape) == (None, 6 + regions, 16)
    source = np.array([[2, 5, 3, 0, 0, 0]], "int32")
    result = generate_translations(
        model, {"source": source, "image": np.zeros((1, 16, 16, 3), "float32")}, start_id=2, end_id=3, max_length=4
    )
    attention = keras.ops.convert_to_numpy(result.attention)[0, 0]
    assert attention.shape == (6 + regions,)
    assert np.all(attention[3:6] == 0) and np.all(attention[6:] > 0)


def test_translator_errors_name_what_was_received():
    with pytest.raises(ValueError, match="units=15"):
        build_translator(20, 30, units=15)
    model = build_translator(20, 30, **SMALL, image_size=16, filters=(4,))
    with pytest.raises(ValueError, match="with 'source' and 'image'. Received: \\['source'\\]"):
        generate_translations(model, {"source": np.ones((1, 6), "int32")}, 2, 3)
    captioner = build_captioner(vocab_size=10, image_size=16, sequence_length=5, filters=(4,), feature_dim=4, units=4)
    with pytest.raises(ValueError, match="build_translator.*'captioner'"):
        generate_translations(captioner, {"source": np.ones((1, 6), "int32")}, 2, 3)


def test_speech_translator_masks_padding_frames_and_reloads(tmp_path):
    from mmkeras.models import build_speech_translator

    model = build_speech_translator(30, target_length=8, filters=(8, 8), strides=(1, 2), recurrent_units=8,
                                    embedding_dim=8, units=16)
    features = np.random.default_rng(0).normal(size=(2, 40, 40)).astype("float32")
    features[1, 16:] = 0.0  # the second utterance is 16 frames long, then padding
    result = generate_translations(model, {"features": features}, start_id=2, end_id=3, max_length=5)
    attention = keras.ops.convert_to_numpy(result.attention)
    assert attention.shape == (2, 5, 20)  # the strided block halves the frames
    np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-5)
    assert np.all(attention[1, :, 8:] == 0) and np.all(attention[0] > 0)
    # Padding does not change what a short utterance is translated to.
    alone = generate_translations(model, {"features": features[1:, :16]}, start_id=2, end_id=3, max_length=5)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(alone.tokens)[0], keras.ops.convert_to_numpy(result.tokens)[1])
    model.save(tmp_path / "speech_translator.keras")
    reloaded = keras.saving.load_model(tmp_path / "speech_translator.keras", safe_mode=True)
    inputs = {"features": features, "tokens": np.ones((2, 8), "int32")}
    np.testing.assert_allclose(reloaded(inputs), model(inputs), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="dict with 'features'. Received: \\['source'\\]"):
        generate_translations(model, {"source": np.ones((1, 6), "int32")}, 2, 3)
