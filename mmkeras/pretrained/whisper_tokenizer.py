"""Whisper's byte-level BPE tokenizer and decoding rules, read from a model folder."""

import json

import keras_hub

from mmkeras.pretrained.sources import SHIPPED_MODELS
from mmkeras.pretrained.sources import check_model_dir
from mmkeras.pretrained.sources import shipped_model_dir

# English-only Whisper models have one token fewer than the multilingual ones (no <|nocaptions|> shift).
_ENGLISH_ONLY_VOCABULARY = 51864


def _folder(source, required_files):
    if isinstance(source, str) and source in SHIPPED_MODELS:
        source = shipped_model_dir(source)
    return check_model_dir(source, required_files)


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}).") from None


def load_whisper_tokenizer(source="whisper-tiny.en"):
    """keras-hub's `WhisperTokenizer` with the vocabulary and merges of a Whisper model folder.

    Reads the folder's `tokenizer.json` (the Hugging Face tokenizers file
    that CTranslate2 and Hugging Face Whisper folders both hold).

    Args:
        source: `"whisper-tiny.en"` or a Whisper model folder.

    Returns:
        A `keras_hub.models.WhisperTokenizer`.

    Raises:
        FileNotFoundError: naming the folder when `tokenizer.json` is missing.
        ValueError: when the file is not a byte-level BPE tokenizer with
            Whisper's special tokens.

    Example:

    >>> tokenizer = load_whisper_tokenizer("whisper-tiny.en")
    >>> ids = tokenizer(" five")
    >>> tokenizer.detokenize(ids)
    ' five'
    """
    folder = _folder(source, ["tokenizer.json"])
    spec = _read_json(folder / "tokenizer.json")
    model = spec.get("model", {})
    if model.get("type") != "BPE" or "vocab" not in model or "merges" not in model:
        raise ValueError(f"{folder / 'tokenizer.json'} holds no BPE vocabulary and merges (model type "
                         f"{model.get('type')!r}); Whisper's tokenizer is byte-level BPE.")
    special_tokens = {token["content"]: token["id"] for token in spec.get("added_tokens", [])}
    merges = [" ".join(merge) if isinstance(merge, list) else merge for merge in model["merges"]]
    try:
        return keras_hub.models.WhisperTokenizer(vocabulary=model["vocab"], merges=merges,
                                                 special_tokens=special_tokens)
    except ValueError as error:
        raise ValueError(f"{folder / 'tokenizer.json'} is not a Whisper tokenizer: {error}") from None


def load_whisper_decoding_rules(source="whisper-tiny.en", vocabulary_size=_ENGLISH_ONLY_VOCABULARY):
    """The prompt and the suppressed tokens Whisper is decoded with, from a model folder.

    A CTranslate2 folder's `config.json` lists the non-speech symbols and
    special tokens never to write (`suppress_ids`) and those not to write
    first (`suppress_ids_begin`: a blank, the end of text), as OpenAI's
    decoder suppresses them. An English-only model is prompted with
    `<|startoftranscript|><|notimestamps|>`; a multilingual one also names
    the language and the task.

    Args:
        source: `"whisper-tiny.en"` or a CTranslate2 Whisper folder.
        vocabulary_size: the model's vocabulary size (51864 English-only,
            51865 multilingual).

    Returns:
        A dict with `prompt_ids`, `end_id`, `suppress_ids` and
        `suppress_at_begin`, the arguments of `whisper_decoder_step`.

    Example:

    >>> rules = load_whisper_decoding_rules("whisper-tiny.en")
    >>> rules["prompt_ids"], rules["end_id"], rules["suppress_at_begin"]
    ([50257, 50362], 50256, [220, 50256])
    """
    folder = _folder(source, ["config.json", "tokenizer.json"])
    config = _read_json(folder / "config.json")
    special = {token["content"]: token["id"] for token in _read_json(folder / "tokenizer.json").get(
        "added_tokens", [])}
    missing = [key for key in ("suppress_ids", "suppress_ids_begin") if key not in config]
    if missing:
        raise ValueError(f"{folder / 'config.json'} has no {' or '.join(missing)}: it is not a CTranslate2 "
                         "Whisper config (convert the model with ct2-transformers-converter).")
    prompt = ["<|startoftranscript|>"]
    if vocabulary_size != _ENGLISH_ONLY_VOCABULARY:
        prompt += ["<|en|>", "<|transcribe|>"]
    prompt.append("<|notimestamps|>")
    absent = [token for token in prompt + ["<|endoftext|>"] if token not in special]
    if absent:
        raise ValueError(f"{folder / 'tokenizer.json'} lacks Whisper's special tokens {absent}.")
    return {
        "prompt_ids": [special[token] for token in prompt],
        "end_id": special["<|endoftext|>"],
        "suppress_ids": [int(t) for t in config["suppress_ids"]],
        "suppress_at_begin": [int(t) for t in config["suppress_ids_begin"]],
    }
