"""Test-run settings shared by every pytest process, and a report of how long
each notebook took at the end of every run."""

import os


def _share_the_cores_between_workers():
    # pytest-xdist runs one process per worker, and each notebook's kernel is
    # a child of its worker. TensorFlow gives every process a thread pool as
    # wide as the machine, so two workers on two cores fight over them. The
    # book's models are many small ops: one thread per op measured faster, a
    # VQA epoch taking 14 s instead of 21 s with two processes side by side
    # (and 10 s instead of 13 s alone). TensorFlow reads these variables when
    # it starts, so they are set here, before any test module imports it; a
    # value already in the environment wins.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers:
        threads = str(max(1, (os.cpu_count() or 1) // workers))
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)


_share_the_cores_between_workers()


def pytest_terminal_summary(terminalreporter):
    rows = [
        (report.duration, outcome, report.nodeid)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call" and report.nodeid.endswith(".ipynb")
    ]
    if rows:
        terminalreporter.section("notebook timings")
        for duration, outcome, nodeid in sorted(rows, key=lambda row: row[2]):
            terminalreporter.write_line(f"{duration:8.1f} s  {outcome:7s} {nodeid}")


# Seconds each long item took in a clean-clone run (2 workers) on 2026-12-07;
# the PyTorch round trips and the serving and reloading of every task were
# below the twelve slowest items (90 s and more), so they carry the times of a
# `pytest tests` run that day. Chapter 05 and the serving test became cheaper
# after that run, so theirs are estimates scaled from their times alone. The
# longest start first, so the workers finish on short unit tests together
# instead of one waiting while the other runs a late chapter.
_LONG_ITEMS = {
    "test_layer_tests_pass_on_backend[jax]": 203,
    "13_a_small_vision_language_model": 203,
    "14_pretrained_models_using_and_adapting_them": 150,
    "test_every_task_round_trips_on_backend[jax]": 183,
    "12_multimodal_transformers": 215,
    "05_visual_question_answering": 160,
    "15_translation": 139,
    "10_text_to_image_generation": 117,
    "16_training_at_scale_and_deployment": 114,
    "09_speech_to_text": 100,
    "04_fusion_strategies": 96,
    "17_summary_challenges_and_faq": 95,
    "test_layer_tests_pass_on_backend[torch]": 90,
    "03_text_representations": 83,
    "06_multimodal_product_classification": 83,
    "02_modality_encoding": 77,
    "test_each_task_is_one_keras_file_that_reloads_in_a_fresh_process": 75,
    "07_image_captioning_with_attention": 72,
    "11_video_understanding": 40,
    "test_every_task_exports_from_its_own_preprocessor_and_serves_without_mmkeras": 35,
    "08_cross_modal_retrieval_and_alignment": 32,
    "test_every_task_round_trips_on_backend[torch]": 28,
    "test_docstring_examples_run[mmkeras.serving]": 15,
    "test_it_reloads_from_one_keras_file_and_exports_a_saved_model": 17,
}


def _known_seconds(item):
    return max((seconds for name, seconds in _LONG_ITEMS.items() if name in item.nodeid), default=0)


def pytest_collection_modifyitems(items):
    # A stable sort: the unit tests keep their order after the long items.
    items.sort(key=_known_seconds, reverse=True)
