import json

import pytest

from mmkeras.pretrained import SHIPPED_MODELS
from mmkeras.pretrained import check_model_dir
from mmkeras.pretrained import load_text_embedder
from mmkeras.pretrained import resolve_source
from mmkeras.pretrained import shipped_model_dir
from mmkeras.pretrained.text_embedder import TEXT_EMBEDDER_FILES


def test_a_shipped_model_is_a_folder_inside_its_installed_package():
    folder = shipped_model_dir("all-minilm-l6-v2")
    assert folder.is_dir() and (folder / "model.safetensors").stat().st_size > 80_000_000
    assert resolve_source("all-minilm-l6-v2", TEXT_EMBEDDER_FILES) == str(folder)


def test_hub_names_pass_through_untouched():
    for name in ("hf://sentence-transformers/all-MiniLM-L6-v2", "kaggle://keras/bert/keras/bert_tiny_en_uncased"):
        assert resolve_source(name, TEXT_EMBEDDER_FILES) == name


def test_an_unknown_name_lists_the_shipped_models():
    shipped = r"\['all-minilm-l6-v2', 'efficientnet-lite0', 'whisper-tiny.en'\]"
    with pytest.raises(ValueError, match=r"No shipped model is called 'minilm'\. Shipped models: " + shipped):
        shipped_model_dir("minilm")


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(SHIPPED_MODELS, "not-installed", ("mmkeras_no_such_package", "model", "a test entry"))
    with pytest.raises(ModuleNotFoundError, match=r"pip install mmkeras-no-such-package"):
        shipped_model_dir("not-installed")


def test_a_folder_is_checked_before_anything_reads_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="the path does not exist"):
        check_model_dir(tmp_path / "nowhere", TEXT_EMBEDDER_FILES)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        check_model_dir(tmp_path / "a_file", TEXT_EMBEDDER_FILES)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="holds no model: config.json, tokenizer_config.json, vocab.txt, "
                                                "model.safetensors are missing. It holds nothing"):
        load_text_embedder(empty)


def test_a_folder_without_its_weights_names_the_missing_file(tmp_path):
    shipped = shipped_model_dir("all-minilm-l6-v2")
    for name in ("config.json", "tokenizer_config.json", "vocab.txt"):
        (tmp_path / name).write_bytes((shipped / name).read_bytes())
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors is missing\. It holds config\.json, "
                                                r"tokenizer_config\.json, vocab\.txt"):
        load_text_embedder(tmp_path)


def test_a_folder_of_another_kind_of_model_is_refused_by_its_config(tmp_path):
    for name in TEXT_EMBEDDER_FILES:
        (tmp_path / name).write_text("{}")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "whisper"}))
    with pytest.raises(ValueError, match="model of type 'whisper'; load_text_embedder loads BERT-family"):
        load_text_embedder(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        load_text_embedder(tmp_path)


def test_a_source_of_the_wrong_type_is_named():
    with pytest.raises(TypeError, match="Received: 3 of type int"):
        load_text_embedder(3)
