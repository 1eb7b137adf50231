"""Sphinx settings for the book's website; scripts/build_book.py copies this file into the folder it builds from.

Everything the pages load is on the site itself (MathJax included), so the
site builds and reads with no network, and the browser check in CI can
treat any failed request as a defect.
"""

import importlib.metadata
import inspect

project = "mmkeras"
author = "the mmkeras authors"
release = importlib.metadata.version("mmkeras")
copyright = "the mmkeras authors, Apache-2.0"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]

# The notebooks arrive executed (by pytest --overwrite in CI, or by
# build_book.py before Sphinx runs): a second execution would double the cost.
nb_execution_mode = "off"
# Widgets' require.js would come from a CDN; the book uses none.
nb_ipywidgets_js = {}
nb_merge_streams = True
# TensorFlow's start-up lines (oneDNN, CUDA not found) go to stderr; they are not the book.
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# The docstrings write names in single backticks, Markdown style.
default_role = "code"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Keras's own layer docstrings have this section, and so do ours.
napoleon_custom_sections = [("Call arguments", "params_style"), ("Reference", "References")]
# A method without a docstring of its own would show Keras's, written for Keras's site.
autodoc_inherit_docstrings = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"exclude-members": "get_config, build, call, compute_output_shape, compute_output_spec"}

# Relative to _static: build_book.py copies MathJax 3 there from the django-static-mathjax wheel.
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "furo"
html_title = f"mmkeras {release}"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
exclude_patterns = ["_build", "**.ipynb_checkpoints"]


def _returns_as_a_field(app, what, name, obj, options, lines):
    """Turn a `Returns:` section into a `:returns:` field before napoleon reads it.

    Napoleon reads the first line of a Google `Returns:` section as
    `type: description` and cuts it at the first colon, which in these
    docstrings is usually inside code (`{"image": (B, S, S, 3)}`).
    """
    for start, line in enumerate(lines):
        if line.strip() == "Returns:" and start + 1 < len(lines):
            indent = len(line) - len(line.lstrip())
            end = start + 1
            while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
                end += 1
            while end > start + 1 and not lines[end - 1].strip():
                end -= 1
            body = [text.strip() for text in lines[start + 1:end]]
            field = [" " * indent + ":returns: " + body[0]] + [" " * (indent + 4) + text for text in body[1:]]
            lines[start:end] = field
            return


def _constructor_signature(app, what, name, obj, options, signature, return_annotation):
    """A class's signature from its `__init__`.

    Keras layers and models define `__new__(cls, *args, **kwargs)`, which
    autodoc prefers, so every class would read `(*args, **kwargs)`.
    """
    if what != "class" or signature not in ("(*args, **kwargs)", None):
        return None
    try:
        parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    return str(inspect.Signature(parameters)), return_annotation


def setup(app):
    app.connect("autodoc-process-signature", _constructor_signature)
    # Before napoleon (priority 500) rewrites the sections.
    app.connect("autodoc-process-docstring", _returns_as_a_field, priority=400)
