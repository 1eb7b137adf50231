import json
import pathlib
import shutil
import struct
import subprocess
import sys
import wave

import ctranslate2
import keras
import keras_hub
import numpy as np
import pytest

from mmkeras.datasets import data_path
from mmkeras.pretrained import shipped_model_dir
from mmkeras.pretrained.whisper import load_whisper_backbone

ROOT = pathlib.Path(__file__).resolve().parents[2]
START = [50257, 50362]  # tiny.en's <|startoftranscript|><|notimestamps|>
END = 50256


@pytest.fixture(scope="module")
def backbone():
    return load_whisper_backbone("whisper-tiny.en")


@pytest.fixture(scope="module")
def reference():
    # float32, so the comparison measures the port and not float16 rounding.
    return ctranslate2.models.Whisper(str(shipped_model_dir("whisper-tiny.en")), device="cpu", compute_type="float32")


def _log_mel(paths):
    """Whisper's log-mel features, (batch, 3000, 80), for bundled 8 kHz recordings brought to 16 kHz."""
    converter = keras_hub.layers.WhisperAudioConverter()
    clips = []
    for path in paths:
        with wave.open(str(path)) as file:
            samples = np.frombuffer(file.readframes(file.getnframes()), "<i2").astype("float32") / 32768
        clips.append(np.interp(np.arange(0, len(samples), 0.5), np.arange(len(samples)), samples).astype("float32"))
    return np.stack([keras.ops.convert_to_numpy(converter(clip)) for clip in clips])


def test_the_encoder_gives_ctranslate2s_outputs(backbone, reference):
    features = _log_mel(sorted(data_path("speech", "wav", "s01").glob("*.wav"))[:2])
    ours = keras.ops.convert_to_numpy(_encode(backbone, features))
    theirs = np.array(reference.encode(ctranslate2.StorageView.from_array(features.transpose(0, 2, 1).copy()),
                                       to_cpu=True))
    assert ours.shape == theirs.shape == (2, 1500, 384)
    np.testing.assert_allclose(ours, theirs, atol=2e-3)


def _encode(backbone, features):
    prompt = np.array([START] * len(features), "int32")
    return backbone({"encoder_features": features, "decoder_token_ids": prompt,
                     "decoder_padding_mask": np.ones_like(prompt)})["encoder_sequence_output"]


def test_greedy_tokens_recomputed_token_by_token_are_ctranslate2s(backbone, reference):
    paths = sorted(data_path("speech", "wav").glob("s0[12]/p001.wav"))
    features = _log_mel(paths)
    embeddings = keras.ops.convert_to_numpy(
        backbone.get_layer("decoder_token_and_position_embedding").token_embedding.embeddings)
    # Whisper's decoding rules (no blank first token, no non-speech symbols) off in both: the raw argmax.
    expected = reference.generate(ctranslate2.StorageView.from_array(features.transpose(0, 2, 1).copy()),
                                  [START] * len(paths), beam_size=1, max_length=10, suppress_blank=False,
                                  suppress_tokens=[])
    for row, result in enumerate(expected):
        tokens = list(START)
        while len(tokens) < 10 and tokens[-1] != END:
            prompt = np.array([tokens], "int32")
            outputs = backbone({"encoder_features": features[row:row + 1], "decoder_token_ids": prompt,
                                "decoder_padding_mask": np.ones_like(prompt)})
            hidden = keras.ops.convert_to_numpy(outputs["decoder_sequence_output"])[0, -1]
            tokens.append(int((hidden @ embeddings.T).argmax()))
        generated, theirs = [t for t in tokens[len(START):] if t != END], result.sequences_ids[0]
        # CTranslate2's max_length also counts tokens it does not return: compare what it returned.
        assert theirs and generated[:len(theirs)] == theirs, (paths[row], generated, theirs)


def test_a_model_that_is_not_whisper_is_refused(tmp_path):
    name = b"OtherSpec\x00"
    (tmp_path / "model.bin").write_bytes(struct.pack("<IH", 6, len(name)) + name + struct.pack("<III", 1, 0, 0))
    with pytest.raises(ValueError, match="holds a CTranslate2 'OtherSpec'; load_whisper_backbone reads a WhisperSpec"):
        load_whisper_backbone(tmp_path)



@pytest.fixture(scope="module")
def hugging_face_whisper(tmp_path_factory):
    """A small random Hugging Face Whisper folder, and transformers' inputs and outputs for it."""
    folder = tmp_path_factory.mktemp("hugging_face_whisper")
    run = subprocess.run([sys.executable, "-m", "tests.pretrained.hugging_face_whisper_reference", str(folder / "model"),
                          str(folder / "reference.npz")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return folder / "model", dict(np.load(folder / "reference.npz"))


def test_a_hugging_face_folder_gives_transformers_outputs(hugging_face_whisper):
    folder, reference = hugging_face_whisper
    backbone = load_whisper_backbone(folder)
    assert (backbone.hidden_dim, backbone.num_layers, backbone.vocabulary_size) == (64, 2, 120)
    tokens = reference["tokens"]
    outputs = backbone({"encoder_features": reference["features"], "decoder_token_ids": tokens,
                        "decoder_padding_mask": np.ones_like(tokens)})
    logits = backbone.token_embedding(outputs["decoder_sequence_output"], reverse=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(outputs["encoder_sequence_output"]), reference["encoder"],
                               atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(logits), reference["logits"], atol=1e-4)


def test_a_hugging_face_folder_that_is_not_whisper_or_lacks_a_tensor_is_refused(hugging_face_whisper, tmp_path):
    from safetensors.numpy import load_file
    from safetensors.numpy import save_file

    source, _ = hugging_face_whisper
    config = json.loads((source / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "model_type": "bert"}))
    shutil.copy(source / "model.safetensors", tmp_path)
    with pytest.raises(ValueError, match="describes a model of type 'bert'; load_whisper_backbone reads Whisper"):
        load_whisper_backbone(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(config))
    tensors = load_file(str(source / "model.safetensors"))
    del tensors["model.decoder.layers.1.encoder_attn.v_proj.weight"]
    save_file(tensors, str(tmp_path / "model.safetensors"))
    with pytest.raises(ValueError, match="has no tensor 'decoder.layers.1.encoder_attn.v_proj.weight'"):
        load_whisper_backbone(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ValueError, match="model.safetensors is not a readable safetensors file"):
        load_whisper_backbone(tmp_path)
