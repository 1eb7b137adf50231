"""`mmkeras.layers` passes its tests on Keras's JAX and PyTorch backends too.

Keras chooses its backend once, when it is imported, from `KERAS_BACKEND`.
This process runs TensorFlow, the notebooks' backend, so each other backend
gets a fresh pytest over `tests/layers`.
"""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_layer_tests_pass_on_backend(backend):
    assert importlib.util.find_spec(backend) is not None, (
        f"The {backend} backend is not installed; `pip install -e '.[test]'` installs it."
    )
    command = [sys.executable, "-m", "pytest", "tests/layers", "-p", "no:cacheprovider",
               "-o", "addopts=", "-W", "ignore::DeprecationWarning"]
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend == "jax":
        # JAX compiles every function it runs, and these tests run each one
        # once or twice on tiny inputs, so compiling is most of their time.
        # Without LLVM's optimisation passes the JAX run measured half as long
        # (the audio-encoder and decoder tests: 88 s -> 43 s), same results.
        env["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_backend_optimization_level=0".strip()
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert f"keras backend: {backend}" in run.stdout, report
    assert run.returncode == 0, report
    assert " passed" in run.stdout.splitlines()[-1] and "failed" not in run.stdout.splitlines()[-1], report
