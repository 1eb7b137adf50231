"""Run in a fresh process under any Keras backend: Whisper's greedy and constrained transcripts of some clips.

Usage: KERAS_BACKEND=jax python -m tests.tasks.whisper_transcriber_run SETTINGS

SETTINGS is JSON: `{"clips": [paths], "max_length": int, "allowed": [texts]}`.
The last two lines printed are the backend's name and JSON: the greedy
transcripts (at most `max_length` tokens) and the transcripts constrained to
`allowed` (beam search's own test is on TensorFlow; it runs the same step
function).
"""

import json
import sys

import keras

from mmkeras.tasks import WhisperTranscriber


def main(settings):
    transcriber = WhisperTranscriber.from_preset("whisper-tiny.en")
    clips = settings["clips"]
    results = {
        "greedy": transcriber.transcribe(clips, max_length=settings["max_length"]),
        "constrained": transcriber.transcribe(clips, allowed_texts=settings["allowed"]),
    }
    print(f"keras backend: {keras.backend.backend()}")
    print(json.dumps(results))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
