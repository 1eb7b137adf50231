import pathlib

import keras
import numpy as np

from mmkeras.datasets import CHARACTERS
from mmkeras.datasets import load_speech
from mmkeras.datasets import make_speech_dataset
from mmkeras.metrics import character_error_rate
from mmkeras.models import build_speech_recognizer
from mmkeras.models import transcribe

SPEECH = pathlib.Path(__file__).resolve().parents[2] / "data" / "speech"


def test_recognizer_learns_a_few_phrases_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    records = load_speech(SPEECH, split="train")
    keep = [i for i, (text, speaker) in enumerate(zip(records.texts, records.speakers))
            if text in ("red circle", "blue square", "green triangle", "two") and speaker in ("s01", "s02")]
    records.paths, records.texts, records.speakers = ([getattr(records, a)[i] for i in keep]
                                                     for a in ("paths", "texts", "speakers"))
    dataset = make_speech_dataset(records, batch_size=8, shuffle=False).cache()
    # Convolutions only: CTC needs many steps to find its alignments, and
    # these are cheap ones (a GRU learns better but slower).
    model = build_speech_recognizer(len(CHARACTERS) + 1, filters=(64, 64, 64), strides=(1, 2, 1), recurrent_units=None, dropout=0.0)
    features, _ = next(iter(dataset))
    assert model(features).shape == (8, (features.shape[1] + 1) // 2, 29)
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.CTC())
    before = character_error_rate(records.texts, transcribe(model, features, CHARACTERS))
    history = model.fit(dataset, epochs=100, verbose=0)
    after = character_error_rate(records.texts, transcribe(model, features, CHARACTERS))
    assert history.history["loss"][-1] < 0.4 * history.history["loss"][0]
    assert after < 0.5 and after < before - 0.4, (before, after, transcribe(model, features, CHARACTERS))
    model.save(tmp_path / "speech.keras")
    reloaded = keras.saving.load_model(tmp_path / "speech.keras", safe_mode=True)
    assert transcribe(reloaded, features, CHARACTERS) == transcribe(model, features, CHARACTERS)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(features)),
                               keras.ops.convert_to_numpy(model(features)), rtol=1e-4, atol=1e-5)
