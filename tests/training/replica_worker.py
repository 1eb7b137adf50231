"""Data-parallel runs of a dual encoder, one backend per process.

    KERAS_BACKEND=tensorflow python -m tests.training.replica_worker OUT
    KERAS_BACKEND=jax python -m tests.training.replica_worker OUT

The CPU is split into two devices first. One process trains the same
seeded dual encoder on the same global batch of 16 for three steps, once
on one device and then data-parallel on two: TensorFlow's
`MirroredStrategy` with and without `gather_across_replicas`, JAX's
`keras.distribution.DataParallel`. It saves each run's per-step losses
and final weights to OUT (a .npz: `<run>_losses`, `<run>_weight_<i>`),
and under TensorFlow what `gather_from_replicas` returns on two replicas.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mmkeras.training import split_cpu  # noqa: E402

REPLICAS = 2
GLOBAL_BATCH = 16
STEPS = 3


def batch(np):
    rng = np.random.default_rng(0)
    inputs = {
        "image": rng.random((GLOBAL_BATCH, 16, 16, 3), dtype="float32"),
        "text": rng.integers(1, 20, (GLOBAL_BATCH, 5)).astype("int32"),
    }
    return inputs, np.zeros(GLOBAL_BATCH, "float32")


def build(keras, gather_across_replicas=True):
    from mmkeras.losses import SymmetricInfoNCE
    from mmkeras.models import build_dual_encoder

    keras.utils.set_random_seed(0)
    model = build_dual_encoder(
        vocab_size=20, image_size=16, text_length=5, embed_dim=8, filters=(4, 8), embedding_dim=4, text_units=8,
        gather_across_replicas=gather_across_replicas,
    )
    # SGD keeps the update linear in the gradient: only equal gradients give equal weights.
    model.compile(optimizer=keras.optimizers.SGD(0.02), loss=SymmetricInfoNCE())
    return model


def train(model, data):
    return model.fit(data, epochs=STEPS, verbose=0).history["loss"]


def run_tensorflow(keras, np, results):
    import tensorflow as tf

    from mmkeras.training import gather_from_replicas
    from mmkeras.training import make_strategy

    inputs, targets = batch(np)
    data = tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(GLOBAL_BATCH)
    single = build(keras)
    initial = single.get_weights()
    runs = {"single": (single, train(single, data))}
    strategy = make_strategy("mirrored")
    assert strategy.num_replicas_in_sync == REPLICAS
    for name, gather in (("mirrored", True), ("mirrored_local", False)):
        with strategy.scope():
            model = build(keras, gather_across_replicas=gather)
        model.set_weights(initial)
        runs[name] = (model, train(model, data))

    def replica_rows(context):
        return tf.fill((2, 1), float(context.replica_id_in_sync_group))

    rows = strategy.experimental_distribute_values_from_function(replica_rows)
    gathered = tf.function(lambda rows: strategy.run(gather_from_replicas, args=(rows,)))(rows)
    results["gathered"] = np.concatenate([t.numpy() for t in strategy.experimental_local_results(gathered)])
    return runs


def run_jax(keras, np, results):
    from mmkeras.training import make_data_parallel

    inputs, targets = batch(np)
    single = build(keras)
    initial = single.get_weights()
    runs = {"single": (single, single.fit(inputs, targets, batch_size=GLOBAL_BATCH, epochs=STEPS, verbose=0).history["loss"])}
    distribution = make_data_parallel()
    assert distribution.num_model_replicas == REPLICAS
    with distribution.scope():
        model = build(keras)
        model.set_weights(initial)
        losses = model.fit(inputs, targets, batch_size=GLOBAL_BATCH, epochs=STEPS, verbose=0).history["loss"]
    results["sharding"] = np.array(str(model.trainable_variables[0].value.sharding))
    runs["data_parallel"] = (model, losses)
    return runs


def main(out):
    devices = split_cpu(REPLICAS)
    import keras
    import numpy as np

    results = {"devices": np.array(devices)}
    run = run_jax if keras.config.backend() == "jax" else run_tensorflow
    for name, (model, losses) in run(keras, np, results).items():
        results[f"{name}_losses"] = np.array(losses)
        results.update({f"{name}_weight_{i}": w for i, w in enumerate(model.get_weights())})
    np.savez(out, **results)


if __name__ == "__main__":
    main(sys.argv[1])
