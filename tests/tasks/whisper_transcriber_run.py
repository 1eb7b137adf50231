"""Run in a fresh process under any Keras backend: Whisper's transcripts of two bundled clips.

Usage: KERAS_BACKEND=jax python -m tests.tasks.whisper_transcriber_run

The last two lines printed are the backend's name and JSON: greedy and
constrained transcripts (beam search's own test is on TensorFlow; it runs
the same step function).
"""

import json

import keras

from mmkeras.datasets import data_path
from mmkeras.tasks import WhisperTranscriber

CLIPS = [data_path("speech", "wav", "s01", "p001.wav"), data_path("speech", "wav", "s02", "p001.wav")]
ALLOWED = [" Small red triangle.", " Small green circle", " one"]


def main():
    transcriber = WhisperTranscriber.from_preset("whisper-tiny.en")
    results = {
        "greedy": transcriber.transcribe(CLIPS, max_length=12),
        "constrained": transcriber.transcribe(CLIPS, allowed_texts=ALLOWED),
    }
    print(f"keras backend: {keras.backend.backend()}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
