import numpy as np
import pytest

from mmkeras.datasets import ACTIONS
from mmkeras.datasets import COLORS
from mmkeras.datasets import make_clips


def object_masks(clip, color):
    """Per frame, the pixels close to the object's colour."""
    distance = np.abs(clip.astype(np.float32) - np.asarray(COLORS[color], np.float32)).sum(-1)
    return distance < 60


def test_shapes_labels_and_determinism():
    clips = make_clips(20, seed=3, frames=10, image_size=24)
    assert clips.videos.shape == (20, 10, 24, 24, 3) and clips.videos.dtype == np.uint8
    assert len(clips) == 20 and set(clips.actions) <= set(ACTIONS)
    np.testing.assert_array_equal(clips.action_ids, [ACTIONS.index(a) for a in clips.actions])
    assert all(c.startswith(f"{'an' if color == 'orange' else 'a'} {color} {shape} ")
               for c, color, shape in zip(clips.captions, clips.colors, clips.shapes))
    assert "orange" in clips.colors
    again = make_clips(20, seed=3, frames=10, image_size=24)
    np.testing.assert_array_equal(again.videos, clips.videos)
    assert not np.array_equal(make_clips(20, seed=4, frames=10, image_size=24).videos, clips.videos)


def test_every_action_does_what_its_name_says():
    clips = make_clips(120, seed=0, frames=8, image_size=32, noise=0.0)
    assert set(clips.actions) == set(ACTIONS)
    assert all(s != "circle" for s, a in zip(clips.shapes, clips.actions) if a == "rotate")
    for video, action, color in zip(clips.videos, clips.actions, clips.colors):
        masks = object_masks(video, color)
        area = masks.sum((1, 2))
        ys, xs = np.indices(masks.shape[1:])
        cx = (masks * xs).sum((1, 2)) / area
        cy = (masks * ys).sum((1, 2)) / area
        moved_x, moved_y, grown = cx[-1] - cx[0], cy[-1] - cy[0], area[-1] / area[0]
        expected = {
            "move_left": moved_x < -8, "move_right": moved_x > 8, "move_up": moved_y < -8, "move_down": moved_y > 8,
            "grow": grown > 2.0, "shrink": grown < 0.5,
            "rotate": abs(moved_x) < 1 and abs(moved_y) < 1 and 0.8 < grown < 1.25
            and (masks[0] != masks[-1]).sum() > 4,
        }[action]
        assert expected, (action, moved_x, moved_y, grown)


def test_bad_arguments():
    with pytest.raises(ValueError, match="frames=1"):
        make_clips(2, frames=1)
    with pytest.raises(ValueError, match="image_size=8"):
        make_clips(2, image_size=8)
    with pytest.raises(ValueError, match="n=-1"):
        make_clips(-1)
