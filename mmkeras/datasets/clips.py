"""Short videos of the world: one object that moves, grows, shrinks or rotates."""

import dataclasses

import numpy as np

from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES
from mmkeras.datasets.scenes import _article
from mmkeras.datasets.scenes import _signed_distance

ACTIONS = ("move_left", "move_right", "move_up", "move_down", "grow", "shrink", "rotate")
_ACTION_PHRASES = {
    "move_left": "moves to the left",
    "move_right": "moves to the right",
    "move_up": "moves up",
    "move_down": "moves down",
    "grow": "grows",
    "shrink": "shrinks",
    "rotate": "rotates",
}
# Share of the image an object travels over a clip, and how much a
# growing or shrinking object changes its radius.
_TRAVEL, _SCALE = 0.4, 1.7


@dataclasses.dataclass
class Clips:
    """Generated clips and their labels.

    Attributes:
        videos: uint8 `(n, frames, size, size, 3)`.
        actions: n action names from `ACTIONS`.
        action_ids: int `(n,)`, indices into `ACTIONS`.
        colors, shapes: n strings, the object's colour and shape.
        captions: n strings, e.g. "a red square moves to the left".
        seed: the seed they were made from.

    Example:

    >>> clips = make_clips(4, seed=0)
    >>> clips.videos.dtype.name, len(clips.actions), clips.actions[0] in ACTIONS
    ('uint8', 4, True)
    """

    videos: np.ndarray
    actions: list
    action_ids: np.ndarray
    colors: list
    shapes: list
    captions: list
    seed: int

    def __len__(self):
        return len(self.videos)


def make_clips(n, seed=0, frames=8, image_size=32, noise=6.0):
    """Generate `n` clips, each one object doing one action from `ACTIONS`.

    Moving objects cross 40% of the frame; growing and shrinking ones
    change their radius 1.7 times; rotating ones (squares and triangles
    only, a turning circle looks still) turn by 40 degrees. Actions are
    drawn uniformly, so chance accuracy is 1/7. Each frame has its own
    pixel noise over a fixed background, so a still part of the picture
    still flickers a little, as in real video.

    Args:
        n: number of clips, a non-negative int.
        seed: int; the same seed gives the same bytes.
        frames: frames per clip, 2 to 64.
        image_size: frame height and width in pixels, at least 16.
        noise: standard deviation of the per-frame Gaussian noise (0-255).

    Returns:
        A `Clips` object.

    Example:

    >>> clips = make_clips(4, seed=1)
    >>> clips.videos.shape
    (4, 8, 32, 32, 3)
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` must be a non-negative int. Received: n={n!r}")
    if not isinstance(frames, (int, np.integer)) or not 2 <= frames <= 64:
        raise ValueError(f"`frames` must be an int from 2 to 64. Received: frames={frames!r}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 16:
        raise ValueError(f"`image_size` must be an int of at least 16. Received: image_size={image_size!r}")
    rng = np.random.default_rng(seed)
    videos = np.empty((n, frames, image_size, image_size, 3), dtype=np.uint8)
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    actions, colors, shapes, captions = [], [], [], []
    for i in range(n):
        action = ACTIONS[int(rng.integers(len(ACTIONS)))]
        shape = SHAPES[int(rng.integers(1, 3))] if action == "rotate" else SHAPES[int(rng.integers(3))]
        color = tuple(COLORS)[int(rng.integers(len(COLORS)))]
        path = _path(rng, action, frames, image_size)
        background = _background(rng, image_size)
        for t, (x, y, radius, angle) in enumerate(path):
            frame = background.copy()
            _draw(frame, shape, color, x, y, radius, angle, coords)
            if noise:
                frame += rng.normal(0.0, noise, size=frame.shape).astype(np.float32)
            videos[i, t] = np.clip(frame + 0.5, 0, 255).astype(np.uint8)
        actions.append(action)
        colors.append(color)
        shapes.append(shape)
        captions.append(f"{_article(color)} {shape} {_ACTION_PHRASES[action]}")
    action_ids = np.asarray([ACTIONS.index(a) for a in actions], dtype=np.int64)
    return Clips(videos, actions, action_ids, colors, shapes, captions, seed)


def _path(rng, action, frames, image_size):
    """(x, y, radius, angle) of the object in every frame."""
    progress = np.linspace(0.0, 1.0, frames)
    radius = SIZES["small"] * image_size * rng.uniform(1.0, 1.3)
    if action in ("grow", "shrink"):
        scale = _SCALE ** (progress if action == "grow" else 1.0 - progress)
        radii = radius * scale
    else:
        radii = np.full(frames, radius)
    reach = radii.max() + 1.5
    travel = _TRAVEL * image_size
    x0, y0 = rng.uniform(reach, image_size - reach, size=2)
    dx = {"move_left": -1.0, "move_right": 1.0}.get(action, 0.0)
    dy = {"move_up": -1.0, "move_down": 1.0}.get(action, 0.0)
    if dx:
        x0 = rng.uniform(reach + travel, image_size - reach) if dx < 0 else rng.uniform(reach, image_size - reach - travel)
    if dy:
        y0 = rng.uniform(reach + travel, image_size - reach) if dy < 0 else rng.uniform(reach, image_size - reach - travel)
    xs, ys = x0 + dx * travel * progress, y0 + dy * travel * progress
    angles = np.deg2rad(40.0) * progress if action == "rotate" else np.zeros(frames)
    start_angle = rng.uniform(0.0, np.pi / 6) if action == "rotate" else 0.0
    return list(zip(xs, ys, radii, angles + start_angle))


def _background(rng, image_size):
    shade = np.linspace(70.0, 40.0, image_size, dtype=np.float32)
    base = rng.uniform(-10.0, 10.0, size=3).astype(np.float32)
    background = np.empty((image_size, image_size, 3), dtype=np.float32)
    background[:] = (shade[:, None] + base[None, :])[:, None, :]
    return background


def _draw(frame, shape, color, x, y, radius, angle, coords):
    dx = coords[None, :] - x
    dy = coords[:, None] - y
    cos, sin = np.cos(angle), np.sin(angle)
    distance = _signed_distance(shape, cos * dx + sin * dy, -sin * dx + cos * dy, radius)
    coverage = np.clip(0.5 - distance, 0.0, 1.0)[..., None]
    frame += coverage * (np.asarray(COLORS[color], dtype=np.float32) - frame)
