"""The trained models that ship in `data/models/` still load, match their presets and score what they recorded."""

import json

import keras
import pytest

from mmkeras.datasets import data_path
from mmkeras.tasks import get_preset
from tests.scripts import load_script

RECORD = json.loads(data_path("models", "models.json").read_text())


def test_every_bundled_model_has_a_record_and_a_file():
    script = load_script("train_bundled_models")
    assert sorted(RECORD) == sorted(script.BUNDLED)
    for name, record in RECORD.items():
        assert data_path("models", f"{name}.keras").is_file() and record["file"] == f"data/models/{name}.keras"


@pytest.mark.parametrize("name", sorted(RECORD))
def test_a_bundled_model_reloads_safely_is_its_preset_and_scores_its_record(name):
    script = load_script("train_bundled_models")
    record = RECORD[name]
    model = keras.saving.load_model(data_path("models", f"{name}.keras"), safe_mode=True)
    preset = get_preset(record["preset"])
    # A preset changed since the file was made: run `python scripts/train_bundled_models.py` again.
    assert record["epochs"] == preset["training"]["epochs"], (record, preset["training"])
    assert type(model).__name__ == preset["task"]
    fresh = type(model).from_preset(record["preset"], characters=model.preprocessor.characters,
                                    sample_rate=model.preprocessor.sample_rate)
    assert [w.shape for w in fresh.backbone.weights] == [w.shape for w in model.backbone.weights]
    scores = script.BUNDLED[name][1](model)
    assert scores == pytest.approx({key: record[key] for key in scores}, abs=script.TOLERANCE)
