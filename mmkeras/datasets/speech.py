"""The spoken phrases in `data/speech/`, as records and `tf.data` pipelines."""

import csv
import dataclasses
import pathlib

import numpy as np
import tensorflow as tf

from mmkeras.datasets._text_files import open_utf8
from mmkeras.preprocessing.audio import check_wav_file
from mmkeras.preprocessing.audio import decode_wav
from mmkeras.preprocessing.audio import log_mel_spectrogram
from mmkeras.preprocessing.audio import mfcc
from mmkeras.preprocessing.audio import normalize_features
from mmkeras.preprocessing.audio import spec_augment
from mmkeras.preprocessing.sequences import teacher_forcing_pair

# Character ids for CTC: 0 is the blank (and padding), then these.
CHARACTERS = " abcdefghijklmnopqrstuvwxyz'"
_COLUMNS = ("path", "text", "speaker")


@dataclasses.dataclass
class SpeechRecords:
    """Utterances: WAV paths with their transcripts and speakers.

    Attributes:
        paths: list of n WAV file paths.
        texts: list of n transcripts.
        speakers: list of n speaker ids.
        sample_rate: the files' common sample rate in Hz.

    Example:

    >>> records = load_speech(data_path("speech"), split="test")
    >>> len(records.paths) == len(records.texts) == len(records.speakers), records.sample_rate
    (True, 8000)
    """

    paths: list
    texts: list
    speakers: list
    sample_rate: int

    def __len__(self):
        return len(self.paths)


def load_speech(folder, split=None):
    """Read `folder/transcripts.csv` and check every WAV file it lists.

    Args:
        folder: a folder laid out as `data/speech/` (a `transcripts.csv`
            with at least `path`, `text` and `speaker` columns, paths
            relative to the folder).
        split: optional value of the `split` column to keep, e.g. `"train"`
            or `"test"`.

    Returns:
        `SpeechRecords`.

    Example:

    >>> records = load_speech(data_path("speech"), split="train")
    >>> len(set(records.speakers)), records.texts[0] == records.texts[0].lower()
    (9, True)
    """
    folder = pathlib.Path(folder)
    table = folder / "transcripts.csv"
    if not table.is_file():
        raise FileNotFoundError(f"Transcript table not found: {table}")
    with open_utf8(table, "transcript table") as f:
        reader = csv.DictReader(f)
        missing = set(_COLUMNS + (("split",) if split is not None else ())) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{table}, line 1: missing column(s) {sorted(missing)}. Received: {reader.fieldnames}")
        rows = [(reader.line_num, row) for row in reader if split is None or row["split"] == split]
    if not rows:
        raise ValueError(f"{table} has no rows" + (f" with split={split!r}." if split is not None else "."))
    paths, texts, speakers, rates = [], [], [], set()
    for line, row in rows:
        path = folder / row["path"]
        try:
            rate, channels, _ = check_wav_file(path)
        except (FileNotFoundError, ValueError) as error:
            raise type(error)(f"{error} (listed in {table}, line {line})") from None
        encode_characters([row["text"]], where=f"{table}, line {line}")
        rates.add(rate)
        paths.append(str(path))
        texts.append(row["text"])
        speakers.append(row["speaker"])
    if len(rates) > 1:
        raise ValueError(f"The files listed in {table} mix sample rates {sorted(rates)}; resample them to one.")
    return SpeechRecords(paths, texts, speakers, rates.pop())


# The transcripts of FSDD's file names: digit d is spoken as DIGIT_WORDS[d].
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def load_fsdd(folder, speakers=None):
    """The Free Spoken Digit Dataset's recordings, checked, as `SpeechRecords`.

    FSDD (Jackson et al., CC BY-SA 4.0) names each file
    `{digit}_{speaker}_{take}.wav`, e.g. `7_jackson_32.wav`: people saying
    one digit at 8 kHz. The transcript is the digit's word ("seven"), so
    a character recogniser trains on it as it is. The data is not
    part of this project: download FSDD and pass its folder.

    Args:
        folder: FSDD's `recordings/` folder, or the folder holding it.
        speakers: optional speaker names to keep (e.g. every speaker but one
            for a held-out-speaker test).

    Returns:
        `SpeechRecords` ordered by speaker, digit and take.

    Raises:
        FileNotFoundError: no such folder, or no WAV files in it.
        ValueError: a WAV file whose name does not follow FSDD's pattern
            or that is not a readable 16-bit PCM WAV (both named), files of
            different sample rates, or a speaker in `speakers` with no files.

    Example:

    With FSDD downloaded, `load_fsdd("free-spoken-digit-dataset/recordings")`;
    here, a folder of two files named as FSDD names them:

    >>> import shutil, tempfile
    >>> from mmkeras.datasets import data_path
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "recordings"
    >>> folder.mkdir()
    >>> wav = next((data_path("speech") / "wav").rglob("*.wav"))
    >>> for name in ("0_jackson_0.wav", "1_nicolas_0.wav"):
    ...     _ = shutil.copy(wav, folder / name)
    >>> records = load_fsdd(folder, speakers=["jackson", "nicolas"])
    >>> records.texts, records.speakers
    (['zero', 'one'], ['jackson', 'nicolas'])
    """
    folder = pathlib.Path(folder)
    if (folder / "recordings").is_dir():
        folder = folder / "recordings"
    if not folder.is_dir():
        raise FileNotFoundError(f"FSDD folder not found: {folder}. Pass FSDD's recordings/ folder.")
    files = sorted(folder.glob("*.wav"))
    if not files:
        raise FileNotFoundError(f"{folder} holds no .wav files; FSDD's recordings are named like 7_jackson_32.wav.")
    rows = []
    for path in files:
        parts = path.stem.split("_")
        if len(parts) != 3 or not (parts[0].isdigit() and len(parts[0]) == 1) or not parts[2].isdigit() or not parts[1]:
            raise ValueError(
                f"{path.name} does not follow FSDD's file names {{digit}}_{{speaker}}_{{take}}.wav "
                "(e.g. 7_jackson_32.wav). Move it out of the folder or rename it."
            )
        rows.append((parts[1], int(parts[0]), int(parts[2]), path))
    if speakers is not None:
        if isinstance(speakers, str):
            raise TypeError(f"`speakers` must be a list of names. Wrap a single one in a list: [{speakers!r}].")
        found = {speaker for speaker, *_ in rows}
        missing = sorted(set(speakers) - found)
        if missing:
            raise ValueError(f"No recordings of speaker(s) {missing} in {folder}. Speakers found: {sorted(found)}.")
        rows = [row for row in rows if row[0] in set(speakers)]
    rows.sort(key=lambda row: row[:3])
    rates = {}
    for _, _, _, path in rows:
        rates.setdefault(check_wav_file(path)[0], path.name)
    if len(rates) > 1:
        raise ValueError(
            f"The recordings mix sample rates: {dict(sorted(rates.items()))} (a file of each). Resample them to one."
        )
    return SpeechRecords(
        [str(row[3]) for row in rows], [DIGIT_WORDS[row[1]] for row in rows], [row[0] for row in rows],
        next(iter(rates)),
    )


def encode_characters(texts, length=None, where=None):
    """Character ids of `texts`, int32 `(n, length)`, 0-padded.

    Args:
        texts: list of strings of `CHARACTERS` (lower case, spaces, ').
        length: row length; defaults to the longest text.
        where: optional, named in the error for an unknown character.

    Example:

    >>> ids = encode_characters(["red", "two"], length=5)
    >>> ids.shape, ids.dtype.name, ids[1, 3:].tolist()
    ((2, 5), 'int32', [0, 0])
    """
    lookup = {c: i + 1 for i, c in enumerate(CHARACTERS)}
    length = length or max((len(t) for t in texts), default=0)
    ids = np.zeros((len(texts), length), dtype=np.int32)
    for row, text in enumerate(texts):
        unknown = sorted(set(text) - set(lookup))
        if unknown:
            raise ValueError(
                f"{where + ': ' if where else ''}{text!r} has characters outside {CHARACTERS!r}: {unknown}. "
                "Lower-case it and spell out digits and symbols."
            )
        if len(text) > length:
            raise ValueError(f"{text!r} has {len(text)} characters, more than length={length}.")
        ids[row, :len(text)] = [lookup[c] for c in text]
    return ids


def decode_characters(ids):
    """Strings from rows of character ids; 0 and negative ids are skipped.

    Example:

    >>> decode_characters(encode_characters(["red circle", "two"]))
    ['red circle', 'two']
    """
    return ["".join(CHARACTERS[i - 1] for i in row if 0 < i <= len(CHARACTERS)) for row in np.asarray(ids)]


def make_speech_dataset(
    records, features="log_mel", num_mel_bins=40, batch_size=32, shuffle=True, seed=0, augment=False,
    label_length=None,
):
    """A batched `tf.data.Dataset` of features and character targets for CTC.

    Each utterance is read, decoded, turned into features and normalised
    per utterance inside the pipeline; batches are padded to their
    longest utterance (padding frames are zeros, i.e. average features,
    which a CTC model learns to label blank).

    Args:
        records: `SpeechRecords` from `load_speech`.
        features: `"log_mel"` (`num_mel_bins` per frame) or `"mfcc"` (13).
        num_mel_bins: mel bands of the log-mel features.
        batch_size: int.
        shuffle: whether to shuffle (reshuffled each epoch).
        seed: shuffle seed.
        augment: apply SpecAugment masks (for training).
        label_length: width of the target rows; defaults to the longest
            transcript.

    Returns:
        A dataset of `(features (B, T, F), labels (B, label_length))`,
        labels being character ids with 0 as padding, as
        `keras.losses.CTC` expects.

    Example:

    >>> records = load_speech(data_path("speech"), split="test")
    >>> features, labels = next(iter(make_speech_dataset(records, num_mel_bins=40, batch_size=4)))
    >>> features.shape[0], features.shape[2], labels.dtype.name
    (4, 40, 'int32')
    """
    if not isinstance(records, SpeechRecords):
        raise TypeError(f"`records` must be the SpeechRecords of load_speech(). Received: {type(records).__name__}")
    if features not in ("log_mel", "mfcc"):
        raise ValueError(f"`features` must be 'log_mel' or 'mfcc'. Received: features={features!r}")
    labels = encode_characters(records.texts, label_length)
    dataset = tf.data.Dataset.from_tensor_slices((records.paths, labels))
    if shuffle:
        dataset = dataset.shuffle(len(records), seed=seed, reshuffle_each_iteration=True)
    featurize = _featurizer(records.sample_rate, features, num_mel_bins, augment)
    dataset = dataset.map(lambda path, label: (featurize(path), label), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.padded_batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _featurizer(rate, features, num_mel_bins, augment):
    def featurize(path):
        waveform = decode_wav(tf.io.read_file(path), rate)
        values = log_mel_spectrogram(waveform, rate, num_mel_bins)
        if features == "mfcc":
            values = mfcc(values)
        values = normalize_features(values)
        return spec_augment(values) if augment else values

    return featurize


def make_speech_translation_dataset(
    records, translations, tokenizer, target_length, features="log_mel", num_mel_bins=40, batch_size=32,
    shuffle=True, seed=0, augment=False,
):
    """A batched `tf.data.Dataset` of utterances and their translations, for
    an end-to-end speech translator (`mmkeras.models.build_speech_translator`).

    The features are made as `make_speech_dataset` makes them (padded with
    zero frames, which the translator masks); the translations are
    tokenized for teacher forcing.

    Args:
        records: `SpeechRecords` from `load_speech`.
        translations: one target sentence per utterance, e.g.
            `[chinese.phrase(text) for text in records.texts]`.
        tokenizer: a `WordTokenizer` of the target language.
        target_length: T, the decoder's input length.
        features, num_mel_bins, batch_size, shuffle, seed, augment: as in
            `make_speech_dataset`.

    Returns:
        A dataset of `({"features": (B, frames, F), "tokens": (B, T)},
        next_tokens (B, T))`.

    Example:

    >>> from mmkeras.datasets import chinese
    >>> from mmkeras.preprocessing import WordTokenizer
    >>> records = load_speech(data_path("speech"), split="test")
    >>> targets = [chinese.phrase(text) for text in records.texts]
    >>> dataset = make_speech_translation_dataset(records, targets, WordTokenizer.from_corpus(targets), 10, batch_size=4)
    >>> inputs, next_tokens = next(iter(dataset))
    >>> inputs["features"].shape[2], tuple(inputs["tokens"].shape), tuple(next_tokens.shape)
    (40, (4, 10), (4, 10))
    """
    if not isinstance(records, SpeechRecords):
        raise TypeError(f"`records` must be the SpeechRecords of load_speech(). Received: {type(records).__name__}")
    if isinstance(translations, str) or len(translations) != len(records):
        received = "a string" if isinstance(translations, str) else f"{len(translations)} translations"
        raise ValueError(f"Expected one translation per utterance ({len(records)}). Received: {received}.")
    if features not in ("log_mel", "mfcc"):
        raise ValueError(f"`features` must be 'log_mel' or 'mfcc'. Received: features={features!r}")
    tokens, next_tokens = teacher_forcing_pair(tokenizer, list(translations), target_length)
    dataset = tf.data.Dataset.from_tensor_slices((records.paths, tokens, next_tokens))
    if shuffle:
        dataset = dataset.shuffle(len(records), seed=seed, reshuffle_each_iteration=True)
    featurize = _featurizer(records.sample_rate, features, num_mel_bins, augment)
    dataset = dataset.map(
        lambda path, inputs, targets: ({"features": featurize(path), "tokens": inputs}, targets),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return dataset.padded_batch(batch_size).prefetch(tf.data.AUTOTUNE)
