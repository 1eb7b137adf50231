import numpy as np
import pytest

from mmkeras.datasets import CATEGORIES
from mmkeras.datasets import DEPARTMENTS
from mmkeras.datasets import FORMS
from mmkeras.datasets import make_shop
from mmkeras.datasets import make_shop_dataset
from mmkeras.preprocessing import WordTokenizer

SHOP = make_shop(300, seed=3)


def test_same_seed_same_bytes_and_shapes():
    again = make_shop(300, seed=3)
    assert SHOP.images.tobytes() == again.images.tobytes()
    assert SHOP.texts == again.texts and SHOP.reviews == again.reviews
    assert SHOP.images.shape == (300, 32, 32, 3) and SHOP.images.dtype == np.uint8
    assert make_shop(5, seed=4).texts != make_shop(5, seed=3).texts


def test_category_needs_the_photo_and_the_text():
    for obj, text, department, category in zip(
        SHOP.objects, SHOP.texts, SHOP.departments, SHOP.categories
    ):
        assert CATEGORIES[category] == f"{FORMS[obj.shape]} {DEPARTMENTS[department]}"
        lowered = text.lower()
        # No text names a shape; the form word appears in some titles only.
        assert not any(shape in lowered for shape in ("circle", "triangle "))
    titles_with_form = np.mean([any(f in t.lower().split() for f in FORMS.values()) for t in SHOP.titles])
    assert 0.35 < titles_with_form < 0.65
    # Every category occurs (uniform draws over 9 categories).
    assert np.bincount(SHOP.categories, minlength=9).min() > 15


def test_reviews_carry_the_rating_and_indexing_keeps_fields_aligned():
    assert set(SHOP.ratings.tolist()) <= {1, 2, 3, 4, 5}
    subset = SHOP[np.array([5, 2])]
    assert subset.texts == [SHOP.texts[5], SHOP.texts[2]]
    assert subset.categories.tolist() == [SHOP.categories[5], SHOP.categories[2]]
    assert len(SHOP[:10]) == 10
    with pytest.raises(TypeError, match="integer indices"):
        SHOP[np.array([0.5])]


def test_dataset_elements():
    tokenizer = WordTokenizer.from_corpus(SHOP.texts)
    dataset = make_shop_dataset(SHOP, tokenizer, batch_size=8, shuffle=False)
    inputs, categories = next(iter(dataset))
    assert inputs["image"].shape == (8, 32, 32, 3) and inputs["image"].dtype.name == "float32"
    assert float(inputs["image"].numpy().max()) <= 1.0
    assert inputs["text"].shape == (8, 24)
    np.testing.assert_array_equal(categories.numpy(), SHOP.categories[:8])
    words = tokenizer.detokenize(inputs["text"][:1]).numpy()[0].decode()
    assert words == SHOP.texts[0].lower().replace(".", "").replace(",", "")


def test_errors():
    with pytest.raises(ValueError, match="non-negative int. Received: n=-1"):
        make_shop(-1)
    with pytest.raises(ValueError, match="image_size=8"):
        make_shop(2, image_size=8)
    with pytest.raises(TypeError, match="Shop object returned by make_shop"):
        make_shop_dataset([1, 2], None)
    with pytest.raises(ValueError, match="empty"):
        make_shop_dataset(make_shop(0), None)
