"""Video clips of any length and frame size, as a video model takes them (TensorFlow)."""

import numpy as np
import tensorflow as tf


def convert_clips(clips, converter, frames):
    """A batch of clips with `frames` evenly spaced frames, each through `converter`.

    Args:
        clips: uint8 (or float in [0, 1]) `(B, T, H, W, C)`, any `T >= 1`.
            A clip with more or fewer frames than `frames` is sampled at
            evenly spaced times (frames repeat when `T < frames`).
        converter: an `ImageConverter` (the frame size).
        frames: the frames per clip the model takes.

    Returns:
        float32 `(B, frames, S, S, 3)` in [0, 1].

    Example:

    >>> from mmkeras.preprocessing import ImageConverter
    >>> convert_clips(np.zeros((2, 12, 20, 20, 3), "uint8"), ImageConverter(16), frames=4).shape
    TensorShape([2, 4, 16, 16, 3])
    """
    if isinstance(clips, (list, tuple)):
        clips = np.asarray(clips)
    clips = tf.convert_to_tensor(clips)
    if clips.shape.rank != 5:
        raise ValueError(
            "Expected a batch of clips (clips, frames, height, width, channels); add a batch axis to a single clip. "
            f"Received shape {tuple(clips.shape)}."
        )
    times = tf.shape(clips)[1]
    chosen = tf.cast(tf.round(tf.linspace(0.0, tf.cast(times - 1, tf.float32), frames)), tf.int32)
    sampled = tf.gather(clips, chosen, axis=1)
    shape = tf.shape(sampled)
    flat = tf.reshape(sampled, tf.concat([[-1], shape[2:]], axis=0))
    flat.set_shape([None] + clips.shape[2:].as_list())
    converted = converter(flat)
    size = converter.image_size
    return tf.reshape(converted, (-1, frames, size, size, 3))
