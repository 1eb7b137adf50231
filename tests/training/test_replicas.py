import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from mmkeras.layers import ContrastiveSimilarity
from mmkeras.training import gather_from_replicas
from mmkeras.training import replica_count

REPOSITORY = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 300


def run_worker(backend, out):
    """Train the dual encoder on one device and on two, under `backend`."""
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    environment.pop("XLA_FLAGS", None)
    process = subprocess.run(
        [sys.executable, "-m", "tests.training.replica_worker", str(out)],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
    )
    assert process.returncode == 0, (process.stdout + process.stderr)[-3000:]
    return np.load(out)


def run_weights(results, run):
    names = sorted((k for k in results.files if k.startswith(f"{run}_weight_")), key=lambda k: int(k.rsplit("_", 1)[1]))
    return [results[name] for name in names]


def largest_gap(first, second):
    return max(float(np.max(np.abs(a - b))) for a, b in zip(first, second))


@pytest.fixture(scope="module")
def tensorflow_runs(tmp_path_factory):
    return run_worker("tensorflow", tmp_path_factory.mktemp("replicas") / "tensorflow.npz")


@pytest.fixture(scope="module")
def jax_runs(tmp_path_factory):
    return run_worker("jax", tmp_path_factory.mktemp("replicas") / "jax.npz")


def test_gather_returns_every_replicas_rows_in_order(tensorflow_runs):
    # Each of the two replicas gave two rows holding its replica id; each
    # receives all four, replica 0's first.
    per_replica = tensorflow_runs["gathered"].reshape(2, 4)
    np.testing.assert_array_equal(per_replica, [[0, 0, 1, 1], [0, 0, 1, 1]])


def test_mirrored_strategy_loss_uses_the_global_batch(tensorflow_runs):
    single, mirrored, local = (tensorflow_runs[f"{run}_losses"] for run in ("single", "mirrored", "mirrored_local"))
    # The first step's loss is computed before any update: the same weights, the same global batch.
    np.testing.assert_allclose(mirrored[0], single[0], rtol=1e-6)
    # Without the gather, each replica ranks its 8 pairs among 8, not 16: an easier, different loss.
    assert local[0] < single[0] - 0.5, (local[0], single[0])


def test_mirrored_strategy_trains_to_the_single_device_weights(tensorflow_runs):
    single = run_weights(tensorflow_runs, "single")
    initial_gap = largest_gap(single, run_weights(tensorflow_runs, "mirrored_local"))
    gap = largest_gap(single, run_weights(tensorflow_runs, "mirrored"))
    # Gradients through the all-gather reach every replica's own rows, so
    # two replicas end where one device does, to float32 rounding; local
    # negatives alone end elsewhere.
    assert gap < 1e-5, gap
    assert initial_gap > 1e-2, initial_gap
    np.testing.assert_allclose(tensorflow_runs["mirrored_losses"], tensorflow_runs["single_losses"], rtol=1e-5)


def test_jax_data_parallel_loss_and_weights_match_one_device(jax_runs):
    assert list(jax_runs["devices"]) == ["cpu:0", "cpu:1"]
    assert "'batch': 2" in str(jax_runs["sharding"])
    np.testing.assert_allclose(jax_runs["data_parallel_losses"], jax_runs["single_losses"], rtol=1e-5)
    assert largest_gap(run_weights(jax_runs, "single"), run_weights(jax_runs, "data_parallel")) < 1e-5
    assert jax_runs["single_losses"][-1] < jax_runs["single_losses"][0]


def test_one_replica_is_left_unchanged():
    x = keras.ops.convert_to_tensor(np.arange(6, dtype="float32").reshape(3, 2))
    assert replica_count() == 1
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gather_from_replicas(x, axis=1)), np.arange(6).reshape(3, 2))
    with pytest.raises(ValueError, match="axis='0'"):
        gather_from_replicas(x, axis="0")


def test_contrastive_similarity_gather_option_round_trips_and_is_checked():
    layer = ContrastiveSimilarity(gather_across_replicas=False)
    assert ContrastiveSimilarity.from_config(layer.get_config()).gather_across_replicas is False
    assert ContrastiveSimilarity().gather_across_replicas is True
    with pytest.raises(ValueError, match="gather_across_replicas='yes'"):
        ContrastiveSimilarity(gather_across_replicas="yes")
