"""Held-out loss of the small vision-language model at several sizes on one token budget.

Usage: python benchmarks/vlm_scaling.py [--steps 1500] [--batch-size 64] [--check-learning-rate 1e-3]
                                       [--output DIR]

Chapter 13 asks what "large" buys in a world this small. Each size of
`build_vision_language_model` (width and depth of the language model;
the image encoder is the preset's) trains from scratch on the same
instruction mixture (chapter 13's tasks: 2,000 scenes, seed 1, and 1,200
products, seed 0), in the same order, for the same number of steps, so
every size sees the same answer tokens. The held-out loss is the
answer-token cross-entropy (nats per token, padding excluded) on 400
scenes (seed 2) and 300 products (seed 1); the same loss on as many
training pairs tells how far each size has fitted the data it saw. Then
the largest size trains again at `--check-learning-rate`, to tell a
learning rate too large for it from a model too large for the data.
Chapter 13 reads the results.

Writes `vlm_scaling_<device>.json`, `.md` and `.png` (loss against
parameters, log-log) to `--output` (default `benchmarks/results`).
A script, not a test.
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

from mmkeras.datasets import make_instruction_dataset
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_shop
from mmkeras.datasets import mix_instructions
from mmkeras.datasets import scene_instructions
from mmkeras.datasets import shop_instructions
from mmkeras.losses import MaskedSequenceCrossEntropy
from mmkeras.models import build_vision_language_model
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import get_preset
from mmkeras.training import detect_device

from _training_bench import write_results

# (hidden_dim, num_layers); heads of width 16, feed-forward twice the width.
SIZES = ((16, 1), (32, 1), (64, 2), (128, 3))
# (scene seed, product seed, scenes, products) of the training and held-out instructions.
TRAIN_DATA = (1, 0, 2000, 1200)
HELD_OUT_DATA = (2, 1, 400, 300)


def instruction_data(seed_scenes, seed_shop, num_scenes, num_products):
    config = get_preset("world_vlm")["backbone"]
    return mix_instructions(
        scene_instructions(make_scenes(num_scenes, seed=seed_scenes, image_size=config["image_size"]), seed=seed_scenes),
        shop_instructions(make_shop(num_products, seed=seed_shop, image_size=config["image_size"]), seed=seed_shop),
    )


def train_one_size(hidden_dim, num_layers, train, held_out, tokenizer, steps, batch_size, learning_rate=3e-3):
    """Train one size for `steps` steps; returns (parameters, held-out loss, training loss, seconds).

    The training loss is measured after training, on as many pairs of
    `train` as `held_out` has, drawn once with seed 0."""
    config = dict(get_preset("world_vlm")["backbone"])
    config.update(hidden_dim=hidden_dim, num_layers=num_layers, num_heads=max(1, hidden_dim // 16),
                  intermediate_dim=2 * hidden_dim)
    keras.utils.set_random_seed(0)
    model = build_vision_language_model(vocabulary_size=tokenizer.vocabulary_size, **config)
    lengths = (config["prompt_length"], config["answer_length"])
    data = make_instruction_dataset(train, tokenizer, *lengths, batch_size=batch_size, seed=0).repeat().take(steps)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    model.compile(keras.optimizers.Adam(schedule), MaskedSequenceCrossEntropy())
    start = time.perf_counter()
    model.fit(data, verbose=0)
    seconds = time.perf_counter() - start

    def loss_on(pairs):
        return float(model.evaluate(make_instruction_dataset(pairs, tokenizer, *lengths, batch_size=256,
                                                             shuffle=False), verbose=0))

    seen = train[np.random.default_rng(0).choice(len(train), len(held_out), replace=False)]
    return model.count_params(), loss_on(held_out), loss_on(seen), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="every size's peak learning rate")
    parser.add_argument("--check-learning-rate", type=float, default=1e-3,
                        help="the largest size trains again at this peak learning rate")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    device = detect_device()
    train = instruction_data(*TRAIN_DATA)
    held_out = instruction_data(*HELD_OUT_DATA)
    tokenizer = WordTokenizer.from_corpus(train.prompts + train.answers)
    rows = []
    for hidden_dim, num_layers in SIZES:
        parameters, loss, training_loss, seconds = train_one_size(
            hidden_dim, num_layers, train, held_out, tokenizer, args.steps, args.batch_size, args.learning_rate)
        rows.append({"hidden_dim": hidden_dim, "num_layers": num_layers, "parameters": parameters,
                     "learning_rate": args.learning_rate, "held_out_loss": round(loss, 4),
                     "training_loss": round(training_loss, 4), "seconds": round(seconds, 1)})
        print(rows[-1], flush=True)
    hidden_dim, num_layers = SIZES[-1]
    parameters, loss, training_loss, seconds = train_one_size(
        hidden_dim, num_layers, train, held_out, tokenizer, args.steps, args.batch_size, args.check_learning_rate)
    check = {"hidden_dim": hidden_dim, "num_layers": num_layers, "parameters": parameters,
             "learning_rate": args.check_learning_rate, "held_out_loss": round(loss, 4),
             "training_loss": round(training_loss, 4), "seconds": round(seconds, 1)}
    print(check, flush=True)
    stem = os.path.join(args.output, f"vlm_scaling_{device.lower()}")
    record = {"device": device, "steps": args.steps, "batch_size": args.batch_size, "sizes": rows,
              "learning_rate_check": check, "train_pairs": len(train), "held_out_pairs": len(held_out)}
    with open(stem + ".json", "w") as f:
        json.dump(record, f, indent=1)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.loglog([r["parameters"] for r in rows], [r["held_out_loss"] for r in rows], "o-")
    for r in rows:
        ax.annotate(f"{r['hidden_dim']}x{r['num_layers']}", (r["parameters"], r["held_out_loss"]),
                    textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("parameters")
    ax.set_ylabel("held-out loss (nats per answer token)")
    ax.set_title(f"One token budget ({args.steps} steps of {args.batch_size})")
    fig.tight_layout()
    fig.savefig(stem + ".png", dpi=120)
    lines = ["| width x blocks | parameters | peak learning rate | held-out loss | loss on training pairs | "
             "training (s) |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['hidden_dim']} x {r['num_layers']} | {r['parameters']:,} | {r['learning_rate']:g} | "
              f"{r['held_out_loss']:.3f} | {r['training_loss']:.3f} | {r['seconds']:.0f} |" for r in rows + [check]]
    print(write_results(stem + ".md", "Vision-language model: held-out loss against size, one token budget",
                        " ".join(["python"] + sys.argv), device,
                        f"{len(train):,} training pairs, {len(held_out):,} held-out pairs; every size trains "
                        f"{args.steps} steps of {args.batch_size} in the same order (cosine schedule from the peak "
                        f"learning rate); the last row trains the largest size again at another. The loss on "
                        f"training pairs is on {len(held_out):,} of them, drawn once.",
                        lines))


if __name__ == "__main__":
    main()
