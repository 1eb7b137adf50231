"""Train the models the book ships trained, and save them under `data/models/`.

Usage:
    python scripts/train_bundled_models.py            # every bundled model
    python scripts/train_bundled_models.py --check    # reload each file and compare with its record

A chapter that builds on an earlier chapter's model loads it from here
instead of training it a second time: chapter 15's cascade reads the speech
recogniser that chapter 09 teaches, trained here exactly as its preset says
on the bundled recordings. Each model is one `.keras` file (weights, the
character table, the feature settings) that reloads with `safe_mode=True`,
and `data/models/models.json` records how it was made and what it scored on
the held-out voices; the tests reload every file and check that it still
scores that.
"""

import argparse
import json
import os
import pathlib
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "data" / "models"
RECORD = MODELS / "models.json"
SEED = 9  # chapter 09's
# Another machine's float order may flip a character or two of the transcripts; a stale file misses by far more.
TOLERANCE = 0.005


def train_speech_recognizer():
    import keras

    from mmkeras.datasets import CHARACTERS, data_path, load_speech
    from mmkeras.tasks import SpeechRecognizer, get_preset

    train = load_speech(data_path("speech"), split="train")
    training = get_preset("world_speech_recognizer")["training"]
    keras.utils.set_random_seed(SEED)
    recognizer = SpeechRecognizer.from_preset("world_speech_recognizer", characters=CHARACTERS,
                                              sample_rate=train.sample_rate)
    recognizer.fit(train.paths, train.texts, batch_size=training["batch_size"], epochs=training["epochs"], verbose=0)
    return recognizer, {"preset": "world_speech_recognizer", "data": "data/speech, split 'train'",
                        "epochs": training["epochs"], "seed": SEED}


def score_speech_recognizer(recognizer):
    """Character and word error rates on the held-out voices, and the transcripts themselves."""
    from mmkeras.datasets import data_path, load_speech
    from mmkeras.metrics import character_error_rate, word_error_rate

    test = load_speech(data_path("speech"), split="test")
    heard = recognizer.transcribe(test.paths)
    return {"held_out_cer": round(character_error_rate(test.texts, heard), 6),
            "held_out_wer": round(word_error_rate(test.texts, heard), 6)}


BUNDLED = {"world_speech_recognizer": (train_speech_recognizer, score_speech_recognizer)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="reload every file and compare with its record")
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    import mmkeras.tasks  # noqa: F401  (registers the task classes the files name)

    record = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    MODELS.mkdir(parents=True, exist_ok=True)
    for name, (train, score) in BUNDLED.items():
        path = MODELS / f"{name}.keras"
        if args.check:
            scores = score(keras.saving.load_model(path, safe_mode=True))
            same = all(abs(scores[key] - record[name][key]) < TOLERANCE for key in scores)
            print(f"{name}: {scores} {'as recorded' if same else 'DIFFERS from ' + str(record[name])}")
            continue
        model, how = train()
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
        record[name] = {**how, **score(reloaded), "file": f"data/models/{name}.keras",
                        "made_with": {"tensorflow": tf.__version__, "keras": keras.__version__,
                                      "python": platform.python_version()}}
        print(f"{name}: {record[name]}")
    if not args.check:
        RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
