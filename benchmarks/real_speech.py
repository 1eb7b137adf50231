"""Chapter 09's speech recogniser on real voices: FSDD, one speaker held out at a time.

Usage: python benchmarks/real_speech.py --fsdd PATH [--preset fsdd_speech_recognizer] [--epochs N]
                                        [--held-out george,jackson] [--with-espeak] [--output DIR]

The book's recogniser was trained and judged on espeak-ng voices only.
This script measures it on people: the Free Spoken Digit Dataset (FSDD,
CC BY-SA 4.0, not part of this project; download it and pass its folder),
recordings of the ten digits by several speakers at 8 kHz. For each
held-out speaker it trains `SpeechRecognizer.from_preset(preset)` from
scratch on every other speaker's recordings (chapter 09's features,
SpecAugment and model; the preset's learning rate and epochs unless
`--epochs` is given) and transcribes the held-out speaker's recordings
greedily. `--preset world_speech_recognizer` is chapter 09's own training;
`fsdd_speech_recognizer` (the default) is what real recordings need:

- exact: the share of recordings transcribed as exactly the digit's word;
- training exact: the same on every tenth training recording (does the
  model fit the voices it learned from?);
- CER and WER over the held-out speaker's recordings;
- the training time.

`--with-espeak` adds the bundled espeak-ng recordings of the ten digits
(`data/speech`, every voice) to each training set.

Writes `real_speech_<preset>[_espeak]_<device>.json` and `.md` to
`--output` (default `benchmarks/results`). A script, not a test: the data is not in the
repository.
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

from mmkeras.datasets import CHARACTERS
from mmkeras.datasets import DIGIT_WORDS
from mmkeras.datasets import SpeechRecords
from mmkeras.datasets import load_fsdd
from mmkeras.datasets import load_speech
from mmkeras.metrics import character_error_rate
from mmkeras.metrics import word_error_rate
from mmkeras.tasks import SpeechRecognizer
from mmkeras.tasks import get_preset
from mmkeras.training import detect_device

from _training_bench import write_results

BUNDLED_SPEECH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "speech")


def bundled_digits():
    """The espeak-ng recordings of the ten digit words in `data/speech`."""
    records = load_speech(BUNDLED_SPEECH)
    keep = [i for i, text in enumerate(records.texts) if text in DIGIT_WORDS]
    return SpeechRecords([records.paths[i] for i in keep], [records.texts[i] for i in keep],
                         [records.speakers[i] for i in keep], records.sample_rate)


def held_out_speaker(fsdd, speaker, speakers, preset, epochs, extra=None):
    """Train on every speaker but `speaker`; return its exact, CER, WER and the training seconds."""
    train = load_fsdd(fsdd, speakers=[s for s in speakers if s != speaker])
    test = load_fsdd(fsdd, speakers=[speaker])
    paths, texts = list(train.paths), list(train.texts)
    if extra is not None:
        if extra.sample_rate != train.sample_rate:
            raise ValueError(f"The extra recordings are at {extra.sample_rate} Hz, FSDD at {train.sample_rate} Hz.")
        paths += extra.paths
        texts += extra.texts
    keras.utils.set_random_seed(0)
    recognizer = SpeechRecognizer.from_preset(preset, characters=CHARACTERS, sample_rate=train.sample_rate)
    batch_size = recognizer.preset_config(preset)["training"]["batch_size"]
    start = time.perf_counter()
    recognizer.fit(paths, texts, batch_size=batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    transcripts = recognizer.transcribe(test.paths)
    # Every tenth training recording: whether the model fits the voices it learned from at all.
    seen = recognizer.transcribe(train.paths[::10])
    return {
        "speaker": speaker,
        "training_recordings": len(paths),
        "test_recordings": len(test),
        "exact": float(np.mean([t == r for t, r in zip(transcripts, test.texts)])),
        "training_exact": float(np.mean([t == r for t, r in zip(seen, train.texts[::10])])),
        "cer": character_error_rate(test.texts, transcripts),
        "wer": word_error_rate(test.texts, transcripts),
        "training_seconds": round(seconds, 1),
        "examples": [[r, t] for r, t in list(zip(test.texts, transcripts))[::50][:6]],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fsdd", required=True, help="FSDD's folder (or its recordings/ folder)")
    parser.add_argument("--preset", default="fsdd_speech_recognizer", help="a SpeechRecognizer preset")
    parser.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--held-out", default=None, help="comma-separated speakers to hold out (default: each)")
    parser.add_argument("--with-espeak", action="store_true", help="add the bundled espeak-ng digit recordings")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    device = detect_device()
    training = get_preset(args.preset)["training"]
    epochs = training["epochs"] if args.epochs is None else args.epochs
    speakers = sorted(set(load_fsdd(args.fsdd).speakers))
    held_out = speakers if args.held_out is None else args.held_out.split(",")
    extra = bundled_digits() if args.with_espeak else None
    rows = []
    for speaker in held_out:
        rows.append(held_out_speaker(args.fsdd, speaker, speakers, args.preset, epochs, extra))
        print({key: value for key, value in rows[-1].items() if key != "examples"}, flush=True)
    mean = {key: float(np.mean([row[key] for row in rows]))
            for key in ("exact", "training_exact", "cer", "wer", "training_seconds")}
    os.makedirs(args.output, exist_ok=True)
    stem = os.path.join(args.output, f"real_speech_{args.preset}{'_espeak' if args.with_espeak else ''}_{device}")
    with open(stem + ".json", "w") as f:
        json.dump({"device": device, "preset": args.preset, "epochs": epochs,
                   "learning_rate": training["learning_rate"], "with_espeak": args.with_espeak,
                   "speakers": speakers, "held_out": rows, "mean": mean}, f, indent=1)
    lines = ["| held-out speaker | training recordings | exact digit | CER | WER | exact on training voices | "
             "training (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['speaker']} | {r['training_recordings']:,} | {r['exact']:.3f} | {r['cer']:.3f} | {r['wer']:.3f} | "
              f"{r['training_exact']:.3f} | {r['training_seconds']:.0f} |" for r in rows]
    lines.append(f"| mean | | {mean['exact']:.3f} | {mean['cer']:.3f} | {mean['wer']:.3f} | "
                 f"{mean['training_exact']:.3f} | {mean['training_seconds']:.0f} |")
    notes = (f"FSDD speakers {', '.join(speakers)}; each held out in turn, the recogniser trained from scratch on the "
             f"others (preset {args.preset}: {epochs} epochs at learning rate {training['learning_rate']:g})"
             + (", plus the bundled espeak-ng recordings of the digits" if args.with_espeak else "")
             + "; greedy transcripts of the held-out speaker's recordings.")
    print(write_results(stem + ".md", "Chapter 09's recogniser on real voices (FSDD, held-out speakers)",
                        " ".join(["python"] + sys.argv[:1] + [a if a != args.fsdd else "PATH" for a in sys.argv[1:]]),
                        device, notes, lines))


if __name__ == "__main__":
    main()
