"""The chapters as files: each opens in Colab, and none depends on being run from `notebooks/`."""

import importlib.util
import json
import pathlib
import re
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _colab_script():
    spec = importlib.util.spec_from_file_location("colab", ROOT / "scripts" / "colab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_has_its_colab_badge_and_install_cell(notebook, tmp_path):
    colab = _colab_script()
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert colab.badge_markdown(notebook.name) in "".join(cells[0]["source"]), "run python scripts/colab.py"
    assert _code(notebook)[0] == colab.INSTALL_SOURCE, "run python scripts/colab.py"
    # Stamping again changes nothing: exactly one badge and one install cell.
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    assert not colab.stamp(copy)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_finds_files_through_the_package(notebook):
    relative = [source for source in _code(notebook) if re.search(r"\.\./|Path\(\s*['\"]\.\.['\"]", source)]
    assert not relative, f"{notebook.name} reads files relative to notebooks/; use mmkeras.datasets.data_path " \
                         f"or benchmark_path: {relative[0][:200]}"


def test_stamp_refuses_a_notebook_without_a_title(tmp_path):
    colab = _colab_script()
    notebook = tmp_path / "99_untitled.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1",
                                               "outputs": [], "execution_count": None}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ValueError, match="first cell must be the chapter's markdown title"):
        colab.stamp(notebook)


def test_a_chapter_runs_from_a_copy_outside_the_repository(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    chapter = ROOT / "notebooks" / "02_modality_encoding.ipynb"
    copy = tmp_path / chapter.name
    shutil.copy(chapter, copy)
    book = nbformat.read(copy, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(output.get("text", "") for cell in book.cells for output in cell.get("outputs", []))
    assert "'small blue square': waveform" in outputs
