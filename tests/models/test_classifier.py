import keras
import numpy as np
import pytest

from mmkeras.models import FUSION_CHOICES
from mmkeras.models import build_product_classifier
from tests.layers.layer_checks import check_saved_model_round_trip

RNG = np.random.default_rng(0)
INPUTS = {
    "image": RNG.random((4, 16, 16, 3)).astype("float32"),
    "text": np.concatenate([RNG.integers(1, 20, (4, 4)), np.zeros((4, 2))], axis=1).astype("int32"),
}


def small(fusion, **kwargs):
    return build_product_classifier(
        vocab_size=20, num_classes=5, image_size=16, text_length=6, fusion=fusion, width=8,
        hidden_units=8, filters=(4, 8), embedding_dim=4, num_heads=2, **kwargs,
    )


@pytest.mark.parametrize("fusion", FUSION_CHOICES)
def test_every_fusion_trains_saves_and_reloads(fusion, tmp_path):
    model = small(fusion, modality_dropout=0.2)
    probabilities = keras.ops.convert_to_numpy(model(INPUTS))
    assert probabilities.shape == (4, 5)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert np.isfinite(model.train_on_batch(INPUTS, np.arange(4)))
    check_saved_model_round_trip(model, INPUTS, tmp_path)


@pytest.mark.parametrize("fusion", ["concat", "cross_attention"])
def test_strided_downsampling_keeps_the_shapes_and_trains(fusion, tmp_path):
    pooled, strided = small(fusion), small(fusion, downsampling="strided")
    assert strided.get_layer("image_encoder").downsampling == "strided"
    assert strided.get_layer("image_encoder").output.shape == pooled.get_layer("image_encoder").output.shape
    strided.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert np.isfinite(strided.train_on_batch(INPUTS, np.arange(4)))
    check_saved_model_round_trip(strided, INPUTS, tmp_path)


def test_unimodal_baselines_ignore_the_other_input(rng):
    image_only, text_only = small("image_only"), small("text_only")
    other_text = dict(INPUTS, text=rng.integers(1, 20, (4, 6)).astype("int32"))
    other_image = dict(INPUTS, image=rng.random((4, 16, 16, 3)).astype("float32"))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(image_only(INPUTS)), keras.ops.convert_to_numpy(image_only(other_text))
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(text_only(INPUTS)), keras.ops.convert_to_numpy(text_only(other_image))
    )


def test_embedding_layer_is_exposed_and_custom_text_encoder_is_used():
    encoder = keras.Sequential(
        [keras.layers.Embedding(20, 8), keras.layers.GlobalAveragePooling1D()], name="bag_of_words"
    )
    model = small("concat", text_encoder=encoder)
    assert model.get_layer("bag_of_words") is encoder
    embedder = keras.Model(model.inputs, model.get_layer("embedding").output)
    assert embedder.predict(INPUTS, verbose=0).shape == (4, 8)


def test_unknown_fusion_names_the_choices():
    with pytest.raises(ValueError, match="`fusion` must be one of .*'bilinear'.*Received: fusion='sum'"):
        small("sum")
