"""Parallel English and Chinese captions of the world's scenes, some vague without the image."""

import dataclasses
import re

import numpy as np

from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import as_index_array
from mmkeras.datasets.scenes import make_scenes

# The world's English can leave a shape unnamed ("a red shape"); its Chinese never does, as a
# Chinese speaker says 表哥 or 堂妹 where English says "cousin".
VAGUE_WORD = "shape"
_SHAPE_PATTERN = re.compile(r"\b(" + "|".join(SHAPES) + r")\b")


@dataclasses.dataclass
class TranslationPairs:
    """English sentences, their Chinese translations and the scenes they describe.

    Attributes:
        sources: list of n English sentences.
        targets: list of n Chinese sentences.
        images: uint8 `(n, size, size, 3)`, the scene each pair describes.
        vague: bool `(n,)`, True where the English says "shape" for a shape
            the Chinese names: only the image tells which.
        scene_index: int `(n,)`, which generated scene each pair comes from
            (a scene gives several pairs).

    Example:

    >>> pairs = make_translation_pairs(2, seed=3, vague_rate=0.5)
    >>> len(pairs) == len(pairs.sources) == len(pairs.targets) == len(pairs.images), pairs[:2].sources == pairs.sources[:2]
    (True, True)
    """

    sources: list
    targets: list
    images: np.ndarray
    vague: np.ndarray
    scene_index: np.ndarray

    def __len__(self):
        return len(self.sources)

    def __getitem__(self, index):
        """Pairs `index` (a slice or an array of indices) as new `TranslationPairs`."""
        index = as_index_array(index, len(self), "TranslationPairs")
        return TranslationPairs(
            sources=[self.sources[i] for i in index],
            targets=[self.targets[i] for i in index],
            images=self.images[index],
            vague=self.vague[index],
            scene_index=self.scene_index[index],
        )


def make_vague(sentence):
    """An English caption with every shape word replaced by "shape".

    Example:

    >>> make_vague("a large red circle is left of a small blue square")
    'a large red shape is left of a small blue shape'
    """
    return _SHAPE_PATTERN.sub(VAGUE_WORD, sentence)


def make_translation_pairs(
    n, seed=0, image_size=32, captions_per_scene=2, vague_rate=0.0, max_objects=3, max_vague_objects=1
):
    """English-to-Chinese caption pairs over `n` generated scenes.

    The scenes are drawn once and worded in both languages
    (`make_scenes(..., language=)`), so each Chinese caption translates its
    English one. A fraction `vague_rate` of the English sentences say
    "shape" where the scene has a circle, square or triangle; the Chinese
    still names it (圆形, 正方形, 三角形), so these pairs can only be
    translated right by looking at the image: the kind of case that
    image-grounded translation (Multi30k) is about.

    By default only scenes of one object get vague sentences: with two
    unnamed shapes, a translator must also match each colour to its place
    in the image, which a small translator attending over the regions
    alone did not learn in the chapter's budget (shape accuracy 0.32, at
    chance, in a development run; not yet measured with the scene added
    to the words).

    Args:
        n: number of scenes.
        seed: int seed; the same seed gives the same pairs.
        image_size: the images' side.
        captions_per_scene: distinct captions (pairs) drawn from each scene.
        vague_rate: probability that a pair's English leaves its shapes
            unnamed, in [0, 1].
        max_objects: most objects per scene.
        max_vague_objects: only scenes with at most this many objects get
            vague sentences (1 to 3).

    Returns:
        `TranslationPairs`, scene by scene.

    Example:

    >>> pairs = make_translation_pairs(40, seed=0, vague_rate=0.5)
    >>> i = int(np.argmax(pairs.vague))
    >>> "shape" in pairs.sources[i], any(word in pairs.targets[i] for word in ("圆形", "正方形", "三角形"))
    (True, True)
    """
    if isinstance(captions_per_scene, bool) or not isinstance(captions_per_scene, (int, np.integer)) or not (
        1 <= captions_per_scene <= 5
    ):
        raise ValueError(
            f"`captions_per_scene` must be an int from 1 to 5 (every scene has at least 5 captions). "
            f"Received: captions_per_scene={captions_per_scene!r}"
        )
    if isinstance(vague_rate, bool) or not isinstance(vague_rate, (int, float)) or not 0 <= vague_rate <= 1:
        raise ValueError(f"`vague_rate` must be a number in [0, 1]. Received: vague_rate={vague_rate!r}")
    if max_vague_objects not in (1, 2, 3):
        raise ValueError(f"`max_vague_objects` must be 1, 2 or 3. Received: max_vague_objects={max_vague_objects!r}")
    english = make_scenes(n, seed=seed, image_size=image_size, max_objects=max_objects)
    chinese = make_scenes(n, seed=seed, image_size=image_size, max_objects=max_objects, language="zh")
    rng = np.random.default_rng([seed, 25])
    sources, targets, vague, scene_index = [], [], [], []
    for i in range(n):
        for k in rng.choice(len(english.captions[i]), captions_per_scene, replace=False):
            is_vague = bool(rng.random() < vague_rate) and len(english.objects[i]) <= max_vague_objects
            sentence = english.captions[i][k]
            sources.append(make_vague(sentence) if is_vague else sentence)
            targets.append(chinese.captions[i][k])
            vague.append(is_vague)
            scene_index.append(i)
    scene_index = np.asarray(scene_index, dtype=np.int64)
    return TranslationPairs(sources, targets, english.images[scene_index], np.asarray(vague, bool), scene_index)
