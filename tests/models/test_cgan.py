import keras
import numpy as np
import pytest

from mmkeras.datasets import make_object_images
from mmkeras.models import build_cgan_discriminator
from mmkeras.models import build_cgan_generator
from mmkeras.models import generate_images
from mmkeras.preprocessing import WordTokenizer
from tests.layers.layer_checks import check_saved_model_round_trip

SMALL_SIZES = {"embedding_dim": 8, "text_units": 16, "hidden_units": 32}


def small_generator(vocab_size=12):
    return build_cgan_generator(vocab_size, image_size=16, latent_dim=4, channels=16, **SMALL_SIZES)


def small_discriminator(vocab_size=12, **kwargs):
    return build_cgan_discriminator(vocab_size, image_size=16, filters=(8, 16), **SMALL_SIZES, **kwargs)


TEXT = np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3], [7, 8, 9]], "int32")


def test_generator_draws_images_and_round_trips(tmp_path):
    generator = small_generator()
    drawn = generate_images(generator, TEXT, seed=3)
    assert drawn.shape == (4, 16, 16, 3) and 0 <= drawn.min() and drawn.max() <= 1
    np.testing.assert_array_equal(drawn, generate_images(generator, TEXT, seed=3))
    assert not np.allclose(drawn, generate_images(generator, TEXT, seed=4))  # the noise matters
    still = generate_images(generator, TEXT, seed=3, temperature=0.0)
    np.testing.assert_allclose(still[0], still[2], atol=1e-6)  # same text, z = 0: same image
    assert not np.allclose(still[0], still[1], atol=1e-4)  # other text, other image
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers)
    latent = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    check_saved_model_round_trip(generator, [latent, TEXT], tmp_path)


def test_discriminator_scores_image_and_description(tmp_path):
    discriminator = small_discriminator()
    images = np.random.default_rng(0).random((4, 16, 16, 3)).astype("float32")
    scores = keras.ops.convert_to_numpy(discriminator({"image": images, "text": TEXT}))
    assert scores.shape == (4, 1) and np.all(np.isfinite(scores))
    same_image = np.repeat(images[:1], 4, axis=0)
    by_text = keras.ops.convert_to_numpy(discriminator({"image": same_image, "text": TEXT}))
    assert np.isclose(by_text[0, 0], by_text[2, 0]) and not np.isclose(by_text[0, 0], by_text[1, 0])
    check_saved_model_round_trip(discriminator, {"image": images, "text": TEXT}, tmp_path)
    # DCGAN's discriminator: the encoder halves its maps with strided convolutions, no pooling layer.
    encoder = discriminator.get_layer("image_encoder")
    assert encoder.downsampling == "strided" and encoder.pool is None
    assert [conv.strides for conv in encoder.convolutions] == [(2, 2), (2, 2)]


def test_discriminator_learns_which_description_matches():
    """The projection term alone must let it tell a portrait's own description from another's."""
    keras.utils.set_random_seed(0)
    train = make_object_images(600, seed=0, image_size=16)
    test = make_object_images(200, seed=1, image_size=16)
    tokenizer = WordTokenizer.from_corpus(train.descriptions)

    def pairs(portraits):
        text = tokenizer(portraits.descriptions, sequence_length=3, add_start_end=False).numpy()
        wrong = np.roll(text, 1, axis=0)
        differs = np.any(wrong != text, axis=1)
        images = portraits.images[differs].astype("float32") / 255.0
        return images, text[differs], wrong[differs]

    images, right, wrong = pairs(train)
    discriminator = small_discriminator(tokenizer.vocabulary_size, dropout=0.0)
    discriminator.compile(keras.optimizers.Adam(3e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    discriminator.fit({"image": np.concatenate([images, images]), "text": np.concatenate([right, wrong])},
                      np.concatenate([np.ones(len(images)), np.zeros(len(images))]),
                      batch_size=32, epochs=8, shuffle=True, verbose=0)
    images, right, wrong = pairs(test)
    right_scores = discriminator.predict({"image": images, "text": right}, verbose=0)
    wrong_scores = discriminator.predict({"image": images, "text": wrong}, verbose=0)
    ranked_right = float(np.mean(right_scores > wrong_scores))
    assert ranked_right >= 0.8, ranked_right  # chance is 0.5


@pytest.mark.parametrize(
    "build, kwargs, match",
    [
        (build_cgan_generator, {"image_size": 18}, "multiple of 4.*image_size=18"),
        (build_cgan_generator, {"latent_dim": 0}, "latent_dim=0"),
        (build_cgan_generator, {"channels": -2}, "channels=-2"),
        (build_cgan_discriminator, {"image_size": 6}, "image_size=6"),
        (build_cgan_discriminator, {"filters": ()}, "filters"),
        (build_cgan_discriminator, {"hidden_units": 1.5}, "hidden_units=1.5"),
        (build_cgan_discriminator, {"downsampling": "avg"}, "downsampling='avg'"),
    ],
)
def test_bad_arguments(build, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(12, **kwargs)
