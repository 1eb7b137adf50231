"""Every figure the backend advice quotes, checked against the results files."""

import json
import re
from pathlib import Path

import pytest

from mmkeras.training import BACKEND_RECOMMENDATIONS
from mmkeras.training import backend_recommendation

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def rates(name):
    table = {}
    for row in json.loads((RESULTS / f"{name}.json").read_text())["rows"]:
        table.setdefault(row["model"], {})[row["run"]] = row["samples_per_s"]
    return table


def fastest(table):
    return {model: max(runs, key=runs.get) for model, runs in table.items()}


def quoted_range(text, after):
    low, high = re.search(after + r".*?(\d+(?:\.\d+)?)x to (\d+(?:\.\d+)?)x", text).groups()
    return float(low), float(high)


def test_tensorflow_advice_matches_the_cpu_table():
    cpu = rates("backends_cpu")
    text = BACKEND_RECOMMENDATIONS["tensorflow"]
    assert len(cpu) == 8
    assert list(fastest(cpu).values()).count("tensorflow") == 6
    xla_off_faster = {model: runs["tensorflow"] / runs["tensorflow-xla"] for model, runs in cpu.items()}
    slower_off = [model for model, ratio in xla_off_faster.items() if ratio < 1]
    assert slower_off == ["captioner (07)"] and "captioner is the exception" in text
    gains = [ratio for ratio in xla_off_faster.values() if ratio >= 1]
    assert "7 of 8" in text and len(gains) == 7
    low, high = quoted_range(text, "faster than XLA on")
    assert round(min(gains), 1) == low and round(max(gains)) == high


def test_jax_advice_matches_the_gpu_and_cpu_tables():
    gpu, cpu = rates("backends_gpu"), rates("backends_cpu")
    text = BACKEND_RECOMMENDATIONS["jax"]
    assert set(fastest(gpu).values()) == {"jax"} and len(gpu) == 8
    speedups = [runs["jax"] / runs["torch"] for runs in gpu.values()]
    low, high = quoted_range(text, "all 8 task models")
    assert round(min(speedups)) == low and round(max(speedups)) == high
    assert [model for model, run in fastest(cpu).items() if run == "jax"] == ["speech recogniser (09)"]


def test_torch_advice_matches_both_tables():
    for name in ("backends_cpu", "backends_gpu", "backends_gpu_x16"):
        assert "torch" not in fastest(rates(name)).values(), name
    assert "fastest for none" in BACKEND_RECOMMENDATIONS["torch"]


def test_backend_recommendation_defaults_to_the_running_backend_and_checks_its_argument():
    assert backend_recommendation() == BACKEND_RECOMMENDATIONS["tensorflow"]
    with pytest.raises(ValueError, match="backend='mxnet'"):
        backend_recommendation("mxnet")
