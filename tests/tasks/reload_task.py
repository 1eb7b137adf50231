"""Run in a fresh process: load every saved task in a folder and print their readable outputs as JSON.

Usage: python -m tests.tasks.reload_task FOLDER

FOLDER holds one sub-folder per task with `task.keras` and `inputs.npz`.
"""

import json
import pathlib
import sys

import keras
import numpy as np

from tests.graph_settings import use_test_graph_settings
from tests.tasks.task_cases import readable_outputs

if __name__ == "__main__":
    use_test_graph_settings()  # as in the test process that saved the tasks and read their outputs
    outputs = {}
    for folder in sorted(pathlib.Path(sys.argv[1]).iterdir()):
        task = keras.saving.load_model(folder / "task.keras", safe_mode=True)
        inputs = dict(np.load(folder / "inputs.npz", allow_pickle=False))
        outputs[folder.name] = readable_outputs(task, inputs)
    print(json.dumps(outputs))
