"""The Example sections of the docstrings run, as doctests, and every public name has one.

The modules run are those listed below and every module that defines a name
the API reference documents (`scripts/build_book.py`), so a new public name's
example runs without being listed. An example may use, unimported, the names
its own package offers (the API page it appears on), NumPy as `np`, `keras`,
`ops`, `tf` and the tokenizers and `ImageConverter`.
"""

import doctest
import importlib
import importlib.util
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

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
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
    build_book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_book)
    constants = set()
    for package_name in build_book.API_MODULES:
        package = importlib.import_module(package_name)
        for name, kind in build_book.public_names(package, constants):
            if kind != "data":
                yield package_name, name, getattr(package, name)


PUBLIC_API = list(_public_api())
MODULES = sorted(set(MODULES) | {value.__module__ for _, _, value in PUBLIC_API})

# Public names whose docstrings have no example yet. The list may only shrink:
# a name that gains an example must leave it (the test below says so).
WITHOUT_EXAMPLE_YET = {
    "mmkeras.datasets.CaptionRecords",
    "mmkeras.datasets.Clips",
    "mmkeras.datasets.Instructions",
    "mmkeras.datasets.ObjectImages",
    "mmkeras.datasets.SceneObject",
    "mmkeras.datasets.Scenes",
    "mmkeras.datasets.Shop",
    "mmkeras.datasets.SpeechRecords",
    "mmkeras.datasets.all_texts",
    "mmkeras.datasets.decode_characters",
    "mmkeras.datasets.encode_characters",
    "mmkeras.datasets.export_caption_pairs",
    "mmkeras.datasets.export_coco_captions",
    "mmkeras.datasets.export_flickr8k",
    "mmkeras.datasets.load_coco_captions",
    "mmkeras.datasets.load_flickr8k",
    "mmkeras.datasets.load_speech",
    "mmkeras.datasets.make_image_text_matching_dataset",
    "mmkeras.datasets.make_mlm_dataset",
    "mmkeras.datasets.make_speech_dataset",
    "mmkeras.datasets.mix_instructions",
    "mmkeras.generation.SearchResult",
    "mmkeras.generation.beam_search",
    "mmkeras.generation.language_model_step",
    "mmkeras.generation.lstm_decoder_step",
    "mmkeras.layers.Fusion",
    "mmkeras.metrics.accuracy_by_group",
    "mmkeras.metrics.classification_report",
    "mmkeras.metrics.confusion_matrix",
    "mmkeras.metrics.majority_baseline",
    "mmkeras.models.build_attention_probe",
    "mmkeras.models.build_bert_encoder",
    "mmkeras.models.build_bert_text_tower",
    "mmkeras.models.build_captioner",
    "mmkeras.models.build_dual_encoder",
    "mmkeras.models.build_mlm_model",
    "mmkeras.models.build_single_stream_classifier",
    "mmkeras.models.build_single_stream_pretrainer",
    "mmkeras.models.build_speech_recognizer",
    "mmkeras.models.build_vqa_model",
    "mmkeras.models.generate_images",
    "mmkeras.models.pairwise_match_scores",
    "mmkeras.models.text_offset",
    "mmkeras.models.transcribe",
    "mmkeras.preprocessing.audio_backend",
    "mmkeras.preprocessing.check_wav_file",
    "mmkeras.preprocessing.convert_images",
    "mmkeras.preprocessing.correct_spelling",
    "mmkeras.preprocessing.decode_wav",
    "mmkeras.preprocessing.embedding_matrix",
    "mmkeras.preprocessing.load_word2vec_text",
    "mmkeras.preprocessing.mask_tokens",
    "mmkeras.preprocessing.mfcc",
    "mmkeras.preprocessing.missing_textblob_corpora",
    "mmkeras.preprocessing.normalize_features",
    "mmkeras.preprocessing.require_textblob_corpora",
    "mmkeras.preprocessing.save_word2vec_text",
    "mmkeras.preprocessing.spec_augment",
    "mmkeras.tasks.ImageTextClassifier",
    "mmkeras.tasks.Preprocessor",
    "mmkeras.tasks.Task",
    "mmkeras.tasks.TextToImageTask",
    "mmkeras.tasks.register_preset",
    "mmkeras.training.CompilePlan",
    "mmkeras.training.PrecisionPlan",
    "mmkeras.training.check_mixed_precision_safe",
    "mmkeras.training.compile_function",
    "mmkeras.training.detect_device",
    "mmkeras.training.fit_distributed",
    "mmkeras.training.free_ports",
    "mmkeras.training.local_cluster_config",
    "mmkeras.training.measure_step_time",
    "mmkeras.training.plan_compile",
    "mmkeras.training.set_precision_policy",
    "mmkeras.training.split_cpu",
    "mmkeras.viz.plot_accuracy_by_type",
    "mmkeras.viz.plot_bars",
    "mmkeras.viz.plot_caption_attention",
    "mmkeras.viz.plot_confusion_matrix",
    "mmkeras.viz.plot_embedding_2d",
    "mmkeras.viz.plot_feature_maps",
    "mmkeras.viz.plot_history",
    "mmkeras.viz.plot_region_weights",
    "mmkeras.viz.show_retrieval",
    "mmkeras.viz.show_scenes",
    "mmkeras.viz.show_vqa_examples",
}


def test_every_public_name_has_an_example():
    missing = sorted(f"{package}.{name}" for package, name, value in PUBLIC_API if ">>>" not in (value.__doc__ or ""))
    assert sorted(set(missing) - WITHOUT_EXAMPLE_YET) == [], "add an Example section to these docstrings"
    assert sorted(WITHOUT_EXAMPLE_YET - set(missing)) == [], "these have examples now: remove them from the list"


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
    if not tests:
        # Allowed only while every public name it defines is still on the list above.
        names = {f"{package_name}.{name}" for package_name, name, value in PUBLIC_API if value.__module__ == module_name}
        assert names and names <= WITHOUT_EXAMPLE_YET, f"{module_name} has no examples"
        return
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed in {module_name}"
