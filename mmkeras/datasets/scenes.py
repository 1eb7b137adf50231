"""The bundled world: small RGB scenes of simple objects, with captions,
question/answer pairs and structured labels, generated from a seed.

The generator is pure NumPy and deterministic: the same arguments give the
same bytes on every machine. Shapes are drawn with an analytic coverage
mask (a signed distance clipped to one pixel), so edges are anti-aliased.
"""

import dataclasses

import numpy as np

from mmkeras.datasets import chinese

COLORS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (50, 90, 230),
    "yellow": (235, 210, 40),
    "purple": (150, 60, 190),
    "orange": (245, 130, 30),
}
SHAPES = ("circle", "square", "triangle")
SIZES = {"small": 0.11, "large": 0.19}
COUNT_WORDS = ("zero", "one", "two", "three")
RELATIONS = ("left", "right", "above", "below")
QUESTION_TYPES = ("color", "shape", "count", "exists", "position")

# Every answer any question can have, in a fixed order: the class index of
# an answer is its position here, so models trained on different seeds
# share one output layer layout.
ANSWERS = (
    tuple(COLORS)
    + SHAPES
    + COUNT_WORDS
    + ("yes", "no")
    + RELATIONS
)
LANGUAGES = ("en", "zh")
# The same answers in Chinese, in the same order: a class index means the
# same answer in both languages.
ANSWERS_ZH = tuple(chinese.answer_word(answer) for answer in ANSWERS)


def answers(language="en"):
    """Every answer of the world in `language`, in class-index order.

    Example:

    >>> answers("zh")[:3], answers("en")[:3]
    (('红色', '绿色', '蓝色'), ('red', 'green', 'blue'))
    """
    return ANSWERS_ZH if check_language(language) == "zh" else ANSWERS


def check_language(language):
    """`language` if the world speaks it, else a clear error."""
    if language not in LANGUAGES:
        raise ValueError(
            f"The world is written in English ('en') and Chinese ('zh'). Received: language={language!r}"
        )
    return language

_PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles"}
_RELATION_PHRASES = {
    "left": ("to the left of", "left of"),
    "right": ("to the right of", "right of"),
    "above": ("above", "over"),
    "below": ("below", "under"),
}


@dataclasses.dataclass(frozen=True)
class SceneObject:
    """One object of a scene: what it is and where it is.

    `x` and `y` are the centre in pixels (y grows downwards, as in the
    image array); `radius` is half the object's extent in pixels.

    Example:

    >>> scene = make_scenes(1, seed=0, image_size=64).objects[0]
    >>> first = scene[0]
    >>> first.shape in SHAPES, first.color in COLORS, 0 <= first.x < 64
    (True, True, True)
    """

    shape: str
    color: str
    size: str
    x: float
    y: float
    radius: float

    def phrase(self, with_size=True):
        words = [self.size] if with_size else []
        return " ".join(words + [self.color, self.shape])

    def covered_patches(self, image_size, grid):
        """Which cells of a `grid x grid` split of the image the object's bounding square touches.

        Returns:
            bool array `(grid, grid)`, row-major like `PatchEmbedding`'s
            patches; a cell counts when it overlaps the square
            `[x - radius, x + radius] x [y - radius, y + radius]`.

        Example:

        >>> int(SceneObject("circle", "red", "small", x=4.0, y=4.0, radius=3.0).covered_patches(32, 4).sum())
        1
        """
        edges = np.arange(grid + 1) * image_size / grid
        rows = (edges[1:] > self.y - self.radius) & (edges[:-1] < self.y + self.radius)
        columns = (edges[1:] > self.x - self.radius) & (edges[:-1] < self.x + self.radius)
        return rows[:, None] & columns[None, :]


@dataclasses.dataclass
class Scenes:
    """A batch of generated scenes.

    Attributes:
        images: uint8 array of shape `(n, image_size, image_size, 3)`.
        objects: list of n lists of `SceneObject`, the structured labels.
        captions: list of n lists of caption strings (several phrasings).
        questions: list of n lists of dicts with keys `"question"`,
            `"answer"` and `"type"` (one of `QUESTION_TYPES`).
        seed: the seed the scenes were generated from.
        language: `"en"` or `"zh"`, the language of the captions,
            questions and answers.

    Example:

    >>> scenes = make_scenes(3, seed=0, image_size=64)
    >>> scenes.images.shape, len(scenes.captions), sorted(scenes.questions[0][0])
    ((3, 64, 64, 3), 3, ['answer', 'question', 'type'])
    """

    images: np.ndarray
    objects: list
    captions: list
    questions: list
    seed: int
    language: str = "en"

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        """Scenes `index` (a slice or an array of indices) as a new `Scenes`."""
        index = as_index_array(index, len(self), "Scenes")
        return Scenes(
            images=self.images[index],
            objects=[self.objects[i] for i in index],
            captions=[self.captions[i] for i in index],
            questions=[self.questions[i] for i in index],
            seed=self.seed,
            language=self.language,
        )

    def qa_table(self):
        """All question/answer pairs as flat arrays.

        Returns:
            A dict of NumPy arrays of equal length: `"scene"` (int index of
            the scene the question is about), `"question"`, `"answer"`,
            `"type"` (strings) and `"answer_id"` (index into `ANSWERS`, the
            same in every language).
        """
        rows = [
            (i, qa["question"], qa["answer"], qa["type"])
            for i, scene_questions in enumerate(self.questions)
            for qa in scene_questions
        ]
        scene, question, answer, qtype = zip(*rows) if rows else ((),) * 4
        return {
            "scene": np.asarray(scene, dtype=np.int64),
            "question": np.asarray(question, dtype=object),
            "answer": np.asarray(answer, dtype=object),
            "type": np.asarray(qtype, dtype=object),
            "answer_id": np.asarray(
                [answers(self.language).index(a) for a in answer], dtype=np.int64
            ),
        }


def as_index_array(index, length, owner):
    """A slice or 1-D integer array as an index array into `length` items."""
    if isinstance(index, slice):
        index = np.arange(length)[index]
    index = np.asarray(index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise TypeError(
            f"{owner} can be indexed with a slice or a 1-D array of integer "
            f"indices. Received: {index!r}"
        )
    return index


def make_scenes(n, seed=0, image_size=64, max_objects=3, noise=6.0, language="en"):
    """Generate `n` scenes of the bundled world.

    Each scene has 1 to `max_objects` non-overlapping objects, each with a
    shape (circle, square, triangle), a colour (six of them), a size (small
    or large) and a position, on a softly shaded background with mild
    pixel noise. Every scene comes with several captions from a small
    grammar and one question of each type in `QUESTION_TYPES`, in English
    or in Chinese (`mmkeras.datasets.chinese`): the same seed gives the
    same images and objects in both, and caption k, question k and its
    answer in one language translate those of the other.

    Args:
        n: number of scenes, a non-negative int.
        seed: int seed; the same seed gives the same bytes.
        image_size: height and width in pixels, at least 32.
        max_objects: most objects per scene, 1 to 3.
        noise: standard deviation of the Gaussian pixel noise (0-255 scale).
        language: `"en"` (English) or `"zh"` (Chinese).

    Returns:
        A `Scenes` object.

    Example:

    >>> scenes = make_scenes(4, seed=1)
    >>> scenes.images.shape
    (4, 64, 64, 3)
    >>> len(scenes.captions[0]) >= 3
    True
    >>> make_scenes(3, seed=3).captions[2][0], make_scenes(3, seed=3, language="zh").captions[2][0]
    ('a small orange square', '一个橙色的小正方形')
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` must be a non-negative int. Received: n={n!r}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 32:
        raise ValueError(
            "`image_size` must be an int >= 32 (smaller images cannot hold "
            f"three separable objects). Received: image_size={image_size!r}"
        )
    if max_objects not in (1, 2, 3):
        raise ValueError(
            f"`max_objects` must be 1, 2 or 3. Received: max_objects={max_objects!r}"
        )
    check_language(language)
    rng = np.random.default_rng(seed)
    images = np.empty((n, image_size, image_size, 3), dtype=np.uint8)
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    all_objects, all_captions, all_questions = [], [], []
    for i in range(n):
        objects = _sample_objects(rng, image_size, max_objects)
        images[i] = _render(rng, objects, image_size, coords, noise)
        all_objects.append(objects)
        all_captions.append(_captions(rng, objects, image_size / 2, language))
        all_questions.append(_questions(rng, objects, image_size / 2, language))
    return Scenes(images, all_objects, all_captions, all_questions, seed, language)


def matching_pairs(scenes, hard_negative_rate=0.5, seed=0):
    """Image-text matching examples: for every scene, a caption that describes it and one that does not.

    The true caption lists every object ("a large red circle and a small
    blue square", in one of four phrasings). The false one is, with
    probability `hard_negative_rate`, a *hard negative*: the same phrasing
    with one object's colour or shape changed ("a large green circle and
    a small blue square"), which only a model that binds each word to the
    right object can reject; otherwise it is a caption of another scene
    with different contents (an easy negative: most of its words are
    wrong).

    Args:
        scenes: a `Scenes`.
        hard_negative_rate: float in [0, 1], the share of hard negatives.
        seed: int, seed of the choices.

    Returns:
        A dict of NumPy arrays, two rows per scene (true first): `"scene"`
        (int index into `scenes`), `"text"` (object strings), `"match"`
        (float32 1 or 0) and `"hard"` (bool, True for hard negatives).

    Example:

    >>> pairs = matching_pairs(make_scenes(3, seed=1, image_size=32), hard_negative_rate=1.0)
    >>> pairs["scene"].tolist(), pairs["match"].tolist()
    ([0, 0, 1, 1, 2, 2], [1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    >>> true, false = pairs["text"][:2]
    >>> sum(a != b for a, b in zip(true.split(), false.split())) <= 2  # the word, and "a"/"an" before it
    True
    """
    if not isinstance(scenes, Scenes):
        raise TypeError(f"`scenes` must be a Scenes (from make_scenes). Received: {type(scenes).__name__}")
    if not isinstance(hard_negative_rate, (int, float)) or not 0.0 <= hard_negative_rate <= 1.0:
        raise ValueError(f"`hard_negative_rate` must be in [0, 1]. Received: hard_negative_rate={hard_negative_rate!r}")
    if len(scenes) < 2 and hard_negative_rate < 1.0:
        raise ValueError("Easy negatives come from other scenes: pass at least 2 scenes, or hard_negative_rate=1.0.")
    rng = np.random.default_rng(seed)
    contents = [sorted((o.size, o.color, o.shape) for o in objects) for objects in scenes.objects]
    rows = []
    for i, objects in enumerate(scenes.objects):
        # Phrasings 0-3 list every object, so changing any one object makes them false.
        phrasing = int(rng.integers(4))
        rows.append((i, _captions(rng, objects, 0.0)[phrasing], 1.0, False))
        if rng.random() < hard_negative_rate:
            rows.append((i, _captions(rng, _change_one_attribute(rng, objects), 0.0)[phrasing], 0.0, True))
        else:
            other = int(rng.integers(len(scenes)))
            while contents[other] == contents[i]:
                other = int(rng.integers(len(scenes)))
            captions = scenes.captions[other]
            rows.append((i, captions[int(rng.integers(len(captions)))], 0.0, False))
    scene, text, match, hard = zip(*rows) if rows else ((),) * 4
    return {
        "scene": np.asarray(scene, dtype=np.int64),
        "text": np.asarray(text, dtype=object),
        "match": np.asarray(match, dtype=np.float32),
        "hard": np.asarray(hard, dtype=bool),
    }


def _change_one_attribute(rng, objects):
    k = int(rng.integers(len(objects)))
    target = objects[k]
    if rng.random() < 0.5:
        changed = dataclasses.replace(target, color=str(rng.choice([c for c in COLORS if c != target.color])))
    else:
        changed = dataclasses.replace(target, shape=str(rng.choice([s for s in SHAPES if s != target.shape])))
    return objects[:k] + [changed] + objects[k + 1:]


def _sample_objects(rng, image_size, max_objects):
    count = int(rng.integers(1, max_objects + 1))
    objects = []
    attempts = 0
    while len(objects) < count:
        attempts += 1
        if attempts % 100 == 0:
            # The first objects left no room for the next one: start over.
            objects = []
        size = ("small", "large")[int(rng.integers(2))]
        radius = SIZES[size] * image_size
        margin = radius + 1.5
        x, y = rng.uniform(margin, image_size - margin, size=2)
        # Keep objects apart and every pair clearly ordered on one axis, so
        # position questions have one right answer; and never repeat a
        # (size, shape) or (size, colour), so questions can name any object.
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        color = tuple(COLORS)[int(rng.integers(len(COLORS)))]
        if any(
            (o.size, o.shape) == (size, shape)
            or (o.size, o.color) == (size, color)
            or np.hypot(x - o.x, y - o.y) < radius + o.radius + 2.0
            or max(abs(x - o.x), abs(y - o.y)) < 0.2 * image_size
            for o in objects
        ):
            continue
        objects.append(
            SceneObject(
                shape=shape,
                color=color,
                size=size,
                x=float(x),
                y=float(y),
                radius=float(radius),
            )
        )
    return objects


def _render(rng, objects, image_size, coords, noise):
    # A soft vertical gradient gives the background some texture without
    # competing with the objects.
    shade = np.linspace(70.0, 40.0, image_size, dtype=np.float32)
    base = rng.uniform(-10.0, 10.0, size=3).astype(np.float32)
    canvas = np.empty((image_size, image_size, 3), dtype=np.float32)
    canvas[:] = (shade[:, None] + base[None, :])[:, None, :]
    for obj in objects:
        r = obj.radius
        x0, x1 = max(int(obj.x - r - 2), 0), min(int(obj.x + r + 3), image_size)
        y0, y1 = max(int(obj.y - r - 2), 0), min(int(obj.y + r + 3), image_size)
        dx = coords[None, x0:x1] - obj.x
        dy = coords[y0:y1, None] - obj.y
        distance = _signed_distance(obj.shape, dx, dy, r)
        coverage = np.clip(0.5 - distance, 0.0, 1.0)[..., None]
        color = np.asarray(COLORS[obj.color], dtype=np.float32)
        patch = canvas[y0:y1, x0:x1]
        patch += coverage * (color - patch)
    if noise:
        canvas += rng.normal(0.0, noise, size=canvas.shape).astype(np.float32)
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


def _signed_distance(shape, dx, dy, r):
    """Distance in pixels to the shape's edge: negative inside."""
    if shape == "circle":
        return np.sqrt(dx * dx + dy * dy) - r
    if shape == "square":
        side = 0.85 * r
        return np.maximum(np.abs(dx), np.abs(dy)) - side
    # An upward-pointing equilateral triangle centred on its centroid, as
    # the largest of its three edge-line distances; exact along the edges,
    # which is all the one-pixel anti-aliasing needs.
    half = 0.5 * r
    left = -0.8660254 * dx - 0.5 * dy - half
    right = 0.8660254 * dx - 0.5 * dy - half
    bottom = dy - half
    return np.maximum(np.maximum(left, right), bottom)


def _relation(a, b):
    """Where `a` is relative to `b`, on the axis that separates them most."""
    dx, dy = a.x - b.x, a.y - b.y
    if abs(dx) >= abs(dy):
        return "left" if dx < 0 else "right"
    return "above" if dy < 0 else "below"


def _article(phrase):
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def _join(phrases):
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _captions(rng, objects, centre, language="en"):
    # The draw comes first and does not depend on the language, so the same
    # seed gives the same scenes, and parallel captions, in every language.
    phrasing = int(rng.integers(2)) if len(objects) >= 2 else 0
    relation = _relation(objects[0], objects[1]) if len(objects) >= 2 else None
    corner = None
    if len(objects) == 1:
        o = objects[0]
        corner = ("top" if o.y < centre else "bottom", "left" if o.x < centre else "right")
    if language == "zh":
        return chinese.captions(objects, corner=corner, relation=relation, phrasing=phrasing)
    listed = [_article(o.phrase()) for o in objects]
    short = [_article(o.phrase(with_size=False)) for o in objects]
    count = COUNT_WORDS[len(objects)]
    noun = "object" if len(objects) == 1 else "objects"
    captions = [
        _join(listed),
        f"there is {_join(listed)}" if len(objects) == 1 else f"there are {_join(listed)}",
        f"{count} {noun}: {_join(short)}",
        f"a picture of {_join(listed)}",
    ]
    if len(objects) >= 2:
        a, b = objects[0], objects[1]
        phrase = _RELATION_PHRASES[relation][phrasing]
        captions.append(f"{_article(a.phrase())} {phrase} {_article(b.phrase())}")
        inverse = {"left": "right", "right": "left", "above": "below", "below": "above"}
        inverse_phrase = _RELATION_PHRASES[inverse[relation]][0]
        captions.append(
            f"{_article(b.phrase())} is {inverse_phrase} {_article(a.phrase())}"
        )
    else:
        vertical, horizontal = corner
        captions.append(f"a lone {objects[0].phrase()} near the {vertical} {horizontal}")
    return captions


def _question_plans(rng, objects, centre):
    """What each question of a scene asks and its answer, in no language."""
    shapes = [o.shape for o in objects]
    colors = [o.color for o in objects]
    plans = []

    # Objects never share (size, shape) or (size, colour), so "the large
    # circle" and "the small red object" always name exactly one object.
    target = objects[int(rng.integers(len(objects)))]
    size = None if shapes.count(target.shape) == 1 else target.size
    plans.append({"type": "color", "name": (size, None, target.shape), "answer": target.color})

    target = objects[int(rng.integers(len(objects)))]
    size = None if colors.count(target.color) == 1 else target.size
    plans.append({"type": "shape", "name": (size, target.color, None), "answer": target.shape})

    kind = int(rng.integers(3))
    if kind == 0:
        plans.append({"type": "count", "of": ("objects", None), "answer": COUNT_WORDS[len(objects)]})
    elif kind == 1:
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        plans.append({"type": "count", "of": ("shape", shape), "answer": COUNT_WORDS[shapes.count(shape)]})
    else:
        color = tuple(COLORS)[int(rng.integers(len(COLORS)))]
        plans.append({"type": "count", "of": ("color", color), "answer": COUNT_WORDS[colors.count(color)]})

    # Half the existence questions are about an object that is there.
    if rng.random() < 0.5:
        o = objects[int(rng.integers(len(objects)))]
        plans.append({"type": "exists", "color": o.color, "shape": o.shape, "answer": "yes"})
    else:
        present = set(zip(colors, shapes))
        absent = [(c, s) for c in COLORS for s in SHAPES if (c, s) not in present]
        c, s = absent[int(rng.integers(len(absent)))]
        plans.append({"type": "exists", "color": c, "shape": s, "answer": "no"})

    if len(objects) >= 2:
        i, j = rng.choice(len(objects), size=2, replace=False)
        a, b = objects[int(i)], objects[int(j)]
        plans.append(
            {"type": "position", "a": _name_parts(a, objects), "b": _name_parts(b, objects), "answer": _relation(a, b)}
        )
    else:
        o = objects[0]
        if rng.random() < 0.5:
            axis, answer = "horizontal", ("left" if o.x < centre else "right")
        else:
            axis, answer = "vertical", ("above" if o.y < centre else "below")
        plans.append({"type": "position", "axis": axis, "name": (None, o.color, o.shape), "answer": answer})
    return plans


def _english_question(plan):
    kind = plan["type"]
    name = " ".join(part for part in plan.get("name", ()) if part)
    if kind == "color":
        return f"what color is the {name}?"
    if kind == "shape":
        return f"what shape is the {name} object?"
    if kind == "count":
        what, value = plan["of"]
        counted = {"objects": "objects", "shape": _PLURALS.get(value), "color": f"{value} objects"}[what]
        return f"how many {counted} are there?"
    if kind == "exists":
        return f"is there {_article(plan['color'])} {plan['shape']}?"
    if "axis" in plan:
        axis = "left or right of" if plan["axis"] == "horizontal" else "above or below"
        return f"is the {name} {axis} the centre?"
    a, b = (" ".join(part for part in plan[key] if part) for key in ("a", "b"))
    return f"where is the {a} relative to the {b}?"


def _questions(rng, objects, centre, language="en"):
    questions = []
    for plan in _question_plans(rng, objects, centre):
        if language == "zh":
            questions.append(_qa(chinese.question(plan), chinese.answer_word(plan["answer"]), plan["type"]))
        else:
            questions.append(_qa(_english_question(plan), plan["answer"], plan["type"]))
    return questions


def _name_parts(obj, objects):
    """`(size, colour, shape)` naming only `obj`: the size only when needed."""
    same = [o for o in objects if (o.color, o.shape) == (obj.color, obj.shape)]
    return (None if len(same) == 1 else obj.size, obj.color, obj.shape)


def _name(obj, objects):
    """The shortest of "red circle" / "large red circle" naming only `obj`."""
    same = [o for o in objects if (o.color, o.shape) == (obj.color, obj.shape)]
    if len(same) == 1:
        return f"{obj.color} {obj.shape}"
    return f"{obj.size} {obj.color} {obj.shape}"


def _qa(question, answer, qtype):
    return {"question": question, "answer": answer, "type": qtype}
