"""Action recognition as a task: video clips in, action names out."""

import keras
import numpy as np

from mmkeras.models.video import build_action_recognizer
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.tasks.action_recognizer_preprocessor import ActionRecognizerPreprocessor
from mmkeras.tasks.task import Task


@keras.saving.register_keras_serializable(package="mmkeras")
class ActionRecognizer(Task):
    """Video understanding (`build_action_recognizer`: a 3D
    CNN or a two-stream network) with its preprocessor and action names.

    Trains with `fit(clips, actions)` on raw clips (uint8, any length and
    frame size) and action names; `classify(clips)` returns action names.
    Its forward pass returns the probabilities of the actions, in the
    order of `labels`.

    Args:
        backbone: a model from `mmkeras.models.build_action_recognizer`.
        preprocessor: an `ActionRecognizerPreprocessor` with the same
            frames, frame size and number of actions.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> recognizer = ActionRecognizer.from_preset(
    ...     "world_action_recognizer", labels=["move_left", "move_right"], filters=(4,))
    >>> clips = np.zeros((2, 10, 20, 20, 3), "uint8")
    >>> history = recognizer.fit(clips, ["move_left", "move_right"], epochs=1, verbose=0)
    >>> len(recognizer.classify(clips))
    2
    """

    preset_task = "ActionRecognizer"
    preprocessor_class = ActionRecognizerPreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)
        shape = tuple(backbone.input.shape) if not isinstance(backbone.input, (dict, list)) else ()
        if len(shape) != 5:
            raise ValueError(
                "`backbone` must be a model from build_action_recognizer() with one clip input "
                f"(B, frames, S, S, 3). Received inputs {backbone.input}."
            )
        expected = (preprocessor.frames, preprocessor.image_converter.image_size)
        if (shape[1], shape[2]) != expected:
            raise ValueError(
                f"The backbone takes {shape[1]} frames of {shape[2]} pixels, but the preprocessor makes "
                f"{expected[0]} frames of {expected[1]} pixels. Build both from one preset."
            )
        if backbone.output.shape[-1] != len(preprocessor.labels):
            raise ValueError(
                f"The backbone has {backbone.output.shape[-1]} outputs but the preprocessor names "
                f"{len(preprocessor.labels)} actions."
            )

    @classmethod
    def from_preset(cls, preset, labels, compile=True, **backbone_overrides):
        """A new, untrained action recognizer configured by `preset`.

        Args:
            preset: a preset name (see `mmkeras.tasks.list_presets("ActionRecognizer")`)
                or a preset dict.
            labels: the action names, e.g. the world's `ACTIONS`.
            compile: compile with Adam at the preset's learning rate, the
                sparse cross-entropy and accuracy.
            **backbone_overrides: arguments of `build_action_recognizer` to change.
        """
        config = cls.preset_config(preset)
        args = {**config["backbone"], **backbone_overrides}
        preprocessor = ActionRecognizerPreprocessor(ImageConverter(args["image_size"]), args["frames"], labels)
        backbone = build_action_recognizer(len(preprocessor.labels), **args)
        task = cls(backbone, preprocessor)
        if compile:
            task.compile_from_preset(config, backbone_overrides=backbone_overrides,
                                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return task

    @property
    def labels(self):
        return list(self.preprocessor.labels)

    def predict_probabilities(self, clips, batch_size=64):
        """float32 `(B, num_actions)`, in the order of `labels`."""
        return np.asarray(self.predict(clips, batch_size=batch_size, verbose=0), dtype="float32")

    def classify(self, clips, return_confidence=False, batch_size=64):
        """The action of each clip.

        Returns:
            A list of action names; with `return_confidence`, also a
            float32 array of their probabilities.
        """
        probabilities = self.predict_probabilities(clips, batch_size=batch_size)
        actions = self.preprocessor.label_table.names(probabilities.argmax(-1))
        return (actions, probabilities.max(-1)) if return_confidence else actions
