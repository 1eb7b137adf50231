"""Run in a fresh process: load a saved task and print its readable outputs as JSON.

Usage: python reload_task.py TASK.keras INPUTS.npz
"""

import json
import sys

import keras
import numpy as np

from tests.tasks.task_cases import readable_outputs

if __name__ == "__main__":
    task = keras.saving.load_model(sys.argv[1], safe_mode=True)
    inputs = dict(np.load(sys.argv[2], allow_pickle=False))
    print(json.dumps(readable_outputs(task, inputs)))
