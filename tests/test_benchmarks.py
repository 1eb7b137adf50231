"""The benchmark scripts' report steps (the timings themselves are machine figures, not tests)."""

import json
import pathlib
import subprocess
import sys

import matplotlib.image

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
