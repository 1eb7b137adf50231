"""Training throughput of task models in float32, mixed_bfloat16 and mixed_float16.

Usage: python benchmarks/mixed_precision.py [--steps 10] [--batch-size 64]

Builds chapter 05's question-attention VQA model (48-pixel scenes, strided),
chapter 07's captioner and chapter 09's speech recogniser under each dtype
policy (`mmkeras.training.set_precision_policy`), and times a training step:
the median after warm-up steps, with `compile_model`'s XLA choice for the
device. Prints a markdown table of samples/s and each mixed policy's speed-up
over float32. A script, not a test: timings depend on the machine.
"""

import keras
import numpy as np

from mmkeras.datasets import ANSWERS
from mmkeras.models import build_captioner
from mmkeras.models import build_speech_recognizer
from mmkeras.models import build_vqa_model
from mmkeras.training import compile_model
from mmkeras.training import measure_step_time
from mmkeras.training import set_precision_policy

from _training_bench import parse_arguments
from _training_bench import print_header

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
VOCAB_SIZE = 60
TEXT_LENGTH = 14
FRAMES = 120


def vqa(rng, batch_size):
    model = build_vqa_model(VOCAB_SIZE, len(ANSWERS), image_size=48, question_length=TEXT_LENGTH,
                            fusion="question_attention", hidden_units=256, downsampling="strided")
    inputs = {"image": rng.random((batch_size, 48, 48, 3), dtype=np.float32),
              "question": rng.integers(1, VOCAB_SIZE, (batch_size, TEXT_LENGTH)).astype("int32")}
    return model, inputs, rng.integers(0, len(ANSWERS), batch_size), "sparse_categorical_crossentropy"


def captioner(rng, batch_size):
    model = build_captioner(VOCAB_SIZE, image_size=64, sequence_length=TEXT_LENGTH, downsampling="strided")
    tokens = rng.integers(1, VOCAB_SIZE, (batch_size, TEXT_LENGTH)).astype("int32")
    inputs = {"image": rng.random((batch_size, 64, 64, 3), dtype=np.float32), "tokens": tokens}
    return model, inputs, tokens, keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def speech(rng, batch_size):
    model = build_speech_recognizer(29)
    features = rng.normal(size=(batch_size, FRAMES, 40)).astype("float32")
    return model, features, rng.integers(1, 28, (batch_size, 12)).astype("int32"), keras.losses.CTC()


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
    args, device = parse_arguments(__doc__, default_steps=10)
    print_header(args, device, "median of {steps} timed steps, XLA as compile_model chooses")
    print("| model | " + " | ".join(POLICIES) + " | bfloat16 speed-up | float16 speed-up |")
    print("|---|" + "---:|" * (len(POLICIES) + 2))
    for label, task in (("VQA question attention, 48 px", vqa), ("captioner, 64 px", captioner),
                        ("speech recogniser", speech)):
        rates = [samples_per_second(task, policy, args.steps, args.batch_size, device) for policy in POLICIES]
        cells = " | ".join(f"{rate:,.0f} samples/s" for rate in rates)
        print(f"| {label} | {cells} | {rates[1] / rates[0]:.2f}x | {rates[2] / rates[0]:.2f}x |")


if __name__ == "__main__":
    main()
