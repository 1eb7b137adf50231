"""Training throughput of the book's task models in float32, mixed_bfloat16 and mixed_float16.

Usage: python benchmarks/mixed_precision.py [--steps 10] [--batch-size N]

Builds the backbones of the presets the chapters train (`world_vqa`,
`world_captioner`, `world_speech_recognizer`: their image sizes, widths and
depths) under each dtype policy (`mmkeras.training.set_precision_policy`),
and times a training step on one batch of the preset's size (or
`--batch-size`): the median after warm-up steps, with `compile_model`'s XLA
choice for the device. Prints a markdown table of samples/s and each mixed
policy's speed-up over float32. A script, not a test: timings depend on the
machine.
"""

import keras
import numpy as np

from mmkeras.datasets import ANSWERS
from mmkeras.models import build_captioner
from mmkeras.models import build_speech_recognizer
from mmkeras.models import build_vqa_model
from mmkeras.tasks import get_preset
from mmkeras.training import compile_model
from mmkeras.training import measure_step_time
from mmkeras.training import set_precision_policy

from _training_bench import parse_arguments
from _training_bench import print_header

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
VOCAB_SIZE = 60
FRAMES = 120


def vqa(rng, batch_size):
    config = get_preset("world_vqa")["backbone"]
    model = build_vqa_model(VOCAB_SIZE, len(ANSWERS), **config)
    size, length = config["image_size"], config["question_length"]
    inputs = {"image": rng.random((batch_size, size, size, 3), dtype=np.float32),
              "question": rng.integers(1, VOCAB_SIZE, (batch_size, length)).astype("int32")}
    return model, inputs, rng.integers(0, len(ANSWERS), batch_size), "sparse_categorical_crossentropy"


def captioner(rng, batch_size):
    config = get_preset("world_captioner")["backbone"]
    model = build_captioner(VOCAB_SIZE, **config)
    size, length = config["image_size"], config["sequence_length"]
    tokens = rng.integers(1, VOCAB_SIZE, (batch_size, length)).astype("int32")
    inputs = {"image": rng.random((batch_size, size, size, 3), dtype=np.float32), "tokens": tokens}
    return model, inputs, tokens, keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def speech(rng, batch_size):
    config = get_preset("world_speech_recognizer")["backbone"]
    model = build_speech_recognizer(29, **config)
    features = rng.normal(size=(batch_size, FRAMES, config["num_features"])).astype("float32")
    return model, features, rng.integers(1, 28, (batch_size, 12)).astype("int32"), keras.losses.CTC()


MODELS = (("VQA, preset world_vqa", "world_vqa", vqa), ("captioner, preset world_captioner", "world_captioner", captioner),
          ("speech recogniser, preset world_speech_recognizer", "world_speech_recognizer", speech))


def samples_per_second(task, policy, steps, batch_size, device):
    previous = keras.config.dtype_policy()
    set_precision_policy(policy, device=device, verbose=False)
    try:
        keras.utils.set_random_seed(0)
        model, inputs, targets, loss = task(np.random.default_rng(0), batch_size)
        compile_model(model, device=device, verbose=False, optimizer="adam", loss=loss)
        return batch_size / measure_step_time(model, inputs, targets, steps=steps, warmup=3)
    finally:
        keras.config.set_dtype_policy(previous)


def main():
    args, device = parse_arguments(__doc__, default_steps=10, default_batch_size=None)
    print_header(args, device, "median of {steps} timed steps, XLA as compile_model chooses")
    print("| model | batch | " + " | ".join(POLICIES) + " | bfloat16 speed-up | float16 speed-up |")
    print("|---|---:|" + "---:|" * (len(POLICIES) + 2))
    for label, preset, task in MODELS:
        batch_size = args.batch_size or get_preset(preset)["training"]["batch_size"]
        rates = [samples_per_second(task, policy, args.steps, batch_size, device) for policy in POLICIES]
        cells = " | ".join(f"{rate:,.0f} samples/s" for rate in rates)
        print(f"| {label} | {batch_size} | {cells} | {rates[1] / rates[0]:.2f}x | {rates[2] / rates[0]:.2f}x |")


if __name__ == "__main__":
    main()
