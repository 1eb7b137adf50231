"""One small, briefly trained instance of every task, and its readable outputs.

`tests/tasks/test_task_saving.py` checks that this table names every task
class that `mmkeras.tasks` exports, so a new task cannot skip the tests.
"""

import numpy as np

from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import Captioner
from mmkeras.tasks import ProductClassifier
from mmkeras.tasks import VisualQuestionAnswerer

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


QUESTIONS = ["what colour is the circle?", "是什么颜色", "how many squares are there?", "is there a star?"]
ANSWERS = ["red", "blue", "two", "yes", "红色"]


def make_answerer(rng):
    task = VisualQuestionAnswerer.from_preset(
        "world_vqa", vocabulary=WordTokenizer.from_corpus(QUESTIONS), labels=ANSWERS,
        filters=(8,), width=8, hidden_units=8, embedding_dim=8,
    )
    x = {"image": _images(rng, 8, 48), "text": QUESTIONS * 2}
    task.fit(x, ANSWERS[:4] * 2, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 70), "texts": np.asarray(QUESTIONS[:3])}


def answerer_outputs(task, inputs):
    answers, confidences = task.answer(inputs["images"], list(inputs["texts"]), return_confidence=True)
    return {"answers": answers, "confidences": confidences.tolist()}


PRODUCTS = ["Green ceramic mug. Holds 300 ml", "Lampe verte, abat-jour en lin", "一个红色的杯子"]
CATEGORIES = ["kitchen", "lighting"]


def make_product_classifier(rng):
    task = ProductClassifier.from_preset(
        "world_product_classifier", vocabulary=WordTokenizer.from_corpus(PRODUCTS), labels=CATEGORIES,
        filters=(8,), width=8, hidden_units=8, embedding_dim=8,
    )
    x = {"image": _images(rng, 6, 32), "text": PRODUCTS * 2}
    task.fit(x, ["kitchen", "lighting", "kitchen"] * 2, batch_size=3, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 40), "texts": np.asarray(PRODUCTS)}


def product_outputs(task, inputs):
    categories, confidences = task.classify(inputs["images"], list(inputs["texts"]), return_confidence=True)
    return {"categories": categories, "confidences": confidences.tolist()}


TASK_CASES = {
    "Captioner": (make_captioner, captioner_outputs),
    "VisualQuestionAnswerer": (make_answerer, answerer_outputs),
    "ProductClassifier": (make_product_classifier, product_outputs),
}


def readable_outputs(task, inputs):
    return TASK_CASES[type(task).__name__][1](task, inputs)
