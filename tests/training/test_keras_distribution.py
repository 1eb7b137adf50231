import os
import subprocess
import sys

import keras
import pytest

from mmkeras.training import make_data_parallel
from mmkeras.training import split_jax_cpu

# The JAX data-parallel run itself (two host devices against one, the same
# weights after training) is in tests/training/test_replicas.py, which
# trains the dual encoder both ways in one JAX process.


def test_keras_distribution_helpers_name_the_backend_they_need():
    assert keras.config.backend() == "tensorflow"
    with pytest.raises(RuntimeError, match="backend='tensorflow'.*make_strategy"):
        make_data_parallel()
    with pytest.raises(RuntimeError, match="backend='tensorflow'"):
        split_jax_cpu(2)


def run_jax(code):
    environment = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2")
    environment.pop("XLA_FLAGS", None)
    process = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr[-3000:]
    return process.stdout.strip().splitlines()


def test_split_cpu_under_jax_makes_devices_and_refuses_a_late_change():
    lines = run_jax(
        "from mmkeras.training import make_data_parallel, split_cpu\n"
        "print(split_cpu(2))\n"
        "print(make_data_parallel().num_model_replicas, make_data_parallel(['cpu:1']).num_model_replicas)\n"
        "for call in (lambda: split_cpu(3), lambda: make_data_parallel(['gpu:0']), lambda: make_data_parallel([])):\n"
        "    try:\n"
        "        call()\n"
        "    except (RuntimeError, ValueError) as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    assert lines[0] == "['cpu:0', 'cpu:1']"
    assert lines[1] == "2 1"
    assert lines[2].startswith("RuntimeError split_cpu(3) came too late: JAX has already started its CPU backend with 2")
    assert lines[3].startswith("ValueError Unknown device(s) ['gpu:0']: this process has ['cpu:0', 'cpu:1']")
    assert lines[4].startswith("ValueError `devices` must be a non-empty list")
