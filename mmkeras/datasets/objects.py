"""Object portraits: one object of the world, large and near the centre.

The scenes of `make_scenes` are for recognition and reasoning: several
small objects anywhere. For learning to *draw* from a description that is
a hard first task (most pixels are background, and where an object lands
is pure chance), so the text-to-image chapter uses portraits, as
generative models are usually first taught on centred digits or faces.
"""

import dataclasses

import numpy as np

from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import SceneObject
from mmkeras.datasets.scenes import _render

# Portraits show objects twice as large, relative to the image, as scenes.
_PORTRAIT_SCALE = 2.0


@dataclasses.dataclass
class ObjectImages:
    """Generated object portraits and their attributes.

    Attributes:
        images: uint8 `(n, size, size, 3)`.
        colors, shapes, sizes: n attribute names.
        color_ids, shape_ids: int `(n,)`, indices into `COLORS` and `SHAPES`.
        descriptions: n strings, e.g. "large red circle".
        seed: the seed they were made from.

    Example:

    >>> portraits = make_object_images(3, seed=0)
    >>> portraits.images.dtype.name, portraits.descriptions[0].split()[1] in COLORS
    ('uint8', True)
    """

    images: np.ndarray
    colors: list
    shapes: list
    sizes: list
    color_ids: np.ndarray
    shape_ids: np.ndarray
    descriptions: list
    seed: int

    def __len__(self):
        return len(self.images)


def make_object_images(n, seed=0, image_size=32, jitter=0.125, noise=6.0):
    """Generate `n` portraits of single objects with their descriptions.

    Colour, shape and size are drawn uniformly (36 descriptions); the
    object's centre is moved from the image centre by up to `jitter` times
    the image side on each axis. The background and noise are those of
    `make_scenes`.

    Args:
        n: number of images, a non-negative int.
        seed: int; the same seed gives the same bytes.
        image_size: height and width in pixels, at least 16.
        jitter: largest shift of the centre, as a share of the side, in
            [0, 0.25].
        noise: standard deviation of the Gaussian pixel noise (0-255).

    Returns:
        An `ObjectImages`.

    Example:

    >>> portraits = make_object_images(3, seed=1)
    >>> portraits.images.shape, portraits.descriptions[0]
    ((3, 32, 32, 3), 'large blue square')
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"`n` must be a non-negative int. Received: n={n!r}")
    if not isinstance(image_size, (int, np.integer)) or isinstance(image_size, bool) or image_size < 16:
        raise ValueError(f"`image_size` must be an int >= 16. Received: image_size={image_size!r}")
    if not isinstance(jitter, (int, float)) or not 0 <= jitter <= 0.25:
        raise ValueError(f"`jitter` must be a number in [0, 0.25]. Received: jitter={jitter!r}")
    rng = np.random.default_rng(seed)
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    images = np.empty((n, image_size, image_size, 3), dtype=np.uint8)
    colors, shapes, sizes = [], [], []
    for i in range(n):
        color = tuple(COLORS)[int(rng.integers(len(COLORS)))]
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        size = tuple(SIZES)[int(rng.integers(len(SIZES)))]
        x, y = image_size / 2 + rng.uniform(-jitter, jitter, size=2) * image_size
        obj = SceneObject(shape, color, size, float(x), float(y), SIZES[size] * _PORTRAIT_SCALE * image_size)
        images[i] = _render(rng, [obj], image_size, coords, noise)
        colors.append(color)
        shapes.append(shape)
        sizes.append(size)
    return ObjectImages(
        images=images,
        colors=colors,
        shapes=shapes,
        sizes=sizes,
        color_ids=np.asarray([tuple(COLORS).index(c) for c in colors], dtype=np.int64),
        shape_ids=np.asarray([SHAPES.index(s) for s in shapes], dtype=np.int64),
        descriptions=[f"{z} {c} {s}" for z, c, s in zip(sizes, colors, shapes)],
        seed=seed,
    )
