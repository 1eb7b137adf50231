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


# Seconds each long item took in a clean-clone run (2 workers) on 2026-12-04
# (chapters 02, 03, 04, 06, 09 and 11 re-timed on 2026-12-05 after issue 26 grew them);
# the PyTorch backend run was not among the twelve slowest items (66 s and
# more), so it is listed at that bound. The longest start first, so the
# workers finish on short unit tests together instead of one waiting while
# the other runs a late chapter.
_LONG_ITEMS = {
    "13_a_small_vision_language_model": 240,
    "14_translation": 260,
    "test_layer_tests_pass_on_backend[torch]": 66,
    "12_multimodal_transformers": 175,
    "05_visual_question_answering": 250,
    "10_text_to_image_generation": 157,
    "test_layer_tests_pass_on_backend[jax]": 192,
    "04_fusion_strategies": 120,
    "09_speech_to_text": 140,
    "07_image_captioning_with_attention": 82,
    "03_text_representations": 100,
    "15_training_at_scale_and_deployment": 105,
    "16_summary_challenges_and_faq": 65,
    "06_multimodal_product_classification": 115,
    "08_cross_modal_retrieval_and_alignment": 45,
    "02_modality_encoding": 80,
    "11_video_understanding": 50,
    "test_docstring_examples_run[mmkeras.serving]": 15,
    "test_every_task_round_trips_on_backend[jax]": 160,
    "test_every_task_round_trips_on_backend[torch]": 60,
}


def _known_seconds(item):
    return max((seconds for name, seconds in _LONG_ITEMS.items() if name in item.nodeid), default=0)


def pytest_collection_modifyitems(items):
    # A stable sort: the unit tests keep their order after the long items.
    items.sort(key=_known_seconds, reverse=True)
