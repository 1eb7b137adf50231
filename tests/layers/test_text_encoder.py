import keras
import numpy as np
import pytest

from mmkeras.layers import TextEncoder
from tests.layers.layer_checks import check_config_round_trip
from tests.layers.layer_checks import check_saved_model_round_trip
from tests.layers.layer_checks import check_symbolic_matches_eager
from tests.layers.layer_checks import check_training_step

TOKENS = np.array([[5, 7, 9, 0, 0], [3, 4, 0, 0, 0], [8, 8, 8, 8, 8]], "int32")


def model_around(layer, length=5):
    inputs = keras.Input((length,), dtype="int32")
    return keras.Model(inputs, layer(inputs))


CONFIGS = [
    {"rnn": "lstm", "output": "vector"},
    {"rnn": "gru", "output": "vector"},
    {"rnn": "lstm", "output": "sequence", "bidirectional": True},
    {"rnn": "gru", "output": "sequence", "dropout": 0.1},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_shapes_serialization_and_training(kwargs, tmp_path):
    layer = TextEncoder(vocab_size=12, embedding_dim=4, units=6, **kwargs)
    width = 12 if kwargs.get("bidirectional") else 6
    shape = (3, 5, width) if kwargs["output"] == "sequence" else (3, width)
    assert layer.compute_output_shape(TOKENS.shape) == shape
    model = model_around(layer)
    check_symbolic_matches_eager(model, TOKENS)
    check_config_round_trip(layer)
    check_saved_model_round_trip(model, TOKENS, tmp_path)
    check_training_step(model, TOKENS, np.zeros(shape, "float32"))


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_more_padding_never_changes_the_output(kwargs):
    layer = TextEncoder(vocab_size=12, embedding_dim=4, units=6, **kwargs)
    short = keras.ops.convert_to_numpy(layer(TOKENS[:2]))
    longer = np.concatenate([TOKENS[:2], np.zeros((2, 4), "int32")], axis=1)
    long = keras.ops.convert_to_numpy(layer(longer))
    if kwargs["output"] == "sequence":
        long = long[:, : TOKENS.shape[1]]
        valid = TOKENS[:2] != 0
        np.testing.assert_allclose(long[valid], short[valid], atol=1e-6)
    else:
        np.testing.assert_allclose(long, short, atol=1e-6)


def test_sequence_output_carries_the_padding_mask():
    layer = TextEncoder(vocab_size=12, embedding_dim=4, units=6, output="sequence")
    mask = keras.ops.convert_to_numpy(layer.compute_mask(TOKENS))
    np.testing.assert_array_equal(mask, TOKENS != 0)
    assert TextEncoder(12, 4, 6).compute_mask(TOKENS) is None


def test_hand_computed_gru_step():
    # A GRU with all-zero weights keeps h = 0; with reset and update gates
    # at sigmoid(0) = 0.5 and candidate tanh(0) = 0, h stays exactly 0.
    layer = TextEncoder(vocab_size=4, embedding_dim=2, units=3, rnn="gru",
                        embeddings_initializer="zeros")
    layer.build((1, 2))
    for w in layer.recurrent.weights:
        w.assign(np.zeros(w.shape, "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(np.array([[1, 2]]))), 0.0)
    # With only the candidate's input bias set to b (Keras's reset_after
    # GRU keeps input and recurrent biases in two rows), one step gives
    # h = (1 - z) * tanh(b) = 0.5 * tanh(b).
    bias = np.zeros(layer.recurrent.cell.bias.shape, "float32")
    bias[0, 6:] = 1.0
    layer.recurrent.cell.bias.assign(bias)
    out = keras.ops.convert_to_numpy(layer(np.array([[1, 0]])))
    np.testing.assert_allclose(out, np.full((1, 3), 0.5 * np.tanh(1.0)), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocab_size": 0}, "vocab_size=0"),
        ({"units": 2.5}, "units=2.5"),
        ({"rnn": "transformer"}, "rnn='transformer'"),
        ({"output": "last"}, "output='last'"),
        ({"use_cudnn": "yes"}, "use_cudnn='yes'"),
    ],
)
def test_bad_arguments(kwargs, message):
    arguments = {"vocab_size": 10, "embedding_dim": 4, "units": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        TextEncoder(**arguments)


def test_bad_input_rank():
    with pytest.raises(ValueError, match=r"rank 2.*Received shape \(2, 3, 4\)"):
        TextEncoder(10, 4, 4)(np.zeros((2, 3, 4), "int32"))


def test_float_ids_are_refused_instead_of_truncated():
    with pytest.raises(TypeError, match=r"integer token ids.*Received dtype float32.*keras.Input\(..., dtype='int32'\)"):
        TextEncoder(10, 4, 4)(np.array([[1.7, 2.2, 0.0]], "float32"))
    with pytest.raises(TypeError, match="Received dtype float32"):
        TextEncoder(10, 4, 4)(keras.Input((3,)))
