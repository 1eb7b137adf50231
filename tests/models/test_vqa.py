import keras
import numpy as np
import pytest

from mmkeras.models import FUSIONS
from mmkeras.models import build_vqa_model
from tests.layers.layer_checks import check_saved_model_round_trip

RNG = np.random.default_rng(0)
INPUTS = {
    "image": RNG.random((4, 32, 32, 3)).astype("float32"),
    "question": RNG.integers(1, 20, (4, 6)).astype("int32"),
}


@pytest.mark.parametrize("fusion", FUSIONS)
def test_every_fusion_trains_saves_and_reloads(fusion, tmp_path):
    model = build_vqa_model(
        vocab_size=20, num_answers=5, image_size=32, question_length=6, fusion=fusion,
        width=8, hidden_units=8 if fusion != "add" else None, filters=(4, 8), embedding_dim=4,
    )
    probabilities = keras.ops.convert_to_numpy(model(INPUTS))
    assert probabilities.shape == (4, 5)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert np.isfinite(model.train_on_batch(INPUTS, np.arange(4)))
    check_saved_model_round_trip(model, INPUTS, tmp_path)


def test_document_002_model_adds_equal_widths():
    model = build_vqa_model(vocab_size=20, num_answers=5, image_size=32, question_length=6, width=8, filters=(4,))
    assert model.get_layer("fusion").__class__.__name__ == "AddFusion"
    assert tuple(model.get_layer("fusion").output.shape) == (None, 8)


@pytest.mark.parametrize("fusion", ["add", "question_attention"])
def test_strided_downsampling_reaches_the_image_encoder(fusion):
    sizes = dict(vocab_size=20, num_answers=5, image_size=32, question_length=6, fusion=fusion, width=8,
                 filters=(4, 8))
    pooled = build_vqa_model(**sizes)
    strided = build_vqa_model(**sizes, downsampling="strided")
    assert strided.get_layer("image_encoder").get_config()["downsampling"] == "strided"
    # Same weights, same map sizes: only the way each block halves the image differs.
    strided.set_weights(pooled.get_weights())
    assert strided(INPUTS).shape == pooled(INPUTS).shape
    assert not np.allclose(keras.ops.convert_to_numpy(strided(INPUTS)), keras.ops.convert_to_numpy(pooled(INPUTS)))
    with pytest.raises(ValueError, match="downsampling='average'"):
        build_vqa_model(**sizes, downsampling="average")


@pytest.mark.parametrize("fusion", ["add", "question_attention"])
def test_batch_norm_reaches_the_image_encoder_and_uses_batch_statistics_only_in_training(fusion):
    sizes = dict(vocab_size=20, num_answers=5, image_size=32, question_length=6, fusion=fusion, width=8,
                 filters=(4, 8))
    plain, normalized = build_vqa_model(**sizes), build_vqa_model(**sizes, batch_norm=True)
    assert plain.get_layer("image_encoder").get_config()["batch_norm"] is False
    assert normalized.get_layer("image_encoder").get_config()["batch_norm"] is True
    assert len(normalized.non_trainable_weights) == len(plain.non_trainable_weights) + 2 * len(sizes["filters"])

    def in_both_modes(model):
        return [keras.ops.convert_to_numpy(model(INPUTS, training=training)) for training in (False, True)]

    # Training normalizes by the batch's statistics, inference by the moving ones.
    np.testing.assert_allclose(*in_both_modes(plain), rtol=1e-6)
    assert not np.allclose(*in_both_modes(normalized))


def test_unknown_fusion():
    with pytest.raises(ValueError, match="fusion='multiply'"):
        build_vqa_model(vocab_size=20, num_answers=5, fusion="multiply")


@pytest.mark.parametrize("fusion", ["add", "question_attention"])
def test_questions_per_image_answers_like_the_one_question_model(fusion, tmp_path):
    kwargs = dict(vocab_size=20, num_answers=5, image_size=32, question_length=6, fusion=fusion,
                  width=8, hidden_units=8, filters=(4, 8), embedding_dim=4)
    grouped = build_vqa_model(**kwargs, questions_per_image=2)
    single = build_vqa_model(**kwargs)
    for layer in single.layers:
        layer.set_weights(grouped.get_layer(layer.name).get_weights())
    # Two images, each with two of the four questions.
    grouped_inputs = {"image": INPUTS["image"][:2], "question": INPUTS["question"].reshape(2, 2, 6)}
    single_inputs = {"image": np.repeat(INPUTS["image"][:2], 2, axis=0), "question": INPUTS["question"]}
    grouped_answers = keras.ops.convert_to_numpy(grouped(grouped_inputs))
    assert grouped_answers.shape == (2, 2, 5) and tuple(grouped.output.shape) == (None, 2, 5)
    np.testing.assert_allclose(grouped_answers.reshape(4, 5), keras.ops.convert_to_numpy(single(single_inputs)),
                               rtol=1e-5, atol=1e-6)
    grouped.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert np.isfinite(grouped.train_on_batch(grouped_inputs, np.arange(4).reshape(2, 2)))
    check_saved_model_round_trip(grouped, grouped_inputs, tmp_path)


@pytest.mark.parametrize("value", [0, 2.5, True])
def test_bad_questions_per_image(value):
    with pytest.raises(ValueError, match=f"questions_per_image={value!r}"):
        build_vqa_model(vocab_size=20, num_answers=5, questions_per_image=value)
