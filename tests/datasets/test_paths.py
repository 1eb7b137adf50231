import pathlib

import pytest

from mmkeras.datasets import benchmark_path
from mmkeras.datasets import data_path
from mmkeras.datasets import load_speech

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_data_path_finds_the_checkout_data_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MMKERAS_DATA_DIR", raising=False)
    assert data_path() == ROOT / "data"
    assert data_path("fixtures", "pairs", "captions.csv") == ROOT / "data" / "fixtures" / "pairs" / "captions.csv"
    assert len(load_speech(data_path("speech"), split="test").paths) > 0


def test_benchmark_path_finds_results_and_scripts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MMKERAS_BENCHMARKS_DIR", raising=False)
    assert benchmark_path("results", "kv_cache_cpu.json").is_file()
    assert (benchmark_path() / "vlm_scaling.py").is_file()


def test_environment_variable_moves_the_data_folder(tmp_path, monkeypatch):
    (tmp_path / "speech").mkdir()
    monkeypatch.setenv("MMKERAS_DATA_DIR", str(tmp_path))
    assert data_path("speech") == tmp_path / "speech"


def test_environment_variable_that_is_not_a_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MMKERAS_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"MMKERAS_DATA_DIR=.*nowhere.*is not a folder"):
        data_path("speech")


def test_missing_part_names_the_path_and_what_the_folder_holds(monkeypatch):
    monkeypatch.delenv("MMKERAS_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match=r"speach does not exist.*'speech'"):
        data_path("speach")


def test_missing_checkout_says_how_to_install(tmp_path, monkeypatch):
    import mmkeras.datasets.paths as paths

    monkeypatch.delenv("MMKERAS_BENCHMARKS_DIR", raising=False)
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"clone the repository.*pip install -e"):
        benchmark_path("results")
