"""Every task trains, saves, reloads with safe_mode=True and answers the same on JAX and PyTorch.

Keras picks its backend when it is imported, so each backend runs
`tests/tasks/backend_round_trip.py` in its own process. The preprocessing
still runs in tf.data (TensorFlow is a dependency whatever the backend);
`ConditionalGAN`'s training step is TensorFlow's, so on the other backends
its `fit` must refuse with a clear error while loading and drawing work.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from tests.tasks.task_cases import TASK_CASES

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_task_round_trips_on_backend(backend, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend == "jax":
        # Compiling is most of the time of one epoch on a few examples; see tests/test_backends.py.
        env["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_backend_optimization_level=0".strip()
    run = subprocess.run([sys.executable, "-m", "tests.tasks.backend_round_trip", str(tmp_path)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    report = run.stdout[-4000:] + run.stderr[-3000:]
    assert run.returncode == 0, report
    lines = run.stdout.strip().splitlines()
    assert lines[-2] == f"keras backend: {backend}", report
    results = json.loads(lines[-1])
    assert sorted(results) == sorted(TASK_CASES)
    failed = {name: result for name, result in results.items() if not result.get("same")}
    assert not failed, failed
    # mmkeras compiles the training step where the backend needs it: JAX dispatches op by op without jax.jit.
    compiled = {name for name, result in results.items() if result["compiled"]}
    assert compiled == (set(TASK_CASES) if backend == "jax" else set()), compiled
    refused = results["ConditionalGAN"]["fit_refused"]
    assert refused and f"needs the TensorFlow backend; this is '{backend}'" in refused
