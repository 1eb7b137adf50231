"""The base of every task: a backbone and its preprocessor in one `keras.Model`."""

import keras
import tensorflow as tf

from mmkeras.preprocessing.raw_datasets import preprocessed_dataset
from mmkeras.tasks.presets import get_preset
from mmkeras.training.compilation import compile_model
from mmkeras.training.quantization import quantize_model


class Task(keras.Model):
    """A backbone (the network) with the preprocessor that feeds it.

    `fit`, `evaluate` and `predict` take raw data (image arrays of any
    size or image file paths, strings, label names) and run it through
    `preprocessor` in a `tf.data` pipeline; a `tf.data.Dataset` passed as
    `x` must yield raw batches. `task(inputs)` itself takes the backbone's
    inputs and returns the backbone's outputs. Subclasses add the readable
    methods (`generate`, `answer`, ...) and `from_preset`'s builder.

    Args:
        backbone: a built `keras.Model` (from a `mmkeras.models` builder).
        preprocessor: the task's `Preprocessor`, or `None` to feed the
            backbone's inputs directly.
        **kwargs: `keras.Model` arguments (`name`).

    Example:

    A task with no preprocessor feeds the backbone as it is:

    >>> backbone = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    >>> task = Task(backbone)
    >>> task.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> history = task.fit(np.ones((8, 4)), np.zeros((8,)), epochs=1, verbose=0)
    >>> tuple(task.predict(np.ones((3, 4)), verbose=0).shape)
    (3, 2)
    """

    #: the preset `task` field this class accepts.
    preset_task = None
    #: the class its preprocessor must be (checked in `__init__`).
    preprocessor_class = None

    def __init__(self, backbone, preprocessor=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(backbone, keras.Model):
            raise TypeError(f"`backbone` must be a keras.Model. Received: {type(backbone).__name__}")
        expected = self.preprocessor_class
        if expected is not None and not isinstance(preprocessor, expected):
            raise TypeError(f"`preprocessor` must be a {expected.__name__}. Received: {type(preprocessor).__name__}")
        self.backbone = backbone
        self.preprocessor = preprocessor
        # The compiled searches of the tasks that generate (`generate`, `transcribe`, ...), one per setting.
        self._compiled_functions = {}
        # The backbone is built when it is made, so the task is too
        # (count_params, summary and saving work before any call).
        self.built = True

    def quantize(self, mode="int8", **kwargs):
        """Quantizes the backbone's weights (Keras's `Model.quantize`), for a smaller, often faster model.

        Only the backbone is quantized: the preprocessor's layers hold
        vocabularies, not trained weights. The compiled functions made for
        the old weights are dropped, so the next call runs the quantized
        ones.

        It runs `mmkeras.training.quantize_model`, which is Keras's
        quantization at a fraction of its time (its docstring says why).

        Args:
            mode: a mode of `keras.Model.quantize`, such as `"int8"`.
            **kwargs: passed to `keras.Model.quantize`.
        """
        quantize_model(self.backbone, mode, **kwargs)
        self._compiled_functions.clear()
        self.train_function = self.test_function = self.predict_function = None

    def build(self, input_shape=None):
        # The backbone is built when it is made; nothing waits for a shape.
        self.built = True

    def call(self, inputs, training=None):
        return self.backbone(inputs, training=training)

    def fit(self, x=None, y=None, batch_size=None, validation_data=None, shuffle=True, **kwargs):
        """`keras.Model.fit` on raw data (see the class docstring).

        `validation_data` is raw too: a `(x, y)` tuple or a dataset of raw
        batches.
        """
        self._check_inputs(x)
        self._check_targets(y)
        if isinstance(validation_data, tuple) and len(validation_data) > 1:
            self._check_targets(validation_data[1])
        if self.preprocessor is None:
            dataset = preprocessed_dataset(None, x, y, batch_size=batch_size, shuffle=shuffle)
        else:
            with self.preprocessor.augmentation():
                dataset = preprocessed_dataset(self.preprocessor, x, y, batch_size=batch_size, shuffle=shuffle)
        if validation_data is not None:
            if isinstance(validation_data, tuple):
                validation_data = preprocessed_dataset(self.preprocessor, *validation_data, batch_size=batch_size)
            else:
                validation_data = preprocessed_dataset(self.preprocessor, validation_data)
        batches = int(dataset.cardinality())
        if batches > 0 and (kwargs.get("steps_per_epoch") is None or not isinstance(x, tf.data.Dataset)):
            # Keras starts a new iterator every epoch unless told the epoch's length, and a new iterator
            # instantiates the preprocessing functions again: measured 0.2-1.2 s at every epoch's first
            # step of a speech recognizer, half its epoch. Repeating keeps one iterator; each pass still
            # reshuffles and ends with the same short batch. A caller's steps_per_epoch on raw data,
            # which the caller cannot repeat, then runs as many steps in every epoch.
            dataset = dataset.repeat()
            if kwargs.get("steps_per_epoch") is None:
                kwargs["steps_per_epoch"] = batches
        # The pipeline has shuffled already; Keras would warn that it cannot.
        return super().fit(dataset, validation_data=validation_data, shuffle=False, **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        """`keras.Model.evaluate` on raw data."""
        if kwargs.get("_use_cached_eval_dataset"):
            # Called by fit() for validation, on the data fit() already preprocessed.
            return super().evaluate(x=x, y=y, batch_size=batch_size, **kwargs)
        self._check_inputs(x)
        self._check_targets(y)
        return super().evaluate(preprocessed_dataset(self.preprocessor, x, y, batch_size=batch_size), **kwargs)

    def predict(self, x=None, batch_size=None, **kwargs):
        """`keras.Model.predict` on raw inputs: the backbone's outputs."""
        self._check_inputs(x)
        return super().predict(preprocessed_dataset(self.preprocessor, x, batch_size=batch_size), **kwargs)

    def _check_inputs(self, x):
        if x is not None and self.preprocessor is not None:
            self.preprocessor.check_inputs(x)

    def _check_targets(self, y):
        if y is not None and self.preprocessor is not None:
            self.preprocessor.check_targets(y)

    @classmethod
    def preset_config(cls, preset):
        """The preset `preset` (a name or a dict), checked to be for this task."""
        config = get_preset(preset) if isinstance(preset, str) else dict(preset)
        if cls.preset_task is not None and config.get("task") != cls.preset_task:
            raise ValueError(
                f"Preset {preset!r:.60} is for the task {config.get('task')!r}, not {cls.__name__}. "
                f"Use {config.get('task')}.from_preset({preset!r:.60})."
            )
        return config

    def compile_from_preset(self, config, loss, backbone_overrides=None, **compile_kwargs):
        """Compile with Adam at the preset's learning rate.

        XLA is chosen by `mmkeras.training.compile_model` from the device and
        the preset's measured `training.xla_speedups` (per device), if any.
        Those figures were measured on the preset's own backbone, so they
        apply only when `backbone_overrides` (the `from_preset` arguments
        that change it) leave it as the preset builds it; another size gets
        the device's default.
        """
        training = config.get("training", {})
        backbone = config.get("backbone", {})
        changed = any(key not in backbone or backbone[key] != value
                      for key, value in (backbone_overrides or {}).items())
        compile_kwargs.setdefault("xla_speedups", None if changed else training.get("xla_speedups"))
        compile_model(self, optimizer=keras.optimizers.Adam(training.get("learning_rate", 1e-3)), loss=loss,
                      verbose=False, **compile_kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        if config.get("preprocessor") is not None:
            config["preprocessor"] = keras.saving.deserialize_keras_object(config["preprocessor"])
        return cls(**config)
