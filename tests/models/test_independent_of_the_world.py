"""Models and tasks take their labels from the data, never from the bundled world."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2] / "mmkeras"


def test_models_and_tasks_do_not_import_the_world_datasets():
    offenders = [
        str(path.relative_to(ROOT.parent))
        for folder in ("models", "tasks")
        for path in sorted((ROOT / folder).glob("*.py"))
        if "mmkeras.datasets" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
