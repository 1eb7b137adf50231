import numpy as np
import pytest

from mmkeras.models import build_action_recognizer
from mmkeras.preprocessing import ImageConverter
from mmkeras.tasks import ActionRecognizer
from mmkeras.tasks import ActionRecognizerPreprocessor


def test_clips_of_any_length_are_sampled_at_evenly_spaced_frames():
    preprocessor = ActionRecognizerPreprocessor(ImageConverter(8), 4, ["a", "b"])
    # Frame t is filled with the value t, so the chosen times can be read back.
    clips = np.broadcast_to(np.arange(10, dtype=np.uint8)[None, :, None, None, None], (2, 10, 8, 8, 3))
    chosen = preprocessor(clips).numpy()[:, :, 0, 0, 0]
    np.testing.assert_allclose(chosen, [[0, 3, 6, 9]] * 2)
    short = preprocessor(clips[:, :2]).numpy()[0, :, 0, 0, 0]
    np.testing.assert_allclose(short, [0, 0, 1, 1])


def test_actions_come_from_the_data_and_unknown_ones_are_refused(rng):
    task = ActionRecognizer.from_preset("world_action_recognizer", labels=["wave", "jump"], filters=(4,))
    assert task.labels == ["wave", "jump"]
    clips = rng.integers(0, 256, size=(2, 8, 16, 16, 3), dtype=np.uint8)
    assert set(task.classify(clips)) <= {"wave", "jump"}
    with pytest.raises(ValueError, match=r"Unknown labels \['run'\]"):
        task.fit(clips, ["wave", "run"], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="add a batch axis"):
        task.classify(clips[0])


def test_backbone_and_preprocessor_must_agree():
    preprocessor = ActionRecognizerPreprocessor(ImageConverter(16), 8, ["a", "b", "c"])
    with pytest.raises(ValueError, match="takes 4 frames of 16 pixels"):
        ActionRecognizer(build_action_recognizer(3, frames=4, image_size=16, filters=(4,)), preprocessor)
    with pytest.raises(ValueError, match="2 outputs but the preprocessor names 3"):
        ActionRecognizer(build_action_recognizer(2, frames=8, image_size=16, filters=(4,)), preprocessor)
    with pytest.raises(ValueError, match="frames=1"):
        ActionRecognizerPreprocessor(ImageConverter(16), 1, ["a", "b"])
