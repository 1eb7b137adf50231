"""Synthesise the world's spoken phrases with espeak-ng into data/speech/.

Usage: python scripts/make_speech_data.py   (needs the espeak-ng program,
e.g. `apt-get install espeak-ng`; the book and the tests only read the
files this writes)

Every phrase of the world's vocabulary (sizes, colours and shapes as
"large red circle" and "red circle", the digits, and counts such as "two
squares") is spoken by twelve speakers: an espeak-ng accent with a voice
variant, each at its own speed and pitch. Leading and trailing silence is
trimmed and the audio resampled to 8 kHz, 16-bit mono WAV, which keeps the
whole set near 15 MB. `transcripts.csv` lists every file with its text, its
speaker and the speaker's voice, speed, pitch and split. The split is by
speaker: the three test speakers are never heard in training.
"""

import csv
import pathlib
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np
from scipy.signal import resample_poly

from mmkeras.datasets.scenes import COLORS
from mmkeras.datasets.scenes import SHAPES
from mmkeras.datasets.scenes import SIZES

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "speech"
SAMPLE_RATE = 8000
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles"}
# (speaker, espeak-ng voice, words per minute, pitch 0-99, split)
SPEAKERS = [
    ("s01", "en-us+m1", 165, 45, "train"),
    ("s02", "en-us+f2", 150, 62, "train"),
    ("s03", "en-gb+m3", 175, 40, "train"),
    ("s04", "en-gb+f1", 140, 70, "train"),
    ("s05", "en-gb-scotland+m4", 160, 50, "train"),
    ("s06", "en-029+f3", 170, 58, "train"),
    ("s07", "en-gb-x-rp+m2", 145, 35, "train"),
    ("s08", "en-us+f4", 185, 66, "train"),
    ("s09", "en-gb-x-gbclan+m5", 155, 48, "train"),
    ("t01", "en-us+m6", 158, 38, "test"),
    ("t02", "en-gb+f5", 168, 64, "test"),
    ("t03", "en-gb-scotland+f3", 148, 55, "test"),
]


def phrases():
    """The spoken vocabulary, as (id, text)."""
    texts = [f"{size} {color} {shape}" for size in SIZES for color in COLORS for shape in SHAPES]
    texts += [f"{color} {shape}" for color in COLORS for shape in SHAPES]
    texts += DIGITS
    texts += [f"{count} {PLURALS[shape]}" for count in ("two", "three") for shape in SHAPES]
    texts += [f"one {shape}" for shape in SHAPES]
    return [(f"p{i:03d}", text) for i, text in enumerate(texts)]


def synthesise(text, voice, speed, pitch):
    """espeak-ng's 22,050 Hz int16 samples for `text`."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), text],
                       check=True, capture_output=True)
        with wave.open(str(path)) as f:
            rate = f.getframerate()
            samples = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)
    if rate != 22050:
        raise RuntimeError(f"espeak-ng wrote {rate} Hz; this script expects 22050 Hz.")
    return samples


def trim_and_resample(samples, margin_seconds=0.05):
    """Cut silence beyond `margin_seconds` at both ends, resample to 8 kHz."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    margin = int(margin_seconds * 22050)
    start, stop = max(loud[0] - margin, 0), min(loud[-1] + margin, len(samples))
    resampled = resample_poly(samples[start:stop].astype(np.float64), SAMPLE_RATE, 22050)
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16)


def write_wav(path, samples):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLE_RATE)
        f.writeframes(samples.tobytes())


def main():
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed (on Debian: apt-get install espeak-ng).")
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    rows = []
    for speaker, voice, speed, pitch, split in SPEAKERS:
        for phrase_id, text in phrases():
            relative = pathlib.Path("wav") / speaker / f"{phrase_id}.wav"
            samples = trim_and_resample(synthesise(text, voice, speed, pitch))
            write_wav(OUTPUT / relative, samples)
            rows.append({"path": relative.as_posix(), "text": text, "speaker": speaker, "voice": voice,
                         "speed": speed, "pitch": pitch, "split": split,
                         "seconds": f"{len(samples) / SAMPLE_RATE:.3f}"})
    with open(OUTPUT / "transcripts.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    total = sum(p.stat().st_size for p in OUTPUT.rglob("*.wav"))
    print(f"{len(rows)} utterances, {len(SPEAKERS)} speakers, {total / 1e6:.1f} MB in {OUTPUT}")


if __name__ == "__main__":
    main()
