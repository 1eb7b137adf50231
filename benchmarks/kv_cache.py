"""Key/value cache against recomputation: generating with a Transformer language model.

Usage: python benchmarks/kv_cache.py [--batch-size 16] [--prefix 28] [--lengths 8 16 32 64] [--repeats 5] [--output DIR]

A `TransformerLanguageModel` of the size of the small vision-language
model's (width 128, 4 blocks, 4 heads, vocabulary 256) generates
`--lengths` tokens after a prefix of `--prefix` vectors (image tokens and
a prompt), greedily, inside one compiled loop (`tf.function` on
TensorFlow, `jax.jit` on JAX; PyTorch runs it eagerly), two ways:

- with the key/value cache (`language_model_step(..., use_cache=True)`):
  the prefix runs once, each step runs one position against the cache;
- recomputing (`use_cache=False`): each step runs the model over the whole
  fixed-shape sequence, prefix and every token so far.

On TensorFlow both are timed with and without XLA (median of `--repeats` runs after a
warm-up run that absorbs tracing and compilation), the generated tokens
are checked to be identical, and the table gives generated tokens per
second and the cache's speed-up. Weights are untrained: speed does not
depend on them. Writes `kv_cache_<device>.md` and `kv_cache_<device>.json`
(`kv_cache_<device>_<backend>` on JAX and PyTorch, chosen by
`KERAS_BACKEND`) to `--output` (default `benchmarks/results`). A script,
not a test.
"""

import argparse
import json
import os
import sys

import keras
import numpy as np

from mmkeras.generation import greedy_search
from mmkeras.generation import language_model_step
from mmkeras.layers import TransformerLanguageModel
from mmkeras.training import detect_device

from _training_bench import median_seconds
from _training_bench import write_results

VOCABULARY_SIZE, START = 256, 1


def compiled(function, jit_compile):
    """One compiled loop: `tf.function` (with or without XLA) on TensorFlow, `jax.jit` (XLA) on JAX.

    PyTorch runs the loop eagerly, op by op: `torch.compile` does not compile
    `keras.ops.fori_loop`'s Python loop into one graph.
    """
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function, jit_compile=jit_compile)
    if backend == "jax" and jit_compile:
        import jax

        return jax.jit(function)
    return function


def generator(model, prefix, length, use_cache, jit_compile):
    def generate(prefix):
        step_fn, state = language_model_step(model, prefix, length, prefix_length=prefix.shape[1], use_cache=use_cache)
        # An end id outside the vocabulary: every sequence runs all steps.
        return greedy_search(step_fn, state, START, VOCABULARY_SIZE, length).tokens

    generate = compiled(generate, jit_compile)
    return lambda: keras.ops.convert_to_numpy(generate(prefix))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--prefix", type=int, default=28)
    parser.add_argument("--lengths", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    model = TransformerLanguageModel(
        VOCABULARY_SIZE, args.prefix + max(args.lengths), hidden_dim=128, num_layers=4, num_heads=4,
        intermediate_dim=256,
    )
    prefix = keras.ops.convert_to_tensor(
        np.random.default_rng(0).normal(size=(args.batch_size, args.prefix, 128)).astype("float32"))
    # Build the weights outside any compiled function: JAX cannot let variables created inside `jax.jit` escape.
    generator(model, prefix, min(args.lengths), True, False)()
    device = detect_device()
    rows = []
    for length in args.lengths:
        # Eager JAX and PyTorch have no graph to compile with or without XLA.
        for jit_compile in (False, True) if keras.config.backend() == "tensorflow" else (keras.config.backend() == "jax",):
            runs = {cache: generator(model, prefix, length, cache, jit_compile) for cache in (True, False)}
            if not np.array_equal(runs[True](), runs[False]()):
                raise AssertionError(f"cached and recomputed decoding disagree at {length} tokens")
            seconds = {cache: median_seconds(run, args.repeats) for cache, run in runs.items()}
            tokens = args.batch_size * length
            rows.append({
                "generated_tokens": length, "xla": jit_compile,
                "cached_tokens_per_second": tokens / seconds[True],
                "recomputed_tokens_per_second": tokens / seconds[False],
                "speedup": seconds[False] / seconds[True],
            })
            print(rows[-1], flush=True)
    table = ["| generated tokens | XLA | with cache (tokens/s) | recomputing (tokens/s) | cache speed-up |",
             "|---:|---|---:|---:|---:|"]
    for row in rows:
        table.append(f"| {row['generated_tokens']} | {'on' if row['xla'] else 'off'} | "
                     f"{row['cached_tokens_per_second']:,.0f} | {row['recomputed_tokens_per_second']:,.0f} | "
                     f"{row['speedup']:.1f}x |")
    notes = (f"TransformerLanguageModel (width 128, 4 blocks, 4 heads, vocabulary {VOCABULARY_SIZE}), "
             f"untrained; batch {args.batch_size}, a prefix of {args.prefix} vectors, greedy decoding in one "
             f"compiled loop; median of {args.repeats} runs after a warm-up run. Cached and recomputed "
             "decoding produced identical tokens in every row.")
    command = " ".join(["python"] + sys.argv)
    name = f"kv_cache_{device}" + ("" if keras.config.backend() == "tensorflow" else f"_{keras.config.backend()}")
    text = write_results(os.path.join(args.output, f"{name}.md"), f"benchmarks/kv_cache.py on {device}",
                         command, device, notes, table)
    with open(os.path.join(args.output, f"{name}.json"), "w") as f:
        json.dump({"command": command, "backend": keras.config.backend(), "batch_size": args.batch_size, "prefix": args.prefix, "rows": rows}, f,
                  indent=1)
    print(text)


if __name__ == "__main__":
    main()
