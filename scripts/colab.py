"""Give every chapter an "Open in Colab" badge and a first cell that installs mmkeras where it is missing.

Usage: python scripts/colab.py   (rewrites notebooks/*.ipynb in place; run it
after adding a chapter, and tests/test_notebooks.py checks that it was)

The badge goes under the chapter's title. The install cell comes first
among the code cells and does nothing where mmkeras imports, so the tests
and a reader's own Jupyter never reach the network through it; on Colab it
clones the book (the chapters read its `data/` and `benchmarks/` folders
through `mmkeras.datasets.data_path` and `benchmark_path`) and installs it.
"""

import copy
import json
import pathlib

# The public repository the book is published from. Colab opens chapters from it
# and the install cell clones it: change it here and rerun the script when it moves.
REPOSITORY = "mmkeras/mmkeras"
BRANCH = "main"
NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
INSTALL_TAG = "install-mmkeras"

INSTALL_SOURCE = f"""\
# Where mmkeras is missing (Colab, a fresh machine), fetch the book and install it; elsewhere this does nothing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("mmkeras") is None:
    subprocess.run(["git", "clone", "--depth=1", "https://github.com/{REPOSITORY}.git", "mmkeras-book"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "mmkeras-book"], check=True)
    sys.path.insert(0, "mmkeras-book")  # this kernel started before the install"""


def colab_url(notebook_name):
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{notebook_name}"


def badge_markdown(notebook_name):
    return f"[![Open in Colab]({BADGE_IMAGE})]({colab_url(notebook_name)})"


def _text(cell):
    return "".join(cell["source"])


def _lines(text):
    return text.splitlines(keepends=True)


def stamp(notebook):
    """Put the badge under the title and the install cell first; True when the file changed.

    A chapter already stamped is left untouched, byte for byte (an executed
    copy, as `pytest --overwrite` writes it, keeps its outputs and layout).
    """
    notebook = pathlib.Path(notebook)
    book = json.loads(notebook.read_text(encoding="utf-8"))
    cells = book["cells"]
    before = copy.deepcopy(cells)
    title = cells[0]
    if title["cell_type"] != "markdown" or not _text(title).startswith("# "):
        raise ValueError(f"{notebook}: the first cell must be the chapter's markdown title, not {_text(title)[:60]!r}")
    heading, _, rest = _text(title).partition("\n")
    rest = "\n".join(line for line in rest.split("\n") if "colab.research.google.com" not in line).lstrip("\n")
    title["source"] = _lines(f"{heading}\n\n{badge_markdown(notebook.name)}\n\n{rest}")
    installs = [cell for cell in cells if INSTALL_TAG in cell.get("metadata", {}).get("tags", [])]
    if len(installs) == 1 and cells[1] is installs[0] and _text(installs[0]) == INSTALL_SOURCE:
        pass  # in place already; an executed copy keeps its execution count
    else:
        cells[:] = [cell for cell in cells if cell not in installs]
        install = {"cell_type": "code", "execution_count": None, "id": INSTALL_TAG, "metadata": {"tags": [INSTALL_TAG]},
                   "outputs": [], "source": _lines(INSTALL_SOURCE)}
        cells.insert(1, install)
    if [(_text(c), c["cell_type"]) for c in cells] == [(_text(c), c["cell_type"]) for c in before]:
        return False
    notebook.write_text(json.dumps(book, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        print(("stamped " if stamp(path) else "unchanged ") + path.name)
