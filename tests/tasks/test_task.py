"""Task.fit on raw data: every epoch is one pass over the examples."""

import keras
import numpy as np

from mmkeras.tasks import SpeechRecognizer


class _StepsPerEpoch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps = []

    def on_epoch_begin(self, epoch, logs=None):
        self.steps.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.steps[-1] += 1


def _recognizer():
    return SpeechRecognizer.from_preset(
        "world_speech_recognizer", characters="ab", filters=(8,), strides=(1,), recurrent_units=None
    )


def test_fit_on_raw_data_takes_one_pass_per_epoch_with_the_short_batch_last():
    waveforms = [np.random.default_rng(i).normal(size=3000).astype("float32") for i in range(10)]
    counter = _StepsPerEpoch()
    history = _recognizer().fit(waveforms, ["ab", "ba"] * 5, batch_size=4, epochs=3, verbose=0, callbacks=[counter])
    assert counter.steps == [3, 3, 3]
    assert len(history.history["loss"]) == 3


def test_fit_keeps_the_callers_steps_per_epoch():
    waveforms = [np.zeros(3000, "float32")] * 10
    counter = _StepsPerEpoch()
    _recognizer().fit(waveforms, ["ab"] * 10, batch_size=4, epochs=2, steps_per_epoch=2, verbose=0, callbacks=[counter])
    assert counter.steps == [2, 2]


def test_quantize_quantizes_the_backbone_and_drops_functions_compiled_for_the_old_weights():
    from mmkeras.tasks import Task

    backbone = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense")])
    task = Task(backbone)
    before = task.predict(np.ones((2, 4)), verbose=0)
    task._compiled_functions["search"] = object()
    task.quantize("int8")
    assert backbone.get_layer("dense").quantization_mode == "int8"
    assert task._compiled_functions == {}
    np.testing.assert_allclose(task.predict(np.ones((2, 4)), verbose=0), before, atol=0.05)
