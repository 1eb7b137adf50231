import inspect
import json
import pathlib
import subprocess
import sys

import numpy as np
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


def test_each_task_is_one_keras_file_that_reloads_in_a_fresh_process_with_identical_outputs(rng, tmp_path):
    # One fresh process reloads every task: starting TensorFlow once per
    # task would cost more than the tasks themselves.
    expected = {}
    for name, (make, _) in sorted(TASK_CASES.items()):
        task, inputs = make(rng)
        expected[name] = readable_outputs(task, inputs)
        folder = tmp_path / name
        folder.mkdir()
        task.save(folder / "task.keras")
        np.savez(folder / "inputs.npz", **inputs)
        assert sorted(p.name for p in folder.iterdir()) == ["inputs.npz", "task.keras"]
    process = subprocess.run(
        [sys.executable, "-m", "tests.tasks.reload_task", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    reloaded = json.loads(process.stdout.strip().splitlines()[-1])
    expected = json.loads(json.dumps(expected))
    assert sorted(reloaded) == sorted(expected)
    differing = [name for name in expected if reloaded[name] != expected[name]]
    assert not differing, {name: (expected[name], reloaded[name]) for name in differing}
