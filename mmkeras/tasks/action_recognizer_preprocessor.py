"""Raw video clips to the action recognizer's inputs; action names to ids."""

import keras

from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.label_table import LabelTable
from mmkeras.preprocessing.video_clips import convert_clips
from mmkeras.tasks.preprocessor import Preprocessor


@keras.saving.register_keras_serializable(package="mmkeras")
class ActionRecognizerPreprocessor(Preprocessor):
    """Clips of any length and frame size in; the clips as the backbone
    takes them out, with the action names as ids.

    Args:
        image_converter: an `ImageConverter` (the frame size).
        frames: frames per clip the backbone takes; longer or shorter clips
            are sampled at evenly spaced times.
        labels: the action names, in the order of the backbone's outputs.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        x: uint8 (or float in [0, 1]) clips `(B, T, H, W, C)`, or a dict
            with the key `"clip"`.
        y: optional action names `(B,)` (or their ids).

    Returns:
        float32 clips `(B, frames, S, S, 3)` in [0, 255] (the backbone
        scales pixels itself, so it also takes the world's uint8 clips as
        they are), with `y` as int32 ids when given.

    Example:

    >>> preprocessor = ActionRecognizerPreprocessor(ImageConverter(16), 4, ["left", "right"])
    >>> x, y = preprocessor(np.zeros((2, 9, 24, 24, 3), "uint8"), ["right", "left"])
    >>> tuple(x.shape), y.numpy().tolist()
    ((2, 4, 16, 16, 3), [1, 0])
    """

    nested_layers = ("image_converter",)

    def __init__(self, image_converter, frames, labels, **kwargs):
        super().__init__(**kwargs)
        self.check_instance("image_converter", image_converter, ImageConverter)
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
            raise ValueError(f"`frames` must be an int >= 2. Received: frames={frames!r}")
        self.image_converter = image_converter
        self.frames = frames
        self.label_table = LabelTable(labels)
        self.labels = self.label_table.labels

    def call(self, x, y=None, sample_weight=None):
        if isinstance(x, dict):
            if sorted(x) != ["clip"]:
                raise ValueError(f'Expected x = {{"clip": clips}} or the clips alone. Received keys {sorted(x)}.')
            x = x["clip"]
        inputs = convert_clips(x, self.image_converter, self.frames) * 255.0
        if y is None:
            return inputs
        return self.pack(inputs, self.label_table.ids(y), sample_weight)

    def check_inputs(self, x):
        clips = x.get("clip") if isinstance(x, dict) else x
        shape = getattr(clips, "shape", None)  # arrays and tensors; a dataset is checked in its pipeline
        if shape is not None and len(shape) != 5:
            raise ValueError(
                "Expected a batch of clips (clips, frames, height, width, channels); add a batch axis to a single "
                f"clip (clip[None]). Received shape {tuple(shape)}."
            )

    def check_targets(self, y):
        self.label_table.ids(y)

    def get_config(self):
        config = super().get_config()
        config.update(self.nested_config(), frames=self.frames, labels=list(self.labels))
        return config
