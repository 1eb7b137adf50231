"""TensorFlow's graph settings for every process the unit tests run, in-process or fresh."""

import tensorflow as tf


def use_test_graph_settings():
    """Turns Grappler, TensorFlow's graph optimiser, off for this process.

    The unit tests build hundreds of tiny models and run each for a few
    steps, so tracing and optimising their graphs is most of their time,
    and Grappler pays for itself only over many steps: without it
    `tests/models` measured 120 s instead of 138 s, and `pytest tests` 12:50
    instead of 14:07, all passing. A fresh process that checks outputs
    against the test process calls this too, since Grappler's fused kernels
    round differently. The chapters train for thousands of steps and keep
    it (chapters 07 and 08 measured no faster without it).
    """
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
