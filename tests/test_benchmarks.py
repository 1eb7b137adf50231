"""The benchmark scripts' report steps (the timings themselves are machine figures, not tests)."""

import json
import pathlib
import subprocess
import sys

import matplotlib.image

from tests.scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_backends_replot_redraws_a_results_file_without_timing(tmp_path):
    rows = [
        {"run": run, "model": model, "batch": 64, "device": "cpu", "samples_per_s": rate}
        for run, model, rate in [("jax", "captioner (07)", 800.0), ("torch", "captioner (07)", 1200.0),
                                 ("jax", "translator (14)", 300.0)]
    ]
    results = tmp_path / "backends_cpu_x16.json"
    results.write_text(json.dumps({"policy": "float32", "batch_scale": 16, "runs": ["jax", "torch"], "rows": rows}))
    # In a process of its own, which must not import Keras: a GPU machine without TensorFlow redraws too.
    script = (f"import runpy, sys; sys.argv = ['backends.py', '--replot', {str(results)!r}]; "
              f"runpy.run_path({str(ROOT / 'benchmarks' / 'backends.py')!r}, run_name='__main__'); "
              "print('keras imported:', 'keras' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    plot = tmp_path / "backends_cpu_x16.png"
    assert f"redrew {plot}" in run.stdout and "keras imported: False" in run.stdout, run.stdout
    height, width, _ = matplotlib.image.imread(plot).shape
    assert width > 400 and height > 200


def test_profile_chapters_times_each_cell_and_reports_where_a_chapter_failed(tmp_path):
    import nbformat

    profile = load_script("profile_chapters")
    cells = [nbformat.v4.new_markdown_cell("# 99 · A chapter"),
             nbformat.v4.new_code_cell("import time; time.sleep(0.3)"),
             nbformat.v4.new_code_cell("raise ValueError('the bar was missed')"),
             nbformat.v4.new_code_cell("never = 1")]
    chapter = tmp_path / "99_a_chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), chapter)
    seconds, cell_seconds, failure = profile.time_chapter(chapter, timeout=60)
    assert sorted(cell_seconds) == [1, 2] and cell_seconds[1] >= 0.3 and seconds >= cell_seconds[1]
    assert failure.startswith("cell 2:") and "the bar was missed" in failure
    results = {"command": "python scripts/profile_chapters.py 99", "date": "2026-12-07", "machine": "a test",
               "tensorflow": "x", "keras": "y", "python": "z",
               "chapters": {"99_a_chapter": {"seconds": seconds, "cells": {"1": cell_seconds[1]}, "failure": failure}}}
    table = tmp_path / "chapter_times.md"
    profile.write_table(results, 3, table)
    row = next(line for line in table.read_text().splitlines() if line.startswith("| 99_a_chapter"))
    assert "failed at cell 2" in row and f"1: {cell_seconds[1]:.0f}" in row


def test_profile_chapters_refuses_an_unknown_chapter_number(capsys):
    import pytest

    with pytest.raises(SystemExit):
        load_script("profile_chapters").main(["77"])
    assert "no chapter numbered 77" in capsys.readouterr().err
