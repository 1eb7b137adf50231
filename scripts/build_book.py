"""Build the book's website: the chapters with their outputs, the measured results and an API reference.

Usage:
    pip install -e ".[book]" && python scripts/build_book.py
    python scripts/build_book.py --require-executed   (CI: after `pytest --overwrite`)

The chapters are read from `notebooks/`. A chapter that has not been run
(the repository keeps them without outputs) is executed first, in the build
folder, once; a chapter already executed, as `pytest --overwrite` leaves
them in CI, is used as it is, so CI runs every notebook exactly once. The
site goes to `build/book/html` (git-ignored); open its `index.html`. Nothing
is downloaded: MathJax comes from the django-static-mathjax wheel.

Chapters added to `notebooks/` and names added to a package's `__init__`
join the site by themselves: the table of contents and the API pages are
made from what is there.
"""

import argparse
import importlib
import inspect
import json
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import colab  # noqa: E402

# Every public module of the library, in the order a reader meets them.
API_MODULES = {
    "mmkeras.layers": "Layers: encoders, fusion, attention and Transformer blocks (keras.ops only).",
    "mmkeras.models": "Functional models for each task, built from the layers.",
    "mmkeras.tasks": "Tasks: a model with its preprocessing, trained on raw images, text, audio and video; presets.",
    "mmkeras.preprocessing": "Tokenizers, image, audio and video conversion, in tf.data.",
    "mmkeras.datasets": "The bundled world, loaders for caption files and speech, tf.data pipelines, paths.",
    "mmkeras.losses": "Losses.",
    "mmkeras.metrics": "Metrics, each checked against a reference implementation.",
    "mmkeras.generation": "Greedy, beam and sampled decoding as compiled loops.",
    "mmkeras.training": "Compilation (XLA), precision and distribution.",
    "mmkeras.serving": "SavedModel export and the serving client's helpers.",
    "mmkeras.pretrained": "Pretrained models loaded offline, with the token ids they were trained with.",
    "mmkeras.viz": "Plots.",
}
# Modules the chapters call as modules (`audio.spectrogram(...)`), documented whole.
WHOLE_MODULES = {"mmkeras.preprocessing": ["mmkeras.preprocessing.audio"], "mmkeras.datasets": ["mmkeras.datasets.chinese"]}
BENCHMARK_RESULTS = ROOT / "benchmarks" / "results"


def public_names(module, documented_constants):
    """The classes, functions and constants a module offers, in the order its `__init__` imports them.

    A class or function is listed under the package that defines it (the
    tasks that `mmkeras.serving` imports are the tasks page's); a constant,
    under the first module that offers it.
    """
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            home = getattr(value, "__module__", "")
            if home == module.__name__ or home.startswith(module.__name__ + "."):
                names.append((name, "class" if inspect.isclass(value) else "function"))
        elif name.isupper() and id(value) not in documented_constants:
            documented_constants.add(id(value))
            names.append((name, "data"))
    return names


def api_page(module_name, summary, documented_constants):
    module = importlib.import_module(module_name)
    lines = [f"{module_name}", "=" * len(module_name), "", summary, "",
             f".. module:: {module_name}", "   :no-index:", ""]
    names = public_names(module, documented_constants)
    if not names:
        raise ValueError(f"{module_name} offers no public classes, functions or constants: its API page would be empty")
    for name, kind in names:
        if kind == "data":
            # autodata would show the docstring of the value's type (tuple's, dict's): the value says more.
            value = repr(getattr(module, name))
            value = value if len(value) <= 160 else value[:157] + "..."
            lines += [f".. py:data:: {name}", f"   :value: {value}", "",
                      f"   A constant of `{module_name}`.", ""]
            continue
        lines.append(f".. auto{kind}:: {module_name}.{name}")
        if kind == "class":
            lines.append("   :members:")
        lines.append("")
    for whole in WHOLE_MODULES.get(module_name, []):
        lines += [whole, "-" * len(whole), "", f".. automodule:: {whole}", "   :members:", "   :no-index:", ""]
    return "\n".join(lines)


def is_executed(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return any(cell.get("outputs") for cell in cells if cell["cell_type"] == "code")


def execute(notebook, timeout):
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(notebook, as_version=4)
    start = time.perf_counter()
    NotebookClient(book, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    nbformat.write(book, notebook)
    print(f"executed {notebook.name} in {time.perf_counter() - start:.0f} s", flush=True)


def benchmarks_page(folder):
    """One section per results table in benchmarks/results, with its plot where there is one."""
    # The plots go to _static: the tables are pasted into the page, and a
    # results/*.md beside it would become a page of its own.
    plots = folder / "_static" / "results"
    plots.mkdir(parents=True)
    lines = ["# Measured results", "",
             "What the scripts in `benchmarks/` measured, as they wrote it; the chapters read these files and "
             "assert what their prose says about them.", ""]
    for table in sorted(BENCHMARK_RESULTS.glob("*.md")):
        text = table.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip() if text.startswith("#") else table.stem
        body = "\n".join(text.splitlines()[1:]) if text.startswith("#") else text
        lines += [f"## {title}", "", f"*`benchmarks/results/{table.name}`*", "", body.strip(), ""]
        plot = table.with_suffix(".png")
        if plot.exists():
            shutil.copy(plot, plots / plot.name)
            lines += [f"![{title}](_static/results/{plot.name})", ""]
    return "\n".join(lines)


def copy_mathjax(static):
    import mathjax  # the django-static-mathjax wheel: MathJax 3 as plain files

    source = pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = static / "mathjax"
    target.mkdir(parents=True)
    shutil.copy(source / "tex-chtml.js", target)
    # tex-chtml.js loads its fonts, TeX extensions and menu from beside itself.
    for folder in ("input", "output", "a11y", "ui", "sre", "adaptors"):
        shutil.copytree(source / folder, target / folder)


def stage(source, notebooks, require_executed, timeout, chapters_wanted=True):
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(ROOT / "docs", source)
    copy_mathjax(source / "_static")
    chapters = source / "chapters"
    chapters.mkdir()
    if not chapters_wanted:
        index = source / "index.md"
        text = index.read_text(encoding="utf-8")
        block = text[text.index("```{toctree}\n:caption: Chapters"):]
        index.write_text(text.replace(block[:block.index("```\n", 4) + 4], ""), encoding="utf-8")
    local_badge = "../_static/colab-badge.svg"
    found = sorted(notebooks.glob("[0-9]*.ipynb")) if chapters_wanted else []
    if chapters_wanted and not found:
        raise FileNotFoundError(f"No chapters (NN_name.ipynb) in {notebooks}")
    for notebook in found:
        copy = chapters / notebook.name
        # The badge's picture is Colab's; the site shows its own copy, so that a reader offline sees it too.
        copy.write_text(notebook.read_text(encoding="utf-8").replace(colab.BADGE_IMAGE, local_badge), encoding="utf-8")
        if not is_executed(copy):
            if require_executed:
                raise RuntimeError(f"{notebook} has no outputs. Run `pytest --overwrite` first, or build without "
                                   "--require-executed to execute it here.")
            execute(copy, timeout)
    (source / "benchmarks.md").write_text(benchmarks_page(source), encoding="utf-8")
    api = source / "api"
    api.mkdir()
    index = ["API reference", "=============", "", "Every public name of the library, from its docstring.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    documented_constants = set()
    for module_name, summary in API_MODULES.items():
        page = api_page(module_name, summary, documented_constants)
        (api / f"{module_name}.rst").write_text(page, encoding="utf-8")
        index.append(f"   {module_name}")
    (api / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")
    return len(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=pathlib.Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "book")
    parser.add_argument("--require-executed", action="store_true",
                        help="fail instead of executing a chapter that has no outputs")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed for one cell")
    parser.add_argument("--api-only", action="store_true", help="leave the chapters out (a quick check of the docstrings)")
    parser.add_argument("--strict", action="store_true",
                        help="fail on any Sphinx warning (a docstring that does not render, a broken reference)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    chapters = stage(args.out / "source", args.notebooks, args.require_executed, args.timeout, not args.api_only)
    html = args.out / "html"
    if html.exists():
        shutil.rmtree(html)
    strict = ["-W", "--keep-going"] if args.strict else []
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto", *strict,
                    str(args.out / "source"), str(html)], check=True)
    pages = len(list(html.rglob("*.html")))
    print(f"built {html}: {chapters} chapters, {pages} pages in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
