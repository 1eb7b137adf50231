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


def _code_of(notebook):
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / notebook
    return "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")


def test_the_captioner_configuration_is_written_only_in_its_preset():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    chapter_07 = _code_of("07_image_captioning_with_attention.ipynb")
    assert 'preset = "world_captioner"' in chapter_07 and "Captioner.from_preset(preset" in chapter_07
    assert "build_captioner(" not in chapter_07
    # Everywhere else the chapter's captioner is built, it is built from the preset.
    for name, source in (
        ("benchmarks/task_models.py", (root / "benchmarks" / "task_models.py").read_text()),
        ("chapter 17", _code_of("17_summary_challenges_and_faq.ipynb")),
    ):
        calls = re.findall(r"build_captioner\(([^\n]*)", source)
        assert calls and all('**' in call for call in calls), (name, calls)
        assert '"world_captioner"' in source, name


def test_every_preset_names_a_task_that_builds_from_it():
    import mmkeras.tasks

    words, labels = ["a", "red", "circle"], ["yes", "no"]
    arguments = {
        "Captioner": {"vocabulary": words},
        "VisualQuestionAnswerer": {"vocabulary": words, "labels": labels},
        "ProductClassifier": {"vocabulary": words, "labels": labels},
        "DualEncoder": {"vocabulary": words},
        "SpeechRecognizer": {"transcripts": ["red circle"]},
        "ActionRecognizer": {"labels": labels},
        "ConditionalVAE": {"vocabulary": words},
        "ConditionalGAN": {"vocabulary": words},
        "MaskedLanguageModel": {"vocabulary": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red"]},
        "VisionLanguageModel": {"vocabulary": words},
        "Translator": {"source_vocabulary": words, "target_vocabulary": ["一", "个", "红", "色"]},
        "SpeechTranslator": {"target_vocabulary": ["红", "色"]},
    }
    for name in list_presets():
        if name.startswith("tests_"):
            continue
        preset = get_preset(name)
        task_class = getattr(mmkeras.tasks, preset["task"])
        task = task_class.from_preset(name, compile=False, **arguments[preset["task"]])
        assert isinstance(task, task_class) and task.preprocessor is not None, name
        assert preset["chapter"] and preset["description"] and preset["training"], name


def test_every_preset_is_read_by_its_chapter_and_by_the_benchmark():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    notebooks = {path.name[:2]: path.name for path in (root / "notebooks").glob("*.ipynb")}
    benchmark = (root / "benchmarks" / "task_models.py").read_text()
    summary_chapter = _code_of(notebooks["17"])
    for name in list_presets():
        if name.startswith("tests_"):
            continue
        chapter = _code_of(notebooks[get_preset(name)["chapter"]])
        # Read, not rewritten: the chapter names the preset it builds from.
        assert re.search(rf"((get_preset|from_preset)\(\s*|preset = )\"{name}\"", chapter), (name, "chapter")
        # Architectures the benchmark already times under another preset, or that no chapter trains alone.
        if name not in ("world_vqa_document", "world_cgan", "world_bert", "fsdd_speech_recognizer"):
            assert f'"{name}"' in benchmark and f'"{name}"' in summary_chapter, name
