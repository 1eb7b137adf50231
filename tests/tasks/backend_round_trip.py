"""Run in a fresh process under any Keras backend: every task trains, saves, reloads and answers the same.

Usage: KERAS_BACKEND=jax python -m tests.tasks.backend_round_trip FOLDER [TASK ...]

For each task of `task_cases.TASK_CASES` (or the ones named): train the
small instance for one epoch, read its outputs, save it to
`FOLDER/<task>.keras`, reload it with `safe_mode=True`, and read the outputs
again. The last line printed is JSON: per task, `{"same": bool, "compiled":
bool}` (whether its training step was compiled) or `{"error": "..."}` with
what went wrong.
"""

import json
import pathlib
import sys
import traceback

import keras
import numpy as np

from tests.tasks.task_cases import TASK_CASES
from tests.tasks.task_cases import readable_outputs


def round_trip(name, folder):
    make, _ = TASK_CASES[name]
    refused = None
    if name == "ConditionalGAN" and keras.backend.backend() != "tensorflow":
        # Its training step is TensorFlow's: fit must say so; loading and drawing must work.
        try:
            make(np.random.default_rng(1234))
        except RuntimeError as error:
            refused = str(error)
        task, inputs = make(np.random.default_rng(1234), train=False)
    else:
        task, inputs = make(np.random.default_rng(1234))
    before = json.loads(json.dumps(readable_outputs(task, inputs)))
    path = folder / f"{name}.keras"
    task.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    after = json.loads(json.dumps(readable_outputs(reloaded, inputs)))
    result = {"same": before == after, "compiled": bool(task.jit_compile)}
    if before != after:
        result.update(outputs=before, reloaded=after)
    if refused is not None or name == "ConditionalGAN":
        result["fit_refused"] = refused
    return result


if __name__ == "__main__":
    folder = pathlib.Path(sys.argv[1])
    names = sys.argv[2:] or sorted(TASK_CASES)
    results = {}
    for name in names:
        try:
            results[name] = round_trip(name, folder)
        except Exception as error:  # reported per task, so one failure does not hide the others
            results[name] = {"error": f"{type(error).__name__}: {error}"[:600],
                             "where": traceback.format_exc()[-1500:]}
    print(f"keras backend: {keras.backend.backend()}")
    print(json.dumps(results))
