"""The specialist models of chapters 05, 06 and 07 on their held-out sets, for chapter 13's table.

Usage: python benchmarks/specialists.py [--output DIR]

Chapter 13's vision-language model answers visual questions, classifies
products and writes captions with one set of weights. Its table compares
it with the model each earlier chapter trained for one of those tasks.
Training the three again inside chapter 13 would cost about ten minutes
of the book's CPU budget, so this script trains them once, with the
chapters' own data, seeds, presets and epochs:

- chapter 05: `VisualQuestionAnswerer.from_preset("world_vqa")` on 4,000
  scenes (seed 1), cosine schedule, held-out accuracy on 600 scenes
  (seed 2);
- chapter 06: `ProductClassifier.from_preset("world_product_classifier")`
  on 2,400 products (seed 0), held-out accuracy and macro F1 on 600
  products (seed 1);
- chapter 07: `Captioner.from_preset("world_captioner")` on 2,000 scenes
  (seed 8), greedy held-out BLEU-4 on 300 scenes (seed 9).

Each chapter asserts its own figure too (>= 0.85, >= 0.9, >= 0.5); this
file is what chapter 13 reads. Writes `specialists_<device>.json` and
`.md` to `--output` (default `benchmarks/results`). A script, not a test.
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

from mmkeras.datasets import ANSWERS
from mmkeras.datasets import CATEGORIES
from mmkeras.datasets import all_texts
from mmkeras.datasets import make_scene_dataset
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_shop
from mmkeras.datasets import make_shop_dataset
from mmkeras.metrics import accuracy_by_group
from mmkeras.metrics import classification_report
from mmkeras.metrics import corpus_bleu
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import Captioner
from mmkeras.tasks import ProductClassifier
from mmkeras.tasks import VisualQuestionAnswerer
from mmkeras.tasks import get_preset
from mmkeras.training import compile_model
from mmkeras.training import detect_device

from _training_bench import write_results


def vqa_specialist():
    """Chapter 05's question-attention model: held-out accuracy, overall and per question type."""
    keras.utils.set_random_seed(0)
    preset = get_preset("world_vqa")
    training = preset["training"]
    train_scenes = make_scenes(4000, seed=1, image_size=preset["backbone"]["image_size"])
    test_scenes = make_scenes(600, seed=2, image_size=preset["backbone"]["image_size"])
    tokenizer = WordTokenizer.from_corpus(all_texts(train_scenes))
    train_ds = make_scene_dataset(train_scenes, None, batch_size=training["batch_size"], seed=0)
    test_ds = make_scene_dataset(test_scenes, None, batch_size=256, shuffle=False)
    model = VisualQuestionAnswerer.from_preset("world_vqa", vocabulary=tokenizer, labels=ANSWERS, compile=False)
    schedule = keras.optimizers.schedules.CosineDecay(
        training["learning_rate"], training["epochs"] * int(train_ds.cardinality())
    )
    compile_model(model, optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    model.fit(train_ds, epochs=training["epochs"], verbose=0)
    table = test_scenes.qa_table()
    predictions = model.predict(test_ds, verbose=0).argmax(-1)
    return accuracy_by_group(table["answer_id"], predictions, table["type"])


def product_specialist():
    """Chapter 06's fusion classifier: held-out accuracy and macro F1 over the nine categories."""
    keras.utils.set_random_seed(0)
    preset = get_preset("world_product_classifier")
    train, test = make_shop(2400, seed=0), make_shop(600, seed=1)
    train_ds = make_shop_dataset(train, None, batch_size=preset["training"]["batch_size"], seed=0)
    model = ProductClassifier.from_preset(
        "world_product_classifier", vocabulary=WordTokenizer.from_corpus(train.texts), labels=CATEGORIES
    )
    model.fit(train_ds, epochs=preset["training"]["epochs"], verbose=0)
    predicted = model.classify(test.images, test.texts)
    predictions = np.array([CATEGORIES.index(category) for category in predicted])
    report = classification_report(test.categories, predictions, len(CATEGORIES))
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}


def caption_specialist():
    """Chapter 07's attention captioner: greedy held-out BLEU-1..4."""
    keras.utils.set_random_seed(7)
    preset = get_preset("world_captioner")
    training = preset["training"]
    train_scenes = make_scenes(2000, seed=8, image_size=preset["backbone"]["image_size"])
    test_scenes = make_scenes(300, seed=9, image_size=preset["backbone"]["image_size"])
    tokenizer = WordTokenizer.from_corpus(all_texts(train_scenes))
    train_ds = make_scene_dataset(train_scenes, None, task="caption", batch_size=training["batch_size"], seed=7)
    captioner = Captioner.from_preset("world_captioner", vocabulary=tokenizer)
    captioner.fit(train_ds.cache(), epochs=training["epochs"], verbose=0)
    hypotheses = [caption.split() for caption in captioner.generate(test_scenes.images)]
    references = [[caption.split() for caption in captions] for captions in test_scenes.captions]
    return {f"bleu{n}": corpus_bleu(references, hypotheses, max_order=n) for n in (1, 2, 3, 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    device = detect_device()
    results, seconds = {}, {}
    for name, run in (("vqa", vqa_specialist), ("products", product_specialist), ("captions", caption_specialist)):
        start = time.perf_counter()
        results[name] = {key: round(float(value), 4) for key, value in run().items()}
        seconds[name] = round(time.perf_counter() - start, 1)
        print(name, results[name], f"{seconds[name]} s", flush=True)
    stem = os.path.join(args.output, f"specialists_{device.lower()}")
    with open(stem + ".json", "w") as f:
        json.dump({"device": device, "results": results, "seconds": seconds}, f, indent=1)
    lines = [
        "| task | chapter | model | held-out figure | training + evaluation (s) |",
        "|---|---|---|---|---|",
        f"| visual questions | 05 | question attention | accuracy {results['vqa']['overall']:.3f} | {seconds['vqa']:.0f} |",
        f"| product categories | 06 | fusion classifier | accuracy {results['products']['accuracy']:.3f}, "
        f"macro F1 {results['products']['macro_f1']:.3f} | {seconds['products']:.0f} |",
        f"| captions | 07 | attention LSTM | greedy BLEU-4 {results['captions']['bleu4']:.3f} | {seconds['captions']:.0f} |",
    ]
    print(write_results(stem + ".md", "Specialist models on their chapters' held-out sets", " ".join(["python"] + sys.argv),
                        device, "The chapters' own presets, data and seeds; chapter 13 compares its one model with these.",
                        lines))


if __name__ == "__main__":
    main()
