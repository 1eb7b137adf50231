"""The bundled world dressed as a shop: product photos, texts and categories.

Every product is one object of the world (shape, colour, size) photographed
on the usual shaded background, with a title, a description and a customer
review. Its category is a *form* (round, square, triangular) crossed with a
*department* (kitchenware, garden decor, toys). The form is visible only in
the photo, the department is named only in the text, so neither modality
alone can tell the nine categories apart (each gets at most one in three
right), while the two together can: the task fusion exists for.

The review carries a 1-5 star rating in its wording (positive, mixed or
negative phrases TextBlob scores offline) and has no bearing on the
category.
"""

import dataclasses

import numpy as np

from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import SceneObject
from mmkeras.datasets.scenes import _render
from mmkeras.datasets.scenes import as_index_array

FORMS = {"circle": "round", "square": "square", "triangle": "triangular"}
DEPARTMENTS = ("kitchenware", "garden decor", "toys")
# Category index = department index * len(SHAPES) + shape index.
CATEGORIES = tuple(f"{FORMS[shape]} {department}" for department in DEPARTMENTS for shape in SHAPES)

# Department cues: every text holds at least one, and none names a shape.
_NOUNS = {
    "kitchenware": ("dish", "serving board", "coaster", "trivet"),
    "garden decor": ("planter", "stepping stone", "garden ornament", "bird bath"),
    "toys": ("toy block", "puzzle piece", "play tile", "stacking toy"),
}
_SHARED_NOUNS = ("gift", "piece", "item", "accessory")
_USES = {
    "kitchenware": (
        "dishwasher safe and food safe",
        "perfect for serving dinner",
        "a handy helper in the kitchen",
        "keeps hot pans off the table",
    ),
    "garden decor": (
        "weatherproof and frost resistant",
        "brightens up any patio",
        "made to stay outdoors all year",
        "looks lovely among the flowers",
    ),
    "toys": (
        "safe for toddlers",
        "hours of fun at playtime",
        "a perfect present for children",
        "helps kids learn while they play",
    ),
}
_MATERIALS = (
    "made of sturdy plastic",
    "made of glazed ceramic",
    "made of painted wood",
    "made of recycled material",
)
_ADJECTIVES = ("classic", "modern", "handmade", "bright", "simple", "lovely")
_SIZE_WORDS = {"small": ("compact", "small", "mini"), "large": ("large", "big", "generous")}
_REVIEWS = {
    5: ("Excellent quality, I love it!", "Absolutely wonderful, highly recommended.",
        "Perfect, beautiful and well made."),
    4: ("Very good value, happy with it.", "Nice and sturdy, good purchase.",
        "Pretty good, works well."),
    3: ("It is okay, nothing special.", "Average quality, fine for the price.",
        "Decent but ordinary."),
    2: ("Disappointing, the finish is poor.", "Not great, it feels cheap.",
        "Poor quality, rather bad."),
    1: ("Terrible, it broke on the first day.", "Awful product, a complete waste.",
        "Horrible, the worst purchase ever."),
}


@dataclasses.dataclass
class Shop:
    """A batch of generated products.

    Attributes:
        images: uint8 array `(n, image_size, image_size, 3)`, one product
            photo each.
        objects: list of n `SceneObject`, what each photo shows.
        titles, descriptions, reviews: lists of n strings.
        ratings: int array `(n,)` of stars, 1 to 5, expressed by the review.
        departments: int array `(n,)`, index into `DEPARTMENTS`.
        categories: int array `(n,)`, index into `CATEGORIES`.
        seed: the seed the products were generated from.

    Example:

    >>> shop = make_shop(3, seed=0)
    >>> shop.images.shape[0], CATEGORIES[shop.categories[0]] in CATEGORIES, 1 <= int(shop.ratings[0]) <= 5
    (3, True, True)
    """

    images: np.ndarray
    objects: list
    titles: list
    descriptions: list
    reviews: list
    ratings: np.ndarray
    departments: np.ndarray
    categories: np.ndarray
    seed: int

    def __len__(self):
        return len(self.images)

    @property
    def texts(self):
        """Title and description joined: the product text a model reads."""
        return [f"{t}. {d}" for t, d in zip(self.titles, self.descriptions)]

    @property
    def category_names(self):
        return [CATEGORIES[c] for c in self.categories]

    def __getitem__(self, index):
        """Products `index` (a slice or a 1-D integer array) as a new `Shop`."""
        index = as_index_array(index, len(self), "Shop")
        return Shop(
            images=self.images[index],
            objects=[self.objects[i] for i in index],
            titles=[self.titles[i] for i in index],
            descriptions=[self.descriptions[i] for i in index],
            reviews=[self.reviews[i] for i in index],
            ratings=self.ratings[index],
            departments=self.departments[index],
            categories=self.categories[index],
            seed=self.seed,
        )


def make_shop(n, seed=0, image_size=32, noise=6.0):
    """Generate `n` products of the shop.

    Categories are balanced in expectation (uniform form and department).
    Titles name the department in about two products out of three (the
    rest use a generic noun such as "gift"); descriptions always name it,
    among phrases shared by every department (material, size, colour).

    Args:
        n: number of products, a non-negative int.
        seed: int seed; the same seed gives the same bytes.
        image_size: height and width of the photos, at least 16.
        noise: standard deviation of the Gaussian pixel noise (0-255 scale).

    Returns:
        A `Shop`.

    Example:

    >>> shop = make_shop(3, seed=1)
    >>> shop.images.shape, len(shop.titles)
    ((3, 32, 32, 3), 3)
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` must be a non-negative int. Received: n={n!r}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 16:
        raise ValueError(f"`image_size` must be an int >= 16. Received: image_size={image_size!r}")
    rng = np.random.default_rng(seed)
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    images = np.empty((n, image_size, image_size, 3), dtype=np.uint8)
    objects, titles, descriptions, reviews = [], [], [], []
    ratings = np.empty(n, dtype=np.int64)
    departments = np.empty(n, dtype=np.int64)
    categories = np.empty(n, dtype=np.int64)
    color_names = tuple(COLORS)
    for i in range(n):
        shape_index = int(rng.integers(len(SHAPES)))
        department_index = int(rng.integers(len(DEPARTMENTS)))
        department = DEPARTMENTS[department_index]
        size = ("small", "large")[int(rng.integers(2))]
        color = color_names[int(rng.integers(len(color_names)))]
        # Product photos are centred, with a little jitter; large objects
        # fill about 40% of the frame at any image size.
        radius = SIZES[size] * image_size * 1.6
        x, y = image_size / 2 + rng.uniform(-0.1, 0.1, size=2) * image_size
        obj = SceneObject(SHAPES[shape_index], color, size, float(x), float(y), float(radius))
        images[i] = _render(rng, [obj], image_size, coords, noise)

        pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
        noun = pick(_NOUNS[department]) if rng.random() < 2 / 3 else pick(_SHARED_NOUNS)
        # Half of the sellers state the form in the title: text alone then
        # pins the category for those products only.
        form = f"{FORMS[obj.shape]} " if rng.random() < 0.5 else ""
        titles.append(f"{pick(_ADJECTIVES).capitalize()} {form}{color} {noun}")
        clauses = [
            f"a {pick(_SIZE_WORDS[size])} {color} {pick(_NOUNS[department])}",
            pick(_USES[department]),
            pick(_MATERIALS),
        ]
        order = rng.permutation(3)
        descriptions.append(", ".join(clauses[j] for j in order).capitalize())
        rating = int(rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.1, 0.2, 0.3, 0.3]))
        reviews.append(pick(_REVIEWS[rating]))
        objects.append(obj)
        ratings[i] = rating
        departments[i] = department_index
        categories[i] = department_index * len(SHAPES) + shape_index
    return Shop(images, objects, titles, descriptions, reviews, ratings, departments, categories, seed)
