import keras
import numpy as np
import pytest

from mmkeras.datasets import ACTIONS
from mmkeras.datasets import make_clips
from mmkeras.models import build_action_recognizer
from tests.layers.layer_checks import check_saved_model_round_trip


@pytest.mark.parametrize("two_stream", [False, True])
def test_recognizer_takes_uint8_clips_saves_and_reloads(two_stream, tmp_path):
    clips = make_clips(4, seed=0, frames=4, image_size=16)
    model = build_action_recognizer(len(ACTIONS), frames=4, image_size=16, filters=(4,), two_stream=two_stream, hidden_units=8)
    assert model.name == ("action_two_stream" if two_stream else "action_3d_cnn")
    probabilities = keras.ops.convert_to_numpy(model(clips.videos))
    assert probabilities.shape == (4, len(ACTIONS))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    # Scaling happens inside: uint8 and the same values as float agree.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(clips.videos.astype("float32"))), probabilities,
                               rtol=1e-5, atol=1e-6)
    check_saved_model_round_trip(model, clips.videos, tmp_path)


def test_two_stream_recognizer_learns_directions_of_motion():
    keras.utils.set_random_seed(0)
    clips = make_clips(280, seed=3, frames=4, image_size=16)
    keep = np.isin(clips.action_ids, [ACTIONS.index("move_left"), ACTIONS.index("move_right")])
    videos, labels = clips.videos[keep], (clips.action_ids[keep] == ACTIONS.index("move_right")).astype("int32")
    model = build_action_recognizer(2, frames=4, image_size=16, filters=(8,), two_stream=True)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    split = len(labels) * 3 // 4
    before = model.evaluate(videos[split:], labels[split:], verbose=0)[1]
    model.fit(videos[:split], labels[:split], epochs=15, batch_size=16, verbose=0)
    after = model.evaluate(videos[split:], labels[split:], verbose=0)[1]
    assert after >= 0.9, (before, after)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"frames": 1}, "a single frame"), ({"frames": 2.5}, "frames=2.5"), ({"image_size": 0}, "image_size=0"),
     ({"num_actions": True}, "num_actions=True")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_action_recognizer(**{"num_actions": 7, **kwargs})
