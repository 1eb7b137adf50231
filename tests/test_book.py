"""The book's website: the API reference renders every public name, and the site check finds what is broken.

CI builds the whole site from the executed chapters and opens every page in
Chromium (`scripts/check_site.py`); these tests build the API reference
alone (seconds) and check the checker on pages made to be broken.
"""

import importlib
import json
import pathlib
import shutil

import pytest

from tests.scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def api_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    # --strict: a docstring that does not render as written fails the build.
    load_script("build_book").main(["--api-only", "--strict", "--out", str(out)])
    return out / "html"


def test_api_reference_builds_without_a_warning_and_passes_the_static_check(api_site):
    check_site = load_script("check_site")
    problems = check_site.static_problems(api_site)
    assert len(problems) >= 14  # index, search, genindex, benchmarks, API index and its pages
    assert not {page.name: found for page, found in problems.items() if found}


def test_every_public_name_has_an_entry_with_a_description(api_site):
    build_book = load_script("build_book")
    constants = set()
    for module_name in build_book.API_MODULES:
        page = (api_site / "api" / f"{module_name}.html").read_text(encoding="utf-8")
        module = importlib.import_module(module_name)
        names = build_book.public_names(module, constants)
        assert names, module_name
        for name, kind in names:
            assert f'id="{module_name}.{name}"' in page, (module_name, name)
            if kind != "data":
                assert getattr(module, name).__doc__, f"{module_name}.{name} has no docstring"


def test_layer_pages_show_their_maths_as_formulas(api_site):
    page = (api_site / "api" / "mmkeras.layers.html").read_text(encoding="utf-8")
    assert page.count('class="math') >= 5


def test_static_check_finds_broken_links_missing_anchors_and_outside_resources(tmp_path):
    check_site = load_script("check_site")
    (tmp_path / "index.html").write_text(
        '<a href="good.html#here">ok</a> <a href="gone.html">x</a> <a href="good.html#nowhere">y</a>'
        '<a href="https://example.org/">outside links are fine</a><img src="missing.png">'
        '<script src="https://cdn.example.org/mathjax.js"></script>', encoding="utf-8")
    (tmp_path / "good.html").write_text('<h1 id="here">Here</h1><a href="index.html">back</a>', encoding="utf-8")
    problems = check_site.static_problems(tmp_path)
    assert problems[tmp_path / "good.html"] == []
    found = "\n".join(problems[tmp_path / "index.html"])
    assert "gone.html, which is missing" in found
    assert "no anchor #nowhere" in found
    assert "missing.png, which is missing" in found
    assert "https://cdn.example.org/mathjax.js from another host" in found
    assert "example.org/\"" not in found and len(problems[tmp_path / "index.html"]) == 4


def test_build_uses_executed_chapters_and_refuses_unexecuted_ones_when_told(tmp_path):
    build_book = load_script("build_book")
    chapter = ROOT / "notebooks" / "01_background_and_core_concepts.ipynb"
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(chapter, notebooks)
    with pytest.raises(RuntimeError, match="01_background_and_core_concepts.ipynb has no outputs.*pytest --overwrite"):
        build_book.stage(tmp_path / "source", notebooks, require_executed=True, timeout=60)
    executed = json.loads(chapter.read_text(encoding="utf-8"))
    code = next(cell for cell in executed["cells"] if cell["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
    (notebooks / chapter.name).write_text(json.dumps(executed), encoding="utf-8")
    assert build_book.stage(tmp_path / "source", notebooks, require_executed=True, timeout=60) == 1
    staged = (tmp_path / "source" / "chapters" / chapter.name).read_text(encoding="utf-8")
    # The badge's picture is the site's own copy: the site reads offline.
    assert "../_static/colab-badge.svg" in staged and "colab.research.google.com/assets" not in staged
    assert (tmp_path / "source" / "_static" / "mathjax" / "tex-chtml.js").is_file()
