import pytest

from mmkeras.tasks import get_preset
from mmkeras.tasks import list_presets
from mmkeras.tasks import register_preset


def test_presets_are_copies_and_listed_by_task():
    preset = get_preset("world_captioner")
    preset["backbone"]["image_size"] = 999
    assert get_preset("world_captioner")["backbone"]["image_size"] == 32
    assert "world_captioner" in list_presets("Captioner") and list_presets("Nothing") == []


def test_register_preset_and_its_errors():
    register_preset("tests_tiny_captioner", "Captioner", {"image_size": 16, "sequence_length": 8}, chapter=None)
    assert get_preset("tests_tiny_captioner")["backbone"] == {"image_size": 16, "sequence_length": 8}
    with pytest.raises(ValueError, match="already registered"):
        register_preset("tests_tiny_captioner", "Captioner", {})
    with pytest.raises(TypeError, match="Received: list"):
        register_preset("tests_other", "Captioner", [])
    with pytest.raises(ValueError, match="Unknown preset 'missing'"):
        get_preset("missing")
