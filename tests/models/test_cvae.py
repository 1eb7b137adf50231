import keras
import numpy as np
import pytest

from mmkeras.datasets import COLORS
from mmkeras.datasets import SHAPES
from mmkeras.datasets import make_object_images
from mmkeras.models import build_attribute_classifier
from mmkeras.models import build_cvae
from mmkeras.models import generate_images
from mmkeras.preprocessing import WordTokenizer


def small_cvae(vocab_size=12, **kwargs):
    return build_cvae(vocab_size, image_size=16, text_length=3, latent_dim=4, filters=(8, 16), embedding_dim=8,
                      text_units=16, hidden_units=32, **kwargs)


def test_shapes_kl_loss_generation_and_round_trip(tmp_path):
    model = small_cvae()
    images = np.random.default_rng(0).random((4, 16, 16, 3)).astype("float32")
    text = np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3], [7, 8, 9]], "int32")
    out = keras.ops.convert_to_numpy(model({"image": images, "text": text}))
    assert out.shape == (4, 16, 16, 3) and 0 <= out.min() and out.max() <= 1
    assert len(model.losses) == 1 and float(keras.ops.convert_to_numpy(model.losses[0])) > 0  # the KL term
    drawn = generate_images(model, text, seed=3)
    np.testing.assert_array_equal(drawn, generate_images(model, text, seed=3))
    still = generate_images(model, text, seed=3, temperature=0.0)
    np.testing.assert_allclose(still[0], still[2], atol=1e-6)  # same text, z = 0: same image
    model.save(tmp_path / "cvae.keras")
    reloaded = keras.saving.load_model(tmp_path / "cvae.keras", safe_mode=True)
    np.testing.assert_allclose(generate_images(reloaded, text, seed=3), drawn, atol=1e-5)


def nearest_color(image):
    """The world colour closest to the pixels that differ most from the background."""
    flat = image.reshape(-1, 3) * 255
    background = np.median(flat, axis=0)
    vivid = flat[np.argsort(np.abs(flat - background).sum(1))[-20:]].mean(0)
    names = list(COLORS)
    return names[int(np.argmin([np.abs(vivid - np.array(COLORS[n])).sum() for n in names]))]


def test_cvae_draws_the_colour_it_is_asked_for():
    keras.utils.set_random_seed(0)
    portraits = make_object_images(1200, seed=0, image_size=16)
    tokenizer = WordTokenizer.from_corpus(portraits.descriptions)
    text = tokenizer(portraits.descriptions, sequence_length=3, add_start_end=False).numpy()
    images = portraits.images.astype("float32") / 255.0
    model = small_cvae(tokenizer.vocabulary_size)
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    model.fit({"image": images, "text": text}, images, batch_size=32, epochs=12, verbose=0)
    asked = [f"large {color} square" for color in COLORS for _ in range(4)]
    drawn = generate_images(model, tokenizer(asked, sequence_length=3, add_start_end=False).numpy(), seed=1,
                            temperature=0.5)
    named = [nearest_color(image) for image in drawn]
    right = np.mean([n == a.split()[1] for n, a in zip(named, asked)])
    assert right >= 0.8, list(zip(asked, named))


def test_attribute_classifier_outputs():
    classifier = build_attribute_classifier({"color": len(COLORS), "shape": len(SHAPES)}, image_size=16, filters=(4, 8))
    out = classifier(np.zeros((2, 16, 16, 3), "float32"))
    assert set(out) == {"color", "shape"}
    assert out["color"].shape == (2, len(COLORS)) and out["shape"].shape == (2, len(SHAPES))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"image_size": 18}, "multiple of 4.*image_size=18"), ({"latent_dim": 0}, "latent_dim=0"),
     ({"filters": ()}, "filters")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_cvae(12, **kwargs)


def test_generate_images_names_bad_input():
    model = small_cvae()
    with pytest.raises(ValueError, match=r"shape \(batch, 3\).*Received shape \(2, 5\)"):
        generate_images(model, np.ones((2, 5), "int32"))
    with pytest.raises(ValueError, match="temperature=-1"):
        generate_images(model, np.ones((2, 3), "int32"), temperature=-1)
    with pytest.raises(ValueError, match="Expected a model from build_cvae"):
        generate_images(build_attribute_classifier({"color": 6}, 16, (4,)), np.ones((2, 3), "int32"))
