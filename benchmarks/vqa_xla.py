"""Training throughput of the VQA models with XLA on and off, in one run.

Usage: python benchmarks/vqa_xla.py [--steps 30] [--batch-size 64]

Prints a markdown table of samples/s (after a warm-up that absorbs tracing
and XLA compilation). On a GPU it also times the question LSTM with its
cuDNN kernel and no XLA, the configuration Keras's jit_compile="auto"
silently falls back to. A script, not a test: timings depend on the machine.
"""

import time

import keras
import numpy as np

from mmkeras.datasets import ANSWERS
from mmkeras.models import build_vqa_model
from mmkeras.training import compile_model

from _training_bench import parse_arguments
from _training_bench import print_header


def time_training(fusion, jit_compile, use_cudnn, steps, batch_size, device):
    keras.utils.set_random_seed(0)
    model = build_vqa_model(
        vocab_size=60, num_answers=len(ANSWERS), question_length=12, fusion=fusion,
        hidden_units=256 if fusion != "add" else None, use_cudnn=use_cudnn,
    )
    compile_model(
        model, jit_compile=jit_compile, device=device, verbose=False,
        optimizer="adam", loss="sparse_categorical_crossentropy",
    )
    rng = np.random.default_rng(0)
    x = {
        "image": rng.random((batch_size, 64, 64, 3), dtype=np.float32),
        "question": rng.integers(1, 60, (batch_size, 12)).astype("int32"),
    }
    y = rng.integers(0, len(ANSWERS), batch_size)
    for _ in range(3):  # warm-up: tracing and compilation
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    elapsed = time.perf_counter() - start
    return steps * batch_size / elapsed


def main():
    args, device = parse_arguments(__doc__, default_steps=30)
    configs = [("XLA off", False, "auto"), ("XLA on", True, False if device == "gpu" else "auto")]
    if device == "gpu":
        configs.insert(0, ("cuDNN LSTM, XLA off", False, True))
    print_header(args, device, "{steps} timed steps")
    print("| model | " + " | ".join(name for name, _, _ in configs) + " | XLA speed-up |")
    print("|---|" + "---:|" * (len(configs) + 1))
    for fusion in ("add", "question_attention"):
        rates = [
            time_training(fusion, jit, cudnn, args.steps, args.batch_size, device)
            for _, jit, cudnn in configs
        ]
        cells = " | ".join(f"{r:,.0f} samples/s" for r in rates)
        print(f"| vqa_{fusion} | {cells} | {rates[-1] / rates[-2]:.2f}x |")


if __name__ == "__main__":
    main()
