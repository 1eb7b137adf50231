"""The chapters as files: each opens in Colab, and none depends on being run from `notebooks/`."""

import json
import pathlib
import re
import shutil

import pytest

from tests.scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_has_its_colab_badge_and_install_cell(notebook, tmp_path):
    colab = load_script("colab")
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
    colab = load_script("colab")
    notebook = tmp_path / "99_untitled.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1",
                                               "outputs": [], "execution_count": None}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ValueError, match="first cell must be the chapter's markdown title"):
        colab.stamp(notebook)


def _chapter_shaped_notebook(folder):
    """Chapter 02's opening (install cell, imports, seed) and its first cell that reads bundled files through
    the package, then a cell that reads a benchmark's results file the same way: every path a chapter takes to
    its files, in seconds instead of a whole chapter's training."""
    import nbformat

    chapter = nbformat.read(ROOT / "notebooks" / "02_modality_encoding.ipynb", as_version=4)
    code = [cell for cell in chapter.cells if cell.cell_type == "code"]
    reads_files = next(cell for cell in code if "data_path(" in cell.source)
    results = nbformat.v4.new_code_cell(
        "import json\nfrom mmkeras.datasets import benchmark_path\n"
        "scaling = json.loads(benchmark_path('results', 'vlm_scaling_cpu.json').read_text())\n"
        "print('results file read:', sorted(scaling)[0])"
    )
    book = nbformat.v4.new_notebook(cells=[chapter.cells[0], code[0], code[1], reads_files, results])
    path = folder / "00_chapter_shape.ipynb"
    nbformat.write(book, path)
    return path


def test_a_chapter_runs_from_a_copy_outside_the_repository(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    copy = _chapter_shaped_notebook(tmp_path)
    book = nbformat.read(copy, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(output.get("text", "") for cell in book.cells for output in cell.get("outputs", []))
    assert "'small blue square': waveform" in outputs
    assert "results file read:" in outputs


ENDING_HEADINGS = ["## Checks", "## Summary", "## Exercises", "## References"]
LINK = re.compile(r"(Previous|Next): \[(\d\d) · ([^\]]+)\]\((\d\d_\w+\.ipynb)\)")


def _sections(cells):
    """Each level-2 heading with the cells from it to the next one (a heading's own cell included)."""
    sections = []
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        for line in source.splitlines():
            if cell["cell_type"] == "markdown" and line.startswith("## "):
                sections.append({"heading": line.strip(), "text": "", "code": []})
            elif sections:
                if cell["cell_type"] == "markdown":
                    sections[-1]["text"] += line + "\n"
        if cell["cell_type"] == "code" and sections:
            sections[-1]["code"].append(source)
    return sections


def _title(notebook):
    return "".join(json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"]).splitlines()[0][2:]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_ends_with_checks_summary_exercises_references_and_links(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sections = _sections(cells)
    assert [s["heading"] for s in sections[-4:]] == ENDING_HEADINGS, \
        f"{notebook.name} must end with {ENDING_HEADINGS}, found {[s['heading'] for s in sections[-4:]]}"
    checks, summary, exercises, references = sections[-4:]
    assert any("assert" in source for source in checks["code"]), f"{notebook.name}: the checks assert nothing"
    points = [line for line in summary["text"].splitlines() if line.startswith("- ")]
    assert 3 <= len(points) <= 6, f"{notebook.name}: a summary of {len(points)} points, expected 3 to 6"
    numbered = [line for line in exercises["text"].splitlines() if re.match(r"\d+\. ", line)]
    assert 3 <= len(numbered) <= 5, f"{notebook.name}: {len(numbered)} exercises, expected 3 to 5"
    assert any("Self-checking" in line for line in numbered), f"{notebook.name}: no self-checking exercise"
    assert any("assert" in source for source in exercises["code"]), \
        f"{notebook.name}: the self-checking exercise needs a cell with an assert between Exercises and References"
    assert len([line for line in references["text"].splitlines() if line.startswith("- ")]) >= 2, notebook.name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_links_to_its_neighbours_by_their_titles(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert cells[-1]["cell_type"] == "markdown", f"{notebook.name}: the last cell must hold the links"
    links = {kind: (number, title, target) for kind, number, title, target in LINK.findall("".join(cells[-1]["source"]))}
    position = NOTEBOOKS.index(notebook)
    expected = {"Previous": NOTEBOOKS[position - 1] if position > 0 else None,
                "Next": NOTEBOOKS[position + 1] if position + 1 < len(NOTEBOOKS) else None}
    for kind, neighbour in expected.items():
        if neighbour is None:
            assert kind not in links, f"{notebook.name} has no {kind.lower()} chapter to link to"
            continue
        assert kind in links, f"{notebook.name} lacks its '{kind}:' link to {neighbour.name}"
        number, title, target = links[kind]
        assert target == neighbour.name and f"{number} · {title}" == _title(neighbour), (notebook.name, links[kind])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_chapter_has_a_tagged_parameters_cell(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tagged = [cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "".join(tagged[0]["source"]).startswith("# parameters"), \
        f"{notebook.name} needs exactly one code cell starting '# parameters' tagged 'parameters' (papermill, nbmake)"
