"""Training throughput of `ImageEncoder` with max-pool and with strided downsampling.

Usage: python benchmarks/image_encoder_downsampling.py [--steps 20] [--batch-size 64]

Times a training step (the median after warm-up steps) of chapter 05's
question-attention VQA model and of its image encoder alone (a three-block
region grid with a small classifier on top), at 48 and 64 pixels, with
`downsampling="max_pool"` (stride-1 convolution, then a 2x2 max-pool) and
`"strided"` (stride-2 convolution). Prints a markdown table of samples/s.
A script, not a test: timings depend on the machine.
"""

import keras
import numpy as np

from mmkeras.datasets import ANSWERS
from mmkeras.layers import ImageEncoder
from mmkeras.models import build_vqa_model
from mmkeras.training import compile_model
from mmkeras.training import measure_step_time

from _training_bench import parse_arguments
from _training_bench import print_header

QUESTION_LENGTH = 14
VOCAB_SIZE = 60


def encoder_alone(image_size, downsampling):
    images = keras.Input((image_size, image_size, 3))
    regions = ImageEncoder((16, 32, 64), output="grid", output_dim=128, downsampling=downsampling)(images)
    pooled = keras.layers.GlobalAveragePooling1D()(regions)
    return keras.Model(images, keras.layers.Dense(len(ANSWERS), activation="softmax")(pooled))


def question_attention_model(image_size, downsampling):
    return build_vqa_model(VOCAB_SIZE, len(ANSWERS), image_size=image_size, question_length=QUESTION_LENGTH,
                           fusion="question_attention", hidden_units=256, downsampling=downsampling)


def samples_per_second(build, image_size, downsampling, steps, batch_size, device):
    keras.utils.set_random_seed(0)
    model = build(image_size, downsampling)
    compile_model(model, device=device, verbose=False, optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    images = rng.random((batch_size, image_size, image_size, 3), dtype=np.float32)
    questions = rng.integers(1, VOCAB_SIZE, (batch_size, QUESTION_LENGTH)).astype("int32")
    inputs = images if build is encoder_alone else {"image": images, "question": questions}
    answers = rng.integers(0, len(ANSWERS), batch_size)
    return batch_size / measure_step_time(model, inputs, answers, steps=steps, warmup=3)


def main():
    args, device = parse_arguments(__doc__, default_steps=20)
    print_header(args, device, "median of {steps} timed steps")
    print("| model | image size | max_pool | strided | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for label, build in (("image encoder alone", encoder_alone), ("VQA question attention", question_attention_model)):
        for image_size in (48, 64):
            pooled, strided = (
                samples_per_second(build, image_size, downsampling, args.steps, args.batch_size, device)
                for downsampling in ("max_pool", "strided")
            )
            print(f"| {label} | {image_size} | {pooled:,.0f} samples/s | {strided:,.0f} samples/s | "
                  f"{strided / pooled:.2f}x |")


if __name__ == "__main__":
    main()
