"""Where the files that ship with the book are: recordings, caption fixtures, benchmark results.

A chapter that reads `../data` works only when it is opened from
`notebooks/` inside a checkout. These helpers find the files through the
installed package instead, so a chapter runs from any folder: a copy on the
desktop, a Colab runtime that cloned the book, a test's temporary folder.
"""

import os
import pathlib

# An installed checkout (`pip install -e .`, or Colab's install cell) has the
# package folder next to `data/` and `benchmarks/`.
_CHECKOUT = pathlib.Path(__file__).resolve().parents[2]

_ENVIRONMENT = {"data": "MMKERAS_DATA_DIR", "benchmarks": "MMKERAS_BENCHMARKS_DIR"}


def _project_folder(name):
    variable = _ENVIRONMENT[name]
    if os.environ.get(variable):
        folder = pathlib.Path(os.environ[variable]).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"{variable}={os.environ[variable]!r} is not a folder. Point it at the book's "
                                    f"`{name}/` folder, or unset it to use the installed checkout's.")
        return folder
    folder = _CHECKOUT / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The book's `{name}/` folder was not found next to the installed package (looked in {folder}). "
            "It ships with the repository, not with a wheel: clone the repository and install it with "
            f"`pip install -e .` (the first cell of every chapter does this where mmkeras is missing), "
            f"or set {variable} to a copy of the folder.")
    return folder


def _inside(folder, parts):
    path = folder.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist. Received the parts {list(parts)}; "
                                f"the folder {folder} holds {sorted(p.name for p in folder.iterdir())}.")
    return path


def data_path(*parts):
    """The path of a file or folder under the book's `data/` folder.

    Args:
        *parts: path components under `data/`, e.g. `"speech"` or
            `"fixtures", "pairs", "captions.csv"`; none for the folder itself.

    Returns:
        A `pathlib.Path` that exists.

    Raises:
        FileNotFoundError: naming the path looked for and what the folder holds.

    The folder is `MMKERAS_DATA_DIR` when that is set, otherwise the `data/`
    folder of the checkout mmkeras was installed from.

    Example:

    >>> from mmkeras.datasets import data_path
    >>> (data_path("speech") / "transcripts.csv").is_file()
    True
    """
    return _inside(_project_folder("data"), parts)


def benchmark_path(*parts):
    """The path of a file or folder under the book's `benchmarks/` folder.

    Chapters read measured results (`benchmark_path("results", "kv_cache_cpu.json")`)
    and import benchmark scripts from it (`sys.path.insert(0, str(benchmark_path()))`).

    Args:
        *parts: path components under `benchmarks/`; none for the folder itself.

    Returns:
        A `pathlib.Path` that exists.

    Raises:
        FileNotFoundError: naming the path looked for and what the folder holds.

    The folder is `MMKERAS_BENCHMARKS_DIR` when that is set, otherwise the
    `benchmarks/` folder of the checkout mmkeras was installed from.

    Example:

    >>> from mmkeras.datasets import benchmark_path
    >>> benchmark_path("results").name
    'results'
    """
    return _inside(_project_folder("benchmarks"), parts)
