"""Sets a Keras model's weights from a checkpoint's arrays, each once and with its shape checked."""

import numpy as np


class WeightAssigner:
    """Assigns each of a model's weights once, checking its shape, so a mapping gap is named instead of left random.

    A loader that ports a checkpoint from another framework calls the
    assigner once per weight, by the weight's Keras path, then
    `check_complete()`: a weight the mapping forgot would otherwise keep its
    random initial value and give wrong outputs without an error.

    Args:
        model: the Keras model (or layer) whose weights are set.
        source: the checkpoint's path or name, for the error messages.
        shape_hint: a sentence that the shape error ends with, saying what
            a mismatch most likely means for this format.

    Call arguments:
        path: the weight's Keras path, such as `"stem_conv/kernel"`.
        value: an array of the weight's shape.

    Example:

    >>> layer = keras.layers.Dense(2, name="dense")
    >>> layer.build((None, 3))
    >>> assign = WeightAssigner(layer, "example.pth")
    >>> assign("dense/kernel", np.ones((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: example.pth: the weight for dense/kernel has shape (2, 3); the model expects (3, 2).
    >>> assign("dense/kernel", np.ones((3, 2)))
    >>> assign.check_complete()
    Traceback (most recent call last):
    ...
    ValueError: example.pth left 1 model weights unset, e.g. ['dense/bias'].
    """

    def __init__(self, model, source, shape_hint=""):
        self.weights = {weight.path: weight for weight in model.weights}
        self.assigned = set()
        self.source = source
        self.shape_hint = shape_hint

    def __call__(self, path, value):
        if path not in self.weights:
            raise KeyError(f"{self.source}: the model has no weight {path!r}; it has {len(self.weights)}, e.g. "
                           f"{sorted(self.weights)[:3]}.")
        weight = self.weights[path]
        value = np.asarray(value, "float32")
        if tuple(weight.shape) != value.shape:
            raise ValueError(f"{self.source}: the weight for {path} has shape {value.shape}; the model expects "
                             f"{tuple(weight.shape)}.{' ' + self.shape_hint if self.shape_hint else ''}")
        weight.assign(value)
        self.assigned.add(path)

    def check_complete(self):
        """Raises `ValueError` naming the weights that no call has set."""
        missing = sorted(set(self.weights) - self.assigned)
        if missing:
            raise ValueError(f"{self.source} left {len(missing)} model weights unset, e.g. {missing[:3]}.")
