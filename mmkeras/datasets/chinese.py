"""The world in Chinese: its words, and a grammar for captions and questions.

The scene generator draws a scene and its questions once and then words
them in English or in Chinese, so the same seed gives the same images, the
same objects and the same questions in both languages, caption k of one
language translating caption k of the other. The Chinese is written as a
speaker would write it, not word by word from the English:

- modifiers come before the noun, colour with 的 and size fused to the
  shape: 红色的大圆形 ("large red circle");
- a counted noun takes the measure word 个: 一个, 两个物体 (two objects);
  "2" before a measure word is 两, not 二;
- place is 在 + landmark + 的 + side: 圆形在正方形的左边 ("the circle is
  left of the square");
- yes/no questions end in 吗, asked with 有 (there is) and answered 有 or
  没有; "which side" is 哪一边.

Punctuation is full-width (，、：？), and the tokenizers drop it.
"""

COLOR_WORDS = {
    "red": "红色",
    "green": "绿色",
    "blue": "蓝色",
    "yellow": "黄色",
    "purple": "紫色",
    "orange": "橙色",
}
SHAPE_WORDS = {"circle": "圆形", "square": "正方形", "triangle": "三角形"}
SIZE_WORDS = {"small": "小", "large": "大"}
COUNT_WORDS = ("零个", "一个", "两个", "三个")
RELATION_WORDS = {"left": "左边", "right": "右边", "above": "上方", "below": "下方"}
YES_NO_WORDS = {"yes": "有", "no": "没有"}
# A second way to say each side, as the English has "left of" beside "to the left of".
_RELATION_VARIANTS = {"left": "左侧", "right": "右侧", "above": "上面", "below": "下面"}
_CORNERS = {
    ("top", "left"): "左上角",
    ("top", "right"): "右上角",
    ("bottom", "left"): "左下角",
    ("bottom", "right"): "右下角",
}


def answer_word(answer):
    """The Chinese for one of the world's English answers.

    Example:

    >>> [answer_word(a) for a in ("red", "triangle", "two", "yes", "left")]
    ['红色', '三角形', '两个', '有', '左边']
    """
    for table in (COLOR_WORDS, SHAPE_WORDS, YES_NO_WORDS, RELATION_WORDS):
        if answer in table:
            return table[answer]
    english_counts = ("zero", "one", "two", "three")
    if answer in english_counts:
        return COUNT_WORDS[english_counts.index(answer)]
    raise ValueError(f"{answer!r} is not an answer of the world (a colour, shape, count, yes/no or side).")


def noun_phrase(size=None, color=None, shape=None, counted=False):
    """An object named by any of its size, colour and shape.

    Example:

    >>> noun_phrase("large", "red", "circle", counted=True), noun_phrase(color="red"), noun_phrase("small", "blue")
    ('一个红色的大圆形', '红色的物体', '蓝色的小物体')
    """
    noun = (SIZE_WORDS[size] if size else "") + (SHAPE_WORDS[shape] if shape else "物体")
    phrase = f"{COLOR_WORDS[color]}的{noun}" if color else noun
    return ("一个" if counted else "") + phrase


def join(phrases):
    """A list in Chinese: 甲、乙和丙.

    Example:

    >>> join(["红色的圆形", "蓝色的正方形", "黄色的三角形"])
    '红色的圆形、蓝色的正方形和黄色的三角形'
    """
    if len(phrases) == 1:
        return phrases[0]
    return "、".join(phrases[:-1]) + "和" + phrases[-1]


def captions(objects, corner=None, relation=None, phrasing=0):
    """The Chinese captions of a scene, in the order of the English ones.

    Args:
        objects: the scene's objects, a list of `SceneObject`.
        corner: `(vertical, horizontal)`, e.g. `("top", "left")`, where a
            lone object is; used when there is one object.
        relation: the side of `objects[0]` relative to `objects[1]`; used
            when there are several.
        phrasing: 0 or 1, which of two wordings the relation caption uses.

    Returns:
        A list of caption strings.

    Example:

    >>> from mmkeras.datasets import SceneObject
    >>> circle = SceneObject("circle", "red", "large", x=10.0, y=30.0, radius=6.0)
    >>> square = SceneObject("square", "blue", "small", x=50.0, y=30.0, radius=4.0)
    >>> captions([circle, square], relation="left")[2:5]
    ['两个物体：红色的圆形和蓝色的正方形', '画面上是一个红色的大圆形和一个蓝色的小正方形', '一个红色的大圆形在一个蓝色的小正方形的左边']
    """
    listed = [noun_phrase(o.size, o.color, o.shape, counted=True) for o in objects]
    short = [noun_phrase(color=o.color, shape=o.shape) for o in objects]
    result = [
        join(listed),
        "图中有" + join(listed),
        f"{COUNT_WORDS[len(objects)]}物体：{join(short)}",
        "画面上是" + join(listed),
    ]
    if len(objects) >= 2:
        first, second = listed[0], listed[1]
        side = RELATION_WORDS[relation] if phrasing == 0 else _RELATION_VARIANTS[relation]
        result.append(f"{first}在{second}的{side}" if phrasing == 0 else f"{first}在{second}{side}")
        inverse = {"left": "right", "right": "left", "above": "below", "below": "above"}[relation]
        result.append(f"{second}在{first}的{RELATION_WORDS[inverse]}")
    else:
        result.append(f"{_CORNERS[corner]}附近只有{listed[0]}")
    return result


def question(spec):
    """One question of the world in Chinese, from its language-free plan.

    `spec` is a dict from the scene generator: `"type"`, the objects it
    names as `(size, color, shape)` triples (any part may be None), and
    for counts what is counted.

    Example:

    >>> question({"type": "color", "name": ("large", None, "circle")})
    '大圆形是什么颜色？'
    >>> question({"type": "count", "of": ("color", "red")})
    '图中有几个红色的物体？'
    """
    kind = spec["type"]
    if kind == "color":
        return f"{noun_phrase(*spec['name'])}是什么颜色？"
    if kind == "shape":
        return f"{noun_phrase(*spec['name'])}是什么形状？"
    if kind == "count":
        what, value = spec["of"]
        counted = {"objects": "物体", "shape": SHAPE_WORDS.get(value), "color": f"{COLOR_WORDS.get(value)}的物体"}[what]
        return f"图中有几个{counted}？"
    if kind == "exists":
        return f"图中有{noun_phrase(color=spec['color'], shape=spec['shape'])}吗？"
    if "axis" in spec:
        sides = "左边还是右边" if spec["axis"] == "horizontal" else "上方还是下方"
        return f"{noun_phrase(*spec['name'])}在中心的{sides}？"
    return f"{noun_phrase(*spec['a'])}在{noun_phrase(*spec['b'])}的哪一边？"


_DIGITS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
_ENGLISH_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_PLURAL_SHAPES = {shape + "s": shape for shape in SHAPE_WORDS}


def phrase(english):
    """The Chinese of one of the world's short spoken phrases (`data/speech/`).

    The phrases are a digit ("seven"), a count of a shape ("two circles")
    or an object named by an optional size and colour and its shape
    ("small red circle"). A digit said alone is read as a digit (二), but
    before a measure word two is 两 (两个圆形).

    Raises:
        ValueError: a phrase outside that grammar, named.

    Example:

    >>> [phrase(p) for p in ("seven", "two", "two circles", "small red circle", "blue square")]
    ['七', '二', '两个圆形', '红色的小圆形', '蓝色的正方形']
    """
    words = english.split() if isinstance(english, str) else None
    if words and len(words) == 1 and words[0] in _ENGLISH_DIGITS:
        return _DIGITS[_ENGLISH_DIGITS.index(words[0])]
    if words and len(words) == 2 and words[0] in _ENGLISH_DIGITS[1:4]:
        shape = _PLURAL_SHAPES.get(words[1], words[1] if words[0] == "one" else None)
        if shape in SHAPE_WORDS:
            return COUNT_WORDS[_ENGLISH_DIGITS.index(words[0])] + SHAPE_WORDS[shape]
    if words and 2 <= len(words) <= 3 and words[-1] in SHAPE_WORDS and words[-2] in COLOR_WORDS:
        if len(words) == 2 or words[0] in SIZE_WORDS:
            return noun_phrase(words[0] if len(words) == 3 else None, words[-2], words[-1])
    raise ValueError(
        f"{english!r} is not one of the world's spoken phrases: a digit ('seven'), a count and a shape "
        "('two circles') or [size] colour shape ('small red circle')."
    )
