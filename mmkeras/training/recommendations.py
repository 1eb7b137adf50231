"""Which Keras backend to train the book's models on, from measurements.

The advice comes from `benchmarks/backends.py`, which times every task
model's training step on each backend (`benchmarks/results/backends_*.md`):
on a 2-core CPU with TensorFlow, JAX and PyTorch, and on one H200 GPU with
JAX and PyTorch (TensorFlow could not be installed there, so no TensorFlow
GPU figure exists). `tests/training/test_recommendations.py` checks every
figure quoted here against those results files.
"""

import keras

BACKEND_RECOMMENDATIONS = {
    "tensorflow": (
        "On a CPU, TensorFlow with XLA off: the fastest backend for 6 of the 8 task models, and "
        "XLA off was faster than XLA on for 7 of 8 (1.2x to 12x; the captioner is the exception), "
        "which is why compile_model leaves XLA off on a CPU. Needed wherever tf.data, "
        "tensorflow-text or SavedModel export is used. No GPU figure exists for it."
    ),
    "jax": (
        "On a GPU, JAX: the fastest measured for all 8 task models, 2x to 26x eager PyTorch at the "
        "chapters' batch sizes. On a CPU it was the fastest for the speech recogniser only. "
        "Data parallelism over several devices or hosts goes through keras.distribution "
        "(make_data_parallel), which Keras implements for JAX only."
    ),
    "torch": (
        "PyTorch runs eagerly: it was the fastest for none of the 8 task models on the CPU or the "
        "GPU. Choose it when the model must live inside a PyTorch program; the tasks train, save "
        "and reload there, as on JAX, except the conditional GAN, whose training loop needs "
        "TensorFlow."
    ),
}


def backend_recommendation(backend=None):
    """The measured advice for training on `backend`.

    Args:
        backend: `"tensorflow"`, `"jax"` or `"torch"`; by default the
            backend Keras runs on.

    Returns:
        A sentence or three: where the backend was fastest, where it was
        not, and what only it can do.

    Example:

    >>> print(backend_recommendation("jax").split(":")[0])
    On a GPU, JAX
    """
    if backend is None:
        backend = keras.config.backend()
    if backend not in BACKEND_RECOMMENDATIONS:
        raise ValueError(
            f"`backend` must be one of {sorted(BACKEND_RECOMMENDATIONS)}. Received: backend={backend!r}"
        )
    return BACKEND_RECOMMENDATIONS[backend]
