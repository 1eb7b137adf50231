"""One small, briefly trained instance of every task, and its readable outputs.

`tests/tasks/test_task_saving.py` checks that this table names every task
class that `mmkeras.tasks` exports, so a new task cannot skip the tests.
"""

import numpy as np

from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import Captioner

CAPTIONS = ["一个红色的圆", "a blue square", "une étoile verte", "a red circle"]


def _images(rng, count, size):
    return rng.integers(0, 256, size=(count, size, size, 3), dtype=np.uint8)


def make_captioner(rng):
    task = Captioner.from_preset(
        "world_captioner", vocabulary=WordTokenizer.from_corpus(CAPTIONS),
        filters=(8,), feature_dim=8, embedding_dim=8, units=16,
    )
    images = _images(rng, 8, 40)
    task.fit(images, CAPTIONS * 2, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 50)}


def captioner_outputs(task, inputs):
    greedy, scores = task.generate(inputs["images"], return_scores=True)
    return {"greedy": greedy, "beam": task.generate(inputs["images"], beam_width=2), "scores": scores.tolist()}


TASK_CASES = {
    "Captioner": (make_captioner, captioner_outputs),
}


def readable_outputs(task, inputs):
    return TASK_CASES[type(task).__name__][1](task, inputs)
