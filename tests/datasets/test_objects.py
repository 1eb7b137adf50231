import numpy as np
import pytest

from mmkeras.datasets import COLORS
from mmkeras.datasets import SHAPES
from mmkeras.datasets import make_object_images


def test_attributes_descriptions_and_determinism():
    portraits = make_object_images(40, seed=2, image_size=24)
    assert portraits.images.shape == (40, 24, 24, 3) and portraits.images.dtype == np.uint8 and len(portraits) == 40
    np.testing.assert_array_equal(portraits.color_ids, [list(COLORS).index(c) for c in portraits.colors])
    np.testing.assert_array_equal(portraits.shape_ids, [SHAPES.index(s) for s in portraits.shapes])
    assert portraits.descriptions == [f"{z} {c} {s}" for z, c, s in zip(portraits.sizes, portraits.colors, portraits.shapes)]
    np.testing.assert_array_equal(make_object_images(40, seed=2, image_size=24).images, portraits.images)
    assert not np.array_equal(make_object_images(40, seed=3, image_size=24).images, portraits.images)


def test_the_object_is_drawn_in_its_colour_near_the_centre():
    portraits = make_object_images(60, seed=0, image_size=32, jitter=0.125, noise=0.0)
    areas = {}
    for image, color, shape, size in zip(portraits.images, portraits.colors, portraits.shapes, portraits.sizes):
        close = np.abs(image.astype(np.float32) - np.array(COLORS[color], np.float32)).sum(-1) < 30
        rows, columns = np.nonzero(close)
        # The centroid of a triangle sits a little off its centre.
        assert abs(rows.mean() - 16) <= 6 and abs(columns.mean() - 16) <= 6
        areas.setdefault((shape, size), []).append(close.mean())
    for shape in SHAPES:
        assert np.mean(areas[shape, "large"]) > 2 * np.mean(areas[shape, "small"]) > 0.04, areas


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n": -1}, "n=-1"), ({"n": 2, "image_size": 8}, "image_size=8"), ({"n": 2, "jitter": 0.4}, "jitter=0.4")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_object_images(**kwargs)
