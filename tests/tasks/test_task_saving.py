import inspect
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import mmkeras.tasks
from mmkeras.tasks import Task
from tests.tasks.task_cases import TASK_CASES
from tests.tasks.task_cases import readable_outputs

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_exported_task_is_in_the_table():
    exported = {
        name for name, value in vars(mmkeras.tasks).items()
        # A class without a preset_task is a base to build tasks on.
        if inspect.isclass(value) and issubclass(value, Task) and value.preset_task is not None
    }
    assert exported == set(TASK_CASES)


@pytest.mark.parametrize("name", sorted(TASK_CASES))
def test_one_keras_file_reloads_in_a_fresh_process_with_identical_outputs(name, rng, tmp_path):
    make, _ = TASK_CASES[name]
    task, inputs = make(rng)
    expected = readable_outputs(task, inputs)
    task.save(tmp_path / "task.keras")
    np.savez(tmp_path / "inputs.npz", **inputs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs.npz", "task.keras"]
    process = subprocess.run(
        [sys.executable, "-m", "tests.tasks.reload_task", str(tmp_path / "task.keras"), str(tmp_path / "inputs.npz")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    reloaded = json.loads(process.stdout.strip().splitlines()[-1])
    assert reloaded == json.loads(json.dumps(expected))
