"""Every task model survives a `.keras` round trip loaded with `safe_mode=True`."""

import keras
import numpy as np
import pytest

from mmkeras.models import generate_images
from tests.models.task_models import TASK_MODELS

# The CVAE draws a latent at inference; its seeded generation is what repeats.
SEEDED_OUTPUTS = {"cvae": lambda model, inputs: generate_images(model, inputs["text"], seed=3)}


def _outputs(model, inputs, name):
    if name in SEEDED_OUTPUTS:
        return [np.asarray(SEEDED_OUTPUTS[name](model, inputs))]
    return [keras.ops.convert_to_numpy(x) for x in keras.tree.flatten(model(inputs, training=False))]


@pytest.mark.parametrize("name", sorted(TASK_MODELS))
def test_task_model_round_trips_through_keras_file(name, tmp_path):
    build, make_inputs, _, _ = TASK_MODELS[name]
    keras.utils.set_random_seed(0)
    model = build()
    inputs = make_inputs()
    before = _outputs(model, inputs, name)
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(reloaded) is type(model) and reloaded.name == model.name
    assert [w.shape for w in reloaded.weights] == [w.shape for w in model.weights]
    after = _outputs(reloaded, inputs, name)
    for expected, got in zip(before, after, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
