"""One training process for the tf.distribute tests; run with `python -m`.

    python -m tests.training.distributed_worker OUT single
    python -m tests.training.distributed_worker OUT mirrored
    python -m tests.training.distributed_worker OUT multi_worker  (TF_CONFIG set)

Every mode trains the same seeded model on the same 64 examples in global
batches of 16 for two epochs, then saves its weights to OUT (a .npz). With
gradients averaged over replicas, all modes must end with the same weights.
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mmkeras.training import fit_distributed  # noqa: E402
from mmkeras.training import make_strategy  # noqa: E402
from mmkeras.training import split_cpu  # noqa: E402

GLOBAL_BATCH = 16
EXAMPLES = 64


def data():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(EXAMPLES, 6)).astype("float32")
    targets = (features @ rng.normal(size=(6, 1)) + 0.1).astype("float32")
    return features, targets


def build_model(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)]
    )
    # SGD keeps the update linear in the gradient, so averaging over
    # replicas is the only way the modes could end with equal weights.
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def main(out, mode):
    if mode == "mirrored":
        split_cpu(2)
    import keras
    import tensorflow as tf

    # The strategy comes first: a multi-worker one must exist before
    # TensorFlow runs anything, the dataset's tensors included.
    strategy = None if mode == "single" else make_strategy(mode)
    features, targets = data()
    dataset = tf.data.Dataset.from_tensor_slices((features, targets)).batch(GLOBAL_BATCH)
    if strategy is None:
        model = build_model(keras)
        replicas = 1
    else:
        replicas = strategy.num_replicas_in_sync
        with strategy.scope():
            model = build_model(keras)
    if mode == "multi_worker":
        losses = fit_distributed(model, dataset, epochs=2, strategy=strategy)["loss"]
    else:
        losses = model.fit(dataset, epochs=2, verbose=0, shuffle=False).history["loss"]
    np.savez(
        out,
        replicas=replicas,
        losses=np.array(losses),
        **{f"weight_{i}": w for i, w in enumerate(model.get_weights())},
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
