"""Action recognition: a video encoder with a softmax over actions."""

import keras

from mmkeras.layers import VideoEncoder


def build_action_recognizer(
    num_actions,
    frames=8,
    image_size=32,
    filters=(16, 32),
    kernel_size=3,
    two_stream=False,
    pool_time=False,
    hidden_units=None,
    dropout=0.0,
    name=None,
):
    """Video understanding: a 3D CNN or a two-stream network.

    The clip's uint8 pixels are scaled to [0, 1] inside the model, a
    `VideoEncoder` turns the clip into one vector (appearance only, or
    appearance and motion with `two_stream=True`), and a softmax names
    the action.

    Args:
        num_actions: number of classes (the world's clips have seven,
            the world's `ACTIONS`).
        frames: frames per clip.
        image_size: frame height and width.
        filters, kernel_size, two_stream, pool_time: passed to
            `VideoEncoder`.
        hidden_units: optional width of a ReLU layer before the softmax.
        dropout: dropout rate on the clip vector during training.
        name: model name (defaults to `action_3d_cnn` or
            `action_two_stream`).

    Returns:
        A `keras.Model` from clips `(B, frames, image_size, image_size, 3)`
        (uint8 or float in [0, 255]) to softmax `(B, num_actions)`.

    Example:

    >>> model = build_action_recognizer(7, frames=4, image_size=16, filters=(4,))
    >>> tuple(model(keras.ops.zeros((2, 4, 16, 16, 3))).shape)
    (2, 7)
    """
    for argument, value in (("frames", frames), ("image_size", image_size), ("num_actions", num_actions)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{argument}` must be a positive int. Received: {argument}={value!r}")
    if frames < 2:
        raise ValueError(
            f"`frames` must be at least 2: a single frame shows no action. Received: frames={frames}"
        )
    clips = keras.Input((frames, image_size, image_size, 3), name="clip")
    scaled = keras.layers.Rescaling(1.0 / 255.0, name="scale")(clips)
    encoded = VideoEncoder(filters, kernel_size, two_stream=two_stream, pool_time=pool_time, dropout=dropout,
                           name="video_encoder")(scaled)
    if hidden_units:
        encoded = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(encoded)
    actions = keras.layers.Dense(num_actions, activation="softmax", dtype="float32", name="action")(encoded)
    default_name = "action_two_stream" if two_stream else "action_3d_cnn"
    return keras.Model(clips, actions, name=name or default_name)
