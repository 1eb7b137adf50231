"""The base of every task's preprocessor: raw inputs in, the backbone's inputs out."""

import contextlib

import keras

from mmkeras.preprocessing.sequences import teacher_forcing_pair


class Preprocessor(keras.layers.Layer):
    """Turns raw examples (images of any size or files, strings, labels)
    into what a task's backbone takes, and holds the task's vocabularies.

    A preprocessor is a Keras layer, so a task holding one saves it (its
    config, with the tokenizer's vocabulary and the label names) inside the
    task's `.keras` file. It runs TensorFlow ops in `tf.data` maps (where
    `Task.fit` calls it) or eagerly on a batch (where the task's readable
    methods call it); it is not part of the compiled model.

    Subclasses implement `call(x, y=None, sample_weight=None)` and return
    what `keras.Model.fit` unpacks: `x`, `(x, y)` or `(x, y, sample_weight)`,
    with `x` the backbone's input dict. Sublayers named in `nested_layers`
    (an image converter, a tokenizer) are serialized in `get_config` by
    the subclass and deserialized here, in `from_config`.

    Example:

    A preprocessor that lower-cases its texts (a real one also tokenizes them):

    >>> class Lowercase(Preprocessor):
    ...     def call(self, x, y=None, sample_weight=None):
    ...         return tf.strings.lower(x)
    >>> Lowercase()(tf.constant(["Red Circle"])).numpy()
    array([b'red circle'], dtype=object)
    """

    #: config keys that hold serialized layers.
    nested_layers = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True
        self.augmenting = False

    @contextlib.contextmanager
    def augmentation(self):
        """Within it, `call` adds training-only randomness (a subclass's
        data augmentation). `Task.fit` builds its training pipeline (not
        the validation one) inside it; `tf.data` traces the map then, so
        the flag holds for the whole training run."""
        previous, self.augmenting = self.augmenting, True
        try:
            yield self
        finally:
            self.augmenting = previous

    def __call__(self, x, y=None, sample_weight=None):
        # Straight to call(): Keras's Layer.__call__ would convert strings
        # and file paths to backend tensors, which have no string dtype.
        return self.call(x, y=y, sample_weight=sample_weight)

    def call(self, x, y=None, sample_weight=None):
        raise NotImplementedError(f"{type(self).__name__} must implement call(x, y=None, sample_weight=None).")

    def check_inputs(self, x):
        """Refuse raw inputs whose kind or shape this preprocessor cannot take, eagerly, naming what was received.

        `Task.fit`, `evaluate` and `predict` call it before they build the
        pipeline, where the same mistake would fail inside `tf.data`.
        Subclasses whose inputs have a fixed rank override it.
        """

    def check_targets(self, y):
        """Refuse raw targets this preprocessor cannot map (unknown labels,
        characters it cannot write) with a clear error, eagerly.

        `Task.fit` and `evaluate` call it before they build the pipeline,
        where the same check would fail inside `tf.data` instead.
        Subclasses with a vocabulary of targets override it.
        """

    def nested_config(self):
        """The serialized `nested_layers`, for a subclass's `get_config`."""
        return {name: keras.saving.serialize_keras_object(getattr(self, name)) for name in self.nested_layers}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in cls.nested_layers:
            # An optional part (a translator's image converter) is stored as None.
            if config.get(name) is not None:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)

    @staticmethod
    def check_instance(name, value, expected, why=""):
        """`value`, refused with a `TypeError` naming `name` unless it is an `expected`."""
        if not isinstance(value, expected):
            raise TypeError(f"`{name}` must be a{'n' if expected.__name__[0] in 'AEIOU' else ''} "
                            f"{expected.__name__}{why}. Received: {type(value).__name__}")
        return value

    @staticmethod
    def check_length(name, value, minimum=1):
        """`value`, refused with a `ValueError` unless it is an int >= `minimum`."""
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
        return value

    def pack_teacher_forced(self, inputs, tokenizer, texts, sequence_length, sample_weight=None, key="tokens"):
        """`inputs` alone when `texts` is None; else `inputs` with the decoder's
        `[START] w1 ... wn` ids under `key`, packed with the targets `w1 ... wn [END]`."""
        if texts is None:
            return inputs
        inputs[key], next_tokens = teacher_forcing_pair(tokenizer, texts, sequence_length)
        return self.pack(inputs, next_tokens, sample_weight)

    @staticmethod
    def pack(x, y=None, sample_weight=None):
        """`x`, `(x, y)` or `(x, y, sample_weight)`, as `fit` expects."""
        if y is None:
            return x
        if sample_weight is None:
            return x, y
        return x, y, sample_weight
