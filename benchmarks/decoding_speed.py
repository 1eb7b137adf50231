"""Caption decoding speed: one compiled batched loop against Python loops.

Usage: python benchmarks/decoding_speed.py [--batch-size 64] [--max-length 16] [--repeats 5] [--output DIR]

Decodes a batch of images with the chapter 07 captioner four ways and
prints tokens/s (batch x max_length generated positions per second, the
median of `--repeats` runs after a warm-up run that absorbs tracing and
compilation):

- compiled greedy and beam search (`generate_captions` inside one
  `tf.function`, with and without XLA): one graph, no Python per token;
- a per-token Python loop over the decoder's `step` (eager, batched);
- a per-token Python loop over the whole model, re-running it on the
  growing prefix each step, as one would decode with `model(...)` alone.

Every method runs all `max_length` steps (the compiled loops keep stepping
after an end token, with fixed shapes), so they do the same work. The weights are untrained: speed does not depend on
them. Writes the table to `decoding_<device>.md` and a bar chart to
`decoding_<device>.png` in `--output` (default `benchmarks/results`). A
script, not a test: timings depend on the machine.
"""

import argparse
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from mmkeras.models import build_captioner
from mmkeras.models import generate_captions
from mmkeras.training import detect_device

from _training_bench import median_seconds
from _training_bench import write_results

VOCAB_SIZE, START, END = 60, 2, 3


def compiled(captioner, images, max_length, beam_width, jit_compile):
    @tf.function(jit_compile=jit_compile)
    def generate(images):
        return generate_captions(captioner, images, START, END, max_length, beam_width=beam_width).tokens

    return lambda: generate(images).numpy()


def python_step_loop(captioner, images, max_length):
    encoder, decoder = captioner.get_layer("image_encoder"), captioner.get_layer("decoder")

    def run():
        regions = encoder(images)
        state = decoder.initial_state(regions)
        keys = decoder.attention_keys(regions)
        tokens = tf.fill((images.shape[0],), START)
        generated = []
        for _ in range(max_length):
            logits, state, _ = decoder.step(tokens, state, regions, keys=keys)
            tokens = tf.cast(tf.argmax(logits, -1), tf.int32)
            generated.append(tokens.numpy())
        return np.stack(generated, 1)

    return run


def python_model_loop(captioner, images, max_length):
    def run():
        tokens = np.zeros((images.shape[0], max_length), "int32")
        tokens[:, 0] = START
        for t in range(max_length):
            logits = captioner({"image": images, "tokens": tf.constant(tokens)}, training=False)
            chosen = np.argmax(logits[:, t].numpy(), -1)
            if t + 1 < max_length:
                tokens[:, t + 1] = chosen
        return tokens

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                         "benchmarks", "results"))
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    captioner = build_captioner(VOCAB_SIZE, image_size=32, sequence_length=args.max_length, filters=(32, 64),
                                feature_dim=128, embedding_dim=64, units=128)
    images = tf.constant(np.random.default_rng(0).random((args.batch_size, 32, 32, 3), dtype=np.float32))
    device = detect_device()
    methods = {
        "compiled greedy, XLA": compiled(captioner, images, args.max_length, 1, True),
        "compiled greedy, no XLA": compiled(captioner, images, args.max_length, 1, False),
        "compiled beam (width 3), XLA": compiled(captioner, images, args.max_length, 3, True),
        "compiled beam (width 3), no XLA": compiled(captioner, images, args.max_length, 3, False),
        "Python loop over decoder.step": python_step_loop(captioner, images, args.max_length),
        "Python loop over the whole model": python_model_loop(captioner, images, args.max_length),
    }
    seconds = {name: median_seconds(run, args.repeats) for name, run in methods.items()}
    tokens = args.batch_size * args.max_length
    table = ["| decoder | time per batch | tokens/s | vs Python loop over decoder.step | vs Python loop over the model |",
             "|---|---:|---:|---:|---:|"]
    for name, value in seconds.items():
        table.append(f"| {name} | {value * 1000:,.1f} ms | {tokens / value:,.0f} | "
                     f"{seconds['Python loop over decoder.step'] / value:.1f}x | "
                     f"{seconds['Python loop over the whole model'] / value:.1f}x |")
    notes = (f"Chapter 07's captioner (32x32 images, 8x8 regions, 128 LSTM units), untrained; batch "
             f"{args.batch_size}, {args.max_length} tokens, median of {args.repeats} runs after a warm-up run.")
    text = write_results(os.path.join(args.output, f"decoding_{device}.md"), f"benchmarks/decoding_speed.py on {device}",
                         " ".join(["python"] + sys.argv), device, notes, table)
    print(text)
    plot(seconds, tokens, os.path.join(args.output, f"decoding_{device}.png"))


def plot(seconds, tokens, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(seconds)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.barh(names, [tokens / seconds[name] for name in names], color="tab:blue")
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("generated tokens per second (log scale)")
    ax.set_title("Caption decoding: compiled loops against Python loops")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

if __name__ == "__main__":
    main()
