import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmkeras.training import fit_distributed
from mmkeras.training import free_ports
from mmkeras.training import local_cluster_config
from mmkeras.training import make_strategy
from mmkeras.training import split_cpu

REPOSITORY = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 240


def start_worker(out, mode, tf_config=None):
    environment = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
    environment.pop("TF_CONFIG", None)
    if tf_config is not None:
        environment["TF_CONFIG"] = tf_config
    return subprocess.Popen(
        [sys.executable, "-m", "tests.training.distributed_worker", str(out), mode],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process):
    try:
        output, _ = process.communicate(timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"worker did not finish in {WORKER_TIMEOUT} s:\n{output[-3000:]}")
    assert process.returncode == 0, output[-3000:]


def weights(path):
    result = np.load(path)
    return int(result["replicas"]), [result[k] for k in sorted(result.files) if k.startswith("weight_")]


def assert_same_weights(expected, actual):
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_two_workers_on_localhost_train_the_same_model(tmp_path):
    ports = free_ports(2)
    workers = [
        start_worker(tmp_path / f"worker_{index}.npz", "multi_worker", local_cluster_config(ports, index))
        for index in range(2)
    ]
    single = start_worker(tmp_path / "single.npz", "single")
    for process in workers + [single]:
        finish(process)
    replicas, first = weights(tmp_path / "worker_0.npz")
    _, second = weights(tmp_path / "worker_1.npz")
    _, reference = weights(tmp_path / "single.npz")
    assert replicas == 2
    # The two workers agree exactly, and averaging their gradients over the
    # global batch gives what one process gets on the whole batch.
    assert_same_weights(first, second)
    assert_same_weights(reference, first)
    losses = np.load(tmp_path / "single.npz")["losses"]
    assert losses[-1] < losses[0]


def test_mirrored_strategy_on_two_logical_cpus_matches_one_device(tmp_path):
    finish(start_worker(tmp_path / "mirrored.npz", "mirrored"))
    finish(start_worker(tmp_path / "single.npz", "single"))
    replicas, mirrored = weights(tmp_path / "mirrored.npz")
    assert replicas == 2
    assert_same_weights(weights(tmp_path / "single.npz")[1], mirrored)


def test_local_cluster_config():
    config = json.loads(local_cluster_config([2222, 2223], 1))
    assert config == {
        "cluster": {"worker": ["localhost:2222", "localhost:2223"]},
        "task": {"type": "worker", "index": 1},
    }
    with pytest.raises(ValueError, match=r"index=2"):
        local_cluster_config([2222, 2223], 2)
    with pytest.raises(ValueError, match=r"ports=\[\]"):
        local_cluster_config([], 0)
    ports = free_ports(3)
    assert len(set(ports)) == 3


def test_multi_worker_without_tf_config_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="TF_CONFIG is not set.*local_cluster_config"):
        make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(RuntimeError, match="TF_CONFIG must be JSON"):
        make_strategy("multi_worker")


def test_bad_strategy_arguments():
    with pytest.raises(ValueError, match="strategy='parameter_server'"):
        make_strategy("parameter_server")
    with pytest.raises(ValueError, match="devices=\\[\\]"):
        make_strategy("mirrored", devices=[])
    with pytest.raises(ValueError, match="count=0"):
        split_cpu(0)


def test_split_cpu_after_tensorflow_started_is_refused_clearly():
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # TensorFlow has now fixed its devices.
    current = len(tf.config.list_logical_devices("CPU"))
    assert len(split_cpu(current)) == current
    with pytest.raises(RuntimeError, match="came too late"):
        split_cpu(current + 2)


def test_fit_distributed_refuses_what_it_cannot_train():
    import keras
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    dataset = tf.data.Dataset.from_tensor_slices((np.ones((4, 2)), np.ones((4, 1)))).batch(2)
    with pytest.raises(ValueError, match="not compiled"):
        fit_distributed(model, dataset, 1, strategy)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="epochs=0"):
        fit_distributed(model, dataset, 0, strategy)
    with pytest.raises(ValueError, match="Received: ndarray"):
        fit_distributed(model, np.ones((4, 2)), 1, strategy)
    before = model.get_weights()[0].copy()
    history = fit_distributed(model, dataset, 2, strategy)
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]
    assert not np.allclose(before, model.get_weights()[0])
