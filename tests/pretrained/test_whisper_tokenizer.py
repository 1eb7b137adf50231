import json

import pytest

from mmkeras.pretrained import load_whisper_decoding_rules
from mmkeras.pretrained import load_whisper_tokenizer
from mmkeras.pretrained import shipped_model_dir


@pytest.fixture(scope="module")
def tokenizer():
    return load_whisper_tokenizer("whisper-tiny.en")


@pytest.mark.parametrize("text", [" five", " Small red triangle.", " naïve café 五", " Ωmega ΣΊΣΥΦΟΣ 🙂"])
def test_text_round_trips_through_the_tokens_unchanged(tokenizer, text):
    assert tokenizer.detokenize(tokenizer(text)) == text


def test_the_tokens_are_the_checkpoints_own(tokenizer):
    vocabulary = json.loads((shipped_model_dir("whisper-tiny.en") / "tokenizer.json").read_text())["model"]["vocab"]
    assert list(tokenizer(" five")) == [vocabulary["Ġfive"]]


def test_the_decoding_rules_are_read_from_the_config():
    rules = load_whisper_decoding_rules("whisper-tiny.en")
    config = json.loads((shipped_model_dir("whisper-tiny.en") / "config.json").read_text())
    assert rules["prompt_ids"] == [50257, 50362] and rules["end_id"] == 50256
    assert rules["suppress_ids"] == config["suppress_ids"] and rules["suppress_at_begin"] == [220, 50256]
    multilingual = load_whisper_decoding_rules("whisper-tiny.en", vocabulary_size=51865)
    assert multilingual["prompt_ids"] == [50257, 50258, 50358, 50362]  # <|en|><|transcribe|> as this file numbers them


def test_a_folder_without_a_tokenizer_is_refused_by_name(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="tokenizer.json is missing. It holds model.bin"):
        load_whisper_tokenizer(tmp_path)


def test_a_tokenizer_that_is_not_bpe_is_refused(tmp_path):
    (tmp_path / "tokenizer.json").write_text(json.dumps({"model": {"type": "WordPiece", "vocab": {}}}))
    with pytest.raises(ValueError, match="holds no BPE vocabulary and merges \\(model type 'WordPiece'\\)"):
        load_whisper_tokenizer(tmp_path)


def test_a_config_without_decoding_rules_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ValueError, match="has no suppress_ids or suppress_ids_begin: it is not a CTranslate2"):
        load_whisper_decoding_rules(tmp_path)
