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

from mmkeras.datasets import chinese

from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import SceneObject
from mmkeras.datasets.scenes import _render
from mmkeras.datasets.scenes import as_index_array
from mmkeras.datasets.scenes import check_language

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


# The shop in Chinese: every table has the English one's length and order,
# so the same seed draws the same product, worded in either language.
FORMS_ZH = {"circle": "圆形", "square": "方形", "triangle": "三角形"}
DEPARTMENTS_ZH = ("厨具", "园艺装饰", "玩具")
CATEGORIES_ZH = tuple(f"{FORMS_ZH[shape]}{department}" for department in DEPARTMENTS_ZH for shape in SHAPES)
_NOUNS_ZH = {
    "kitchenware": ("餐盘", "砧板", "杯垫", "隔热垫"),
    "garden decor": ("花盆", "踏脚石", "花园摆件", "鸟浴盆"),
    "toys": ("积木", "拼图块", "游戏板", "叠叠乐"),
}
_SHARED_NOUNS_ZH = ("礼品", "摆件", "单品", "配件")
_USES_ZH = {
    "kitchenware": ("可用洗碗机清洗，食品级安全", "适合盛放晚餐", "厨房里的好帮手", "防止热锅烫坏桌面"),
    "garden decor": ("防风雨，耐霜冻", "让露台更明亮", "一年四季都可放在户外", "放在花丛中很好看"),
    "toys": ("适合幼儿玩耍", "游戏时间乐趣无穷", "送给孩子的好礼物", "让孩子在玩耍中学习"),
}
_MATERIALS_ZH = ("坚固的塑料制成", "上釉陶瓷制成", "彩绘木材制成", "回收材料制成")
_ADJECTIVES_ZH = ("经典", "现代", "手工", "鲜艳", "简约", "可爱")
_SIZE_WORDS_ZH = {"small": ("小巧", "小号", "迷你"), "large": ("大号", "宽大", "大尺寸")}
_REVIEWS_ZH = {
    5: ("质量非常好，我很喜欢！", "太棒了，强烈推荐。", "完美，漂亮又做工精细。"),
    4: ("性价比很高，很满意。", "结实好用，买得值。", "挺好的，用着不错。"),
    3: ("还行，没什么特别的。", "质量一般，对得起价格。", "还可以，但很普通。"),
    2: ("令人失望，做工很差。", "不太好，感觉很廉价。", "质量差，相当糟糕。"),
    1: ("太糟了，第一天就坏了。", "很差的产品，完全浪费钱。", "非常差，最差的一次购物。"),
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
        categories: int array `(n,)`, index into `CATEGORIES` (or
            `CATEGORIES_ZH`, in the same order).
        seed: the seed the products were generated from.
        language: `"en"` or `"zh"`, the language of the texts.

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
    language: str = "en"

    def __len__(self):
        return len(self.images)

    @property
    def texts(self):
        """Title and description joined: the product text a model reads."""
        separator = "。" if self.language == "zh" else ". "
        return [f"{t}{separator}{d}" for t, d in zip(self.titles, self.descriptions)]

    @property
    def category_names(self):
        names = CATEGORIES_ZH if self.language == "zh" else CATEGORIES
        return [names[c] for c in self.categories]

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
            language=self.language,
        )


def make_shop(n, seed=0, image_size=32, noise=6.0, language="en"):
    """Generate `n` products of the shop.

    Categories are balanced in expectation (uniform form and department).
    Titles name the department in about two products out of three (the
    rest use a generic noun such as "gift"); descriptions always name it,
    among phrases shared by every department (material, size, colour).
    With `language="zh"` the same products are described in Chinese.

    Args:
        n: number of products, a non-negative int.
        seed: int seed; the same seed gives the same bytes.
        image_size: height and width of the photos, at least 16.
        noise: standard deviation of the Gaussian pixel noise (0-255 scale).
        language: `"en"` (English) or `"zh"` (Chinese).

    Returns:
        A `Shop`.

    Example:

    >>> shop = make_shop(3, seed=1)
    >>> shop.images.shape, len(shop.titles)
    ((3, 32, 32, 3), 3)
    >>> shop.titles[0], make_shop(3, seed=1, language="zh").titles[0]
    ('Modern square orange bird bath', '现代方形橙色鸟浴盆')
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` must be a non-negative int. Received: n={n!r}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 16:
        raise ValueError(f"`image_size` must be an int >= 16. Received: image_size={image_size!r}")
    zh = check_language(language) == "zh"
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
        nouns, shared_nouns = (_NOUNS_ZH, _SHARED_NOUNS_ZH) if zh else (_NOUNS, _SHARED_NOUNS)
        noun = pick(nouns[department]) if rng.random() < 2 / 3 else pick(shared_nouns)
        # Half of the sellers state the form in the title: text alone then
        # pins the category for those products only.
        states_form = rng.random() < 0.5
        adjective = pick(_ADJECTIVES_ZH if zh else _ADJECTIVES)
        size_word = pick((_SIZE_WORDS_ZH if zh else _SIZE_WORDS)[size])
        described = pick(nouns[department])
        use = pick((_USES_ZH if zh else _USES)[department])
        material = pick(_MATERIALS_ZH if zh else _MATERIALS)
        if zh:
            titles.append(f"{adjective}{FORMS_ZH[obj.shape] if states_form else ''}{chinese.COLOR_WORDS[color]}{noun}")
            clauses = [f"一个{size_word}的{chinese.COLOR_WORDS[color]}{described}", use, "由" + material]
        else:
            form = f"{FORMS[obj.shape]} " if states_form else ""
            titles.append(f"{adjective.capitalize()} {form}{color} {noun}")
            clauses = [f"a {size_word} {color} {described}", use, material]
        order = rng.permutation(3)
        if zh:
            descriptions.append("，".join(clauses[j] for j in order) + "。")
        else:
            descriptions.append(", ".join(clauses[j] for j in order).capitalize())
        rating = int(rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.1, 0.2, 0.3, 0.3]))
        reviews.append(pick((_REVIEWS_ZH if zh else _REVIEWS)[rating]))
        objects.append(obj)
        ratings[i] = rating
        departments[i] = department_index
        categories[i] = department_index * len(SHAPES) + shape_index
    return Shop(images, objects, titles, descriptions, reviews, ratings, departments, categories, seed, language)
