"""Input checks shared by the layers: each names what it received."""

import keras
from keras import ops


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}. Received: {name}={value!r}")


def check_rank(layer, argument, shape, ranks, meaning):
    """Raise if `shape` (a tuple) does not have one of `ranks` dimensions."""
    if len(shape) not in ranks:
        expected = " or ".join(str(r) for r in ranks)
        raise ValueError(
            f"{type(layer).__name__} expects `{argument}` of rank {expected} "
            f"({meaning}). Received shape {tuple(shape)}."
        )


def check_modality_list(layer, shapes, minimum=2):
    """Check that a fusion layer got a list of at least `minimum` tensors."""
    if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(
        shapes[0], (list, tuple)
    ):
        raise ValueError(
            f"{type(layer).__name__} expects a list of modality tensors, e.g. "
            f"`{type(layer).__name__}()([image_features, text_features])`. "
            f"Received a single input of shape {shapes}."
        )
    if len(shapes) < minimum:
        raise ValueError(
            f"{type(layer).__name__} fuses at least {minimum} modalities. "
            f"Received {len(shapes)} input(s) with shapes {[tuple(s) for s in shapes]}."
        )
    ranks = {len(s) for s in shapes}
    if len(ranks) != 1 or min(ranks) < 2:
        raise ValueError(
            f"{type(layer).__name__} expects modality tensors of one rank, at least 2 "
            f"((batch, features) or (batch, ..., features)). Received shapes "
            f"{[tuple(s) for s in shapes]}."
        )
    batches = {s[0] for s in shapes if s[0] is not None}
    if len(batches) > 1:
        raise ValueError(
            f"{type(layer).__name__} fuses the same examples from every modality, so the batch sizes "
            f"must agree. Received shapes {[tuple(s) for s in shapes]}."
        )
    leading = [tuple(s[1:-1]) for s in shapes]
    known = {d for d in leading if None not in d}
    if len(known) > 1:
        raise ValueError(
            f"{type(layer).__name__} expects modality tensors that differ only in "
            f"their last (feature) axis. Received shapes {[tuple(s) for s in shapes]}."
        )
    widths = [s[-1] for s in shapes]
    if None in widths:
        raise ValueError(
            f"{type(layer).__name__} needs the feature width of every modality to be "
            f"known. Received shapes {[tuple(s) for s in shapes]}."
        )
    return widths


def check_integer_ids(layer, argument, dtype):
    """Raise a TypeError if `dtype` is not an integer type: embedding floats as ids would
    silently truncate them."""
    name = keras.backend.standardize_dtype(dtype)
    if "int" not in name:
        raise TypeError(
            f"{type(layer).__name__} expects `{argument}` as integer token ids (int32 or int64). "
            f"Received dtype {name}. Tokenize text with a tokenizer, or cast ids with "
            "keras.ops.cast(ids, 'int32'); for a functional model use keras.Input(..., dtype='int32')."
        )


def is_concrete(tensor):
    """Whether `tensor` holds values now (eager), not a symbol of a graph being traced or compiled.

    Only such a tensor can be checked without a cost inside compiled
    graphs (traced by TensorFlow, `jax.jit` or `torch.compile`) or an error from
    there.
    """
    backend = keras.config.backend()
    if backend == "tensorflow":
        # Eager tensors can give their values; symbolic ones traced into a graph cannot.
        return not hasattr(tensor, "shape") or hasattr(tensor, "numpy") or type(tensor).__module__ == "numpy"
    if backend == "jax":
        import jax

        return not isinstance(tensor, jax.core.Tracer)
    if backend == "torch":
        import torch

        # NumPy arrays have a `device` too (the string "cpu"): only a torch tensor can be symbolic here.
        if not isinstance(tensor, torch.Tensor):
            return True
        return not torch.compiler.is_compiling() and tensor.device.type != "meta"
    return backend == "numpy"


def check_ids_in_range(layer, argument, ids, vocab_size):
    """Raise a ValueError naming the first token id outside `[0, vocab_size)`, when `ids` is concrete.

    Inside compiled graphs nothing is checked, and what an out-of-range id
    does depends on the backend: an error on TensorFlow's CPU kernels, a
    zero vector on its GPU kernels, a clamped index under XLA and JAX, a
    device-side assertion on a CUDA PyTorch.
    """
    if not is_concrete(ids):
        return
    values = ops.convert_to_numpy(ids)
    outside = (values < 0) | (values >= vocab_size)
    if outside.any():
        position = tuple(int(i) for i in zip(*outside.nonzero()).__next__())
        raise ValueError(
            f"{type(layer).__name__} got token id {int(values[position])} at {argument}{list(position)}, "
            f"outside [0, vocab_size={vocab_size}). Ids must come from the tokenizer whose vocabulary size "
            "the layer was built with; rebuild the layer with that tokenizer's `vocabulary_size`, or map "
            "unknown tokens to the tokenizer's out-of-vocabulary id."
        )


def carry_non_finite(outputs, inputs):
    """`outputs`, made NaN for every example whose `inputs` hold a NaN or an infinity.

    Max pooling skips NaN (TensorFlow even returns the float minimum for a
    window of NaN) and ReLU can turn it into a number, so a broken image
    could come out as ordinary features. Adding 0 * (the example's input
    sum), which is 0 for finite inputs and NaN otherwise, keeps the damage
    visible in that example's outputs and changes nothing else.
    """
    poison = ops.sum(ops.cast(inputs, "float32") * 0.0, axis=tuple(range(1, len(inputs.shape))))
    poison = ops.reshape(poison, (-1,) + (1,) * (len(outputs.shape) - 1))
    return outputs + ops.cast(poison, outputs.dtype)


def build_sublayer(sublayer, *shapes):
    """Build `sublayer` unless it already is (e.g. after a direct call to it)."""
    if not sublayer.built:
        sublayer.build(*shapes)


def check_rate(name, value):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")


def check_filters(filters, example):
    """Check a per-block `filters` sequence and return it as a tuple of ints."""
    if isinstance(filters, int) or not filters:
        raise ValueError(
            "`filters` must be a non-empty sequence of ints, one per block, "
            f"e.g. {example}. Received: filters={filters!r}"
        )
    for f in filters:
        check_positive_int("filters", f)
    return tuple(int(f) for f in filters)
