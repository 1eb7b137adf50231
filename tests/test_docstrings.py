"""The Example sections of the docstrings run, as doctests, and every public name has one.

The modules run are those listed below and every module that defines a name
the API reference documents (`scripts/build_book.py`), so a new public name's
example runs without being listed. An example may use, unimported, the names
its own package offers (the API page it appears on), NumPy as `np`, `keras`,
`ops`, `tf` and the tokenizers and `ImageConverter`.
"""

import doctest
import importlib
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parent.parent

MODULES = [
    "mmkeras.preprocessing.text_normalization",
    "mmkeras.preprocessing.tokenizer",
    "mmkeras.preprocessing.wordpiece",
    "mmkeras.preprocessing.wordpiece_matching",
    "mmkeras.preprocessing.image_converter",
    "mmkeras.preprocessing.image_files",
    "mmkeras.preprocessing.sequences",
    "mmkeras.preprocessing.label_table",
    "mmkeras.preprocessing.video_clips",
    "mmkeras.preprocessing.speech_features",
    "mmkeras.tasks.presets",
    "mmkeras.tasks.captioner",
    "mmkeras.tasks.captioner_preprocessor",
    "mmkeras.tasks.image_text_classifier_preprocessor",
    "mmkeras.tasks.visual_question_answerer",
    "mmkeras.tasks.product_classifier",
    "mmkeras.tasks.action_recognizer",
    "mmkeras.tasks.action_recognizer_preprocessor",
    "mmkeras.tasks.dual_encoder",
    "mmkeras.tasks.dual_encoder_preprocessor",
    "mmkeras.tasks.speech_recognizer",
    "mmkeras.tasks.speech_recognizer_preprocessor",
    "mmkeras.tasks.conditional_vae",
    "mmkeras.tasks.conditional_gan",
    "mmkeras.tasks.text_to_image_preprocessor",
    "mmkeras.tasks.masked_language_model",
    "mmkeras.tasks.vision_language_model",
    "mmkeras.tasks.vision_language_preprocessor",
    "mmkeras.tasks.masked_language_model_preprocessor",
    "mmkeras.tasks.whisper_transcriber",
    "mmkeras.tasks.whisper_transcriber_preprocessor",
    "mmkeras.models.video",
    "mmkeras.models.cvae",
    "mmkeras.models.single_stream",
    "mmkeras.models.vision_language",
    "mmkeras.models.vision_transformer",
    "mmkeras.datasets.scenes",
    "mmkeras.datasets.instructions",
    "mmkeras.datasets.caption_formats",
    "mmkeras.datasets.paths",
    "mmkeras.layers.add_fusion",
    "mmkeras.layers.concat_fusion",
    "mmkeras.layers.gated_fusion",
    "mmkeras.layers.bilinear_fusion",
    "mmkeras.layers.attention_fusion",
    "mmkeras.layers.weighted_sum_fusion",
    "mmkeras.layers.masked_mean_pooling",
    "mmkeras.layers.patch_embedding",
    "mmkeras.layers.transformer_decoder",
    "mmkeras.layers.transformer_language_model",
    "mmkeras.layers.modality_projector",
    "mmkeras.layers.modality_embedding",
]




def _public_api():
    """(package, name, object) for every class and function the API reference documents."""
    build_book = load_script("build_book")
    constants = set()
    for package_name in build_book.API_MODULES:
        package = importlib.import_module(package_name)
        for name, kind in build_book.public_names(package, constants):
            if kind != "data":
                yield package_name, name, getattr(package, name)


PUBLIC_API = list(_public_api())
MODULES = sorted(set(MODULES) | {value.__module__ for _, _, value in PUBLIC_API})

def test_every_public_name_has_an_example():
    missing = sorted(f"{package}.{name}" for package, name, value in PUBLIC_API if ">>>" not in (value.__doc__ or ""))
    assert missing == [], "add an Example section to these docstrings"


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name, monkeypatch):
    module = importlib.import_module(module_name)
    package = importlib.import_module(".".join(module_name.split(".")[:2]))
    # Examples name files relative to the repository, as the README does.
    monkeypatch.chdir(ROOT)
    from mmkeras.preprocessing import ImageConverter
    from mmkeras.preprocessing import WordPieceTokenizer
    from mmkeras.preprocessing import WordTokenizer

    extra = {"np": np, "tf": tf, "keras": keras, "ops": keras.ops,
             "ImageConverter": ImageConverter, "WordTokenizer": WordTokenizer,
             "WordPieceTokenizer": WordPieceTokenizer}
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {**vars(package), **vars(module), **extra}
    tests = [t for t in finder.find(module, module_name, globs=globs) if t.examples]
    assert tests, f"{module_name} has no examples"
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed in {module_name}"
