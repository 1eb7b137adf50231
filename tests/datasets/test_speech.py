import pathlib
import shutil

import numpy as np
import pytest

from mmkeras.datasets import CHARACTERS
from mmkeras.datasets import DIGIT_WORDS
from mmkeras.datasets import decode_characters
from mmkeras.datasets import encode_characters
from mmkeras.datasets import load_fsdd
from mmkeras.datasets import load_speech
from mmkeras.datasets import make_speech_dataset

SPEECH = pathlib.Path(__file__).resolve().parents[2] / "data" / "speech"


def test_committed_speech_splits_by_speaker():
    train, test = load_speech(SPEECH, split="train"), load_speech(SPEECH, split="test")
    assert len(train) == 9 * 73 and len(test) == 3 * 73
    assert train.sample_rate == test.sample_rate == 8000
    assert not set(train.speakers) & set(test.speakers)
    assert set(train.texts) == set(test.texts)
    assert sum(p.stat().st_size for p in SPEECH.rglob("*.wav")) < 20e6


def test_dataset_gives_normalised_frames_and_ctc_targets():
    records = load_speech(SPEECH, split="test")
    features, labels = next(iter(make_speech_dataset(records, batch_size=8, shuffle=False)))
    assert features.shape[0] == 8 and features.shape[2] == 40
    assert 30 < features.shape[1] < 200  # 10 ms frames of utterances under 2 s
    assert labels.shape == (8, max(map(len, records.texts)))
    assert decode_characters(labels.numpy()) == records.texts[:8]
    mfccs, _ = next(iter(make_speech_dataset(records, features="mfcc", batch_size=4, shuffle=False, augment=True)))
    assert mfccs.shape[2] == 13


def test_characters_round_trip_and_errors():
    ids = encode_characters(["red circle", "two"], length=12)
    assert ids.shape == (2, 12) and ids[1, 3:].sum() == 0 and ids.min() >= 0 and ids.max() <= len(CHARACTERS)
    assert decode_characters(ids) == ["red circle", "two"]
    with pytest.raises(ValueError, match=r"outside .*\['2'\]"):
        encode_characters(["2 circles"])
    with pytest.raises(ValueError, match="more than length=3"):
        encode_characters(["circle"], length=3)


def test_bad_speech_folders_name_the_file_and_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="transcripts.csv"):
        load_speech(tmp_path)
    (tmp_path / "transcripts.csv").write_text("path,text\nwav/a.wav,red\n")
    with pytest.raises(ValueError, match=r"line 1: missing column\(s\) \['speaker'\]"):
        load_speech(tmp_path)
    (tmp_path / "transcripts.csv").write_text("path,text,speaker\nwav/a.wav,red,s1\n")
    with pytest.raises(FileNotFoundError, match=r"a\.wav \(listed in .*transcripts\.csv, line 2\)"):
        load_speech(tmp_path)
    (tmp_path / "wav").mkdir()
    (tmp_path / "wav" / "a.wav").write_text("not a wav")
    with pytest.raises(ValueError, match=r"not a readable WAV file.*line 2"):
        load_speech(tmp_path)
    shutil.copy(SPEECH / "wav" / "s01" / "p000.wav", tmp_path / "wav" / "a.wav")
    (tmp_path / "transcripts.csv").write_text("path,text,speaker\nwav/a.wav,Red 2,s1\n")
    with pytest.raises(ValueError, match=r"line 2: 'Red 2' has characters outside"):
        load_speech(tmp_path)
    with pytest.raises(ValueError, match="no rows with split='test'"):
        (tmp_path / "transcripts.csv").write_text("path,text,speaker,split\nwav/a.wav,red,s1,train\n")
        load_speech(tmp_path, split="test")


def fsdd_folder(folder, speakers=("s01", "s02"), takes=2):
    """The bundled recordings of the ten digits in FSDD's layout: recordings/{digit}_{speaker}_{take}.wav."""
    records = load_speech(SPEECH)
    recordings = pathlib.Path(folder) / "recordings"
    recordings.mkdir(parents=True)
    for path, text, speaker in zip(records.paths, records.texts, records.speakers):
        if speaker in speakers and text in DIGIT_WORDS:
            for take in range(takes):
                shutil.copy(path, recordings / f"{DIGIT_WORDS.index(text)}_{speaker}_{take}.wav")
    return recordings


def test_fsdd_file_names_give_the_digit_words_and_speakers(tmp_path):
    recordings = fsdd_folder(tmp_path)
    (recordings / "README.md").write_text("not a recording")
    records = load_fsdd(tmp_path)  # the folder holding recordings/ works too
    assert len(records) == 2 * 10 * 2 and records.sample_rate == 8000
    assert records.texts[:4] == ["zero", "zero", "one", "one"] and set(records.speakers) == {"s01", "s02"}
    assert all(pathlib.Path(p).name.startswith(f"{DIGIT_WORDS.index(t)}_{s}_") for p, t, s in
               zip(records.paths, records.texts, records.speakers))
    held_out = load_fsdd(recordings, speakers=["s02"])
    assert set(held_out.speakers) == {"s02"} and len(held_out) == 20
    features, labels = next(iter(make_speech_dataset(held_out, batch_size=4, shuffle=False)))
    assert decode_characters(labels.numpy()) == held_out.texts[:4]


def test_bad_fsdd_folders_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="FSDD folder not found"):
        load_fsdd(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="holds no .wav files"):
        load_fsdd(tmp_path)
    recordings = fsdd_folder(tmp_path / "fsdd")
    with pytest.raises(ValueError, match=r"No recordings of speaker\(s\) \['jackson'\].*\['s01', 's02'\]"):
        load_fsdd(recordings, speakers=["s01", "jackson"])
    with pytest.raises(TypeError, match=r"Wrap a single one in a list: \['s01'\]"):
        load_fsdd(recordings, speakers="s01")
    (recordings / "7_s01_0.wav").write_bytes(b"RIFF....WAVEfmt ")
    with pytest.raises(ValueError, match=r"7_s01_0\.wav is not a readable WAV file"):
        load_fsdd(recordings)
    (recordings / "7_s01_0.wav").unlink()
    (recordings / "seven.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"seven\.wav does not follow FSDD's file names"):
        load_fsdd(recordings)


def test_speech_translation_batches_pair_frames_with_teacher_forced_translations():
    from mmkeras.datasets import chinese
    from mmkeras.datasets import make_speech_translation_dataset
    from mmkeras.preprocessing import WordTokenizer

    records = load_speech(SPEECH, split="test")
    targets = [chinese.phrase(text) for text in records.texts]
    tokenizer = WordTokenizer.from_corpus(targets)
    dataset = make_speech_translation_dataset(records, targets, tokenizer, 10, batch_size=8, shuffle=False)
    inputs, next_tokens = next(iter(dataset))
    features, _ = next(iter(make_speech_dataset(records, batch_size=8, shuffle=False)))
    np.testing.assert_allclose(inputs["features"].numpy(), features.numpy())
    assert tokenizer.detokenize(next_tokens).numpy()[0].decode() == targets[0]
    assert inputs["tokens"].numpy()[0, 0] == tokenizer.start_id
    with pytest.raises(ValueError, match="one translation per utterance \\(219\\). Received: 3 translations"):
        make_speech_translation_dataset(records, targets[:3], tokenizer, 10)
