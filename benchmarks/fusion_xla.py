"""Training throughput of the product classifier for every fusion, XLA on and off.

Usage: python benchmarks/fusion_xla.py [--steps 20] [--batch-size 64]

Same encoders for every fusion (as in chapter 04), so the differences are
the fusion's cost. Prints a markdown table of samples/s: the median step
time after warm-up steps that absorb tracing and XLA compilation. On a GPU
the LSTM runs without cuDNN in both columns, so XLA can compile it. A
script, not a test: timings depend on the machine.
"""

import keras
import numpy as np

from mmkeras.models import FUSION_CHOICES
from mmkeras.models import build_product_classifier
from mmkeras.training import compile_model
from mmkeras.training import measure_step_time

from _training_bench import parse_arguments
from _training_bench import print_header


def samples_per_second(fusion, jit_compile, steps, batch_size, device):
    keras.utils.set_random_seed(0)
    model = build_product_classifier(vocab_size=120, num_classes=9, fusion=fusion,
                                     use_cudnn=False if device == "gpu" else "auto")
    compile_model(model, jit_compile=jit_compile, device=device, verbose=False,
                  optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = {
        "image": rng.random((batch_size, 32, 32, 3), dtype=np.float32),
        "text": rng.integers(1, 120, (batch_size, 24)).astype("int32"),
    }
    y = rng.integers(0, 9, batch_size)
    return batch_size / measure_step_time(model, x, y, steps=steps, warmup=3)


def main():
    args, device = parse_arguments(__doc__, default_steps=20)
    print_header(args, device, "median of {steps} steps")
    print("| fusion | XLA off | XLA on | XLA speed-up |")
    print("|---|---:|---:|---:|")
    for fusion in FUSION_CHOICES:
        off, on = (samples_per_second(fusion, jit, args.steps, args.batch_size, device) for jit in (False, True))
        print(f"| {fusion} | {off:,.0f} samples/s | {on:,.0f} samples/s | {on / off:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
