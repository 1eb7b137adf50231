"""Checks every layer test runs: serialization, shapes, a training step."""

import keras
import numpy as np


def to_numpy(outputs):
    if isinstance(outputs, (list, tuple)):
        return [keras.ops.convert_to_numpy(o) for o in outputs]
    return [keras.ops.convert_to_numpy(outputs)]


def check_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"].startswith("mmkeras>")
    return clone


def check_saved_model_round_trip(model, inputs, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    for expected, actual in zip(to_numpy(model(inputs)), to_numpy(reloaded(inputs))):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert len(reloaded.weights) == len(model.weights)
    return reloaded


def check_symbolic_matches_eager(model, inputs):
    symbolic = model.outputs
    eager = to_numpy(model(inputs))
    for s, e in zip(symbolic, eager):
        assert tuple(d for d in s.shape[1:]) == e.shape[1:], (s.shape, e.shape)


def check_training_step(model, inputs, targets, loss="mse"):
    """One optimizer step must change the trainable weights and give a finite loss."""
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    logs = model.train_on_batch(inputs, targets, return_dict=True)
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    assert np.isfinite(logs["loss"])
    changed = [not np.allclose(b, a) for b, a in zip(before, after)]
    assert sum(changed) >= max(1, len(changed) // 2), f"only {sum(changed)} of {len(changed)} weights moved"
