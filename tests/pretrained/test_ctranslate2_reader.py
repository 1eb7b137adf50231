import struct

import numpy as np
import pytest

from mmkeras.pretrained import read_ctranslate2_model
from mmkeras.pretrained import shipped_model_dir


def _string(text):
    raw = text.encode("utf-8") + b"\x00"
    return struct.pack("<H", len(raw)) + raw


def _model_file(variables, version=6, aliases=(), spec="TestSpec"):
    """A model.bin written field by field: (name, shape, type id, declared byte count or None, raw bytes)."""
    out = struct.pack("<I", version) + _string(spec) + struct.pack("<II", 1, len(variables))
    for name, shape, type_id, num_bytes, raw in variables:
        out += _string(name) + struct.pack("<B", len(shape)) + b"".join(struct.pack("<I", d) for d in shape)
        out += struct.pack("<BI", type_id, len(raw) if num_bytes is None else num_bytes) + raw
    out += struct.pack("<I", len(aliases)) + b"".join(_string(a) + _string(b) for a, b in aliases)
    return out


def test_reads_what_ctranslate2s_own_writer_wrote(tmp_path):
    from ctranslate2.specs import model_spec

    class Layer(model_spec.LayerSpec):
        def __init__(self):
            self.weight = np.arange(6, dtype=np.float32).reshape(2, 3)
            self.half = np.linspace(-1, 1, 5).astype(np.float16)
            self.ids = np.array([[1, -2], [3, 4]], np.int32)
            self.small = np.array([-128, 0, 127], np.int8)

    class Model(model_spec.ModelSpec):
        def __init__(self):
            super().__init__()
            self.layer = Layer()

        @property
        def name(self):
            return "ReaderTestSpec"

    spec = Model()
    spec.validate()
    spec._serialize(str(tmp_path / "model.bin"))  # the writer ModelSpec.save uses for model.bin
    model = read_ctranslate2_model(tmp_path)
    assert (model.spec, model.revision, model.binary_version) == ("ReaderTestSpec", 1, 6)
    expected = {name: value for name, value in vars(Layer()).items() if not name.startswith("_")}
    assert sorted(model.variables) == sorted(f"layer/{name}" for name in expected)
    for name, value in expected.items():
        read = model.variables[f"layer/{name}"]
        assert read.dtype == value.dtype and read.shape == value.shape
        np.testing.assert_array_equal(read, value)


def test_reads_the_shipped_whisper_tiny_en():
    model = read_ctranslate2_model(shipped_model_dir("whisper-tiny.en") / "model.bin")
    assert model.spec == "WhisperSpec" and model.binary_version == 6
    variables = model.variables
    assert variables["encoder/conv1/weight"].shape == (384, 80, 3)
    assert variables["decoder/embeddings/weight"].shape == (51864, 384)
    assert variables["decoder/embeddings/weight"].dtype == np.float16
    # The output projection is the embedding matrix, stored once.
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    # Fused query, key and value projections in each self-attention.
    assert variables["encoder/layer_0/self_attention/linear_0/weight"].shape == (3 * 384, 384)
    weights = sum(v.size for v in variables.values() if v.dtype == np.float16)
    assert 37_000_000 < weights < 38_500_000, weights


def test_bfloat16_becomes_float32(tmp_path):
    values = np.array([1.5, -2.0, 0.0], np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    (tmp_path / "model.bin").write_bytes(_model_file([("b", (3,), 5, None, bits)]))
    read = read_ctranslate2_model(tmp_path).variables["b"]
    assert read.dtype == np.float32
    np.testing.assert_array_equal(read, values)


def test_a_truncated_file_is_refused_by_name_and_offset(tmp_path):
    whole = (shipped_model_dir("whisper-tiny.en") / "model.bin").read_bytes()
    (tmp_path / "model.bin").write_bytes(whole[:100_000])
    with pytest.raises(ValueError, match=r"model.bin is not a complete CTranslate2 model: the values of "
                                         r"'decoder/embeddings/weight' needs 39,831,552 bytes at offset [\d,]+, but the "
                                         r"file ends after [\d,]+ more"):
        read_ctranslate2_model(tmp_path)


def test_declared_sizes_are_checked_before_anything_is_allocated(tmp_path):
    path = tmp_path / "model.bin"
    # 30,000 x 30,000 float32 is 3.6 GB, declared consistently: refused because the file cannot hold it.
    path.write_bytes(_model_file([("huge", (30_000, 30_000), 0, 3_600_000_000, b"")]))
    with pytest.raises(ValueError, match=r"'huge' needs 3,600,000,000 bytes at offset 44, but the file ends after 4"):
        read_ctranslate2_model(path)
    path.write_bytes(_model_file([("lying", (2, 2), 0, 8, b"\x00" * 8)]))
    with pytest.raises(ValueError, match=r"'lying' declares 8 bytes, but its shape \(2, 2\) of float32 needs 16"):
        read_ctranslate2_model(path)
    header = struct.pack("<I", 6) + _string("TestSpec") + struct.pack("<II", 1, 4_000_000_000)
    path.write_bytes(header + b"\x00" * 64)
    with pytest.raises(ValueError, match=r"declares 4,000,000,000 variables .* more than the 64 bytes left"):
        read_ctranslate2_model(path)
    path.write_bytes(_model_file([("deep", (1,) * 9, 0, 4, b"\x00" * 4)]))
    with pytest.raises(ValueError, match=r"'deep' declares rank 9"):
        read_ctranslate2_model(path)
    path.write_bytes(_model_file([("odd", (1,), 9, 4, b"\x00" * 4)]))
    with pytest.raises(ValueError, match=r"'odd' has data type id 9"):
        read_ctranslate2_model(path)
    path.write_bytes(_model_file([("w", (1,), 0, None, b"\x00" * 4)], aliases=[("alias", "missing")]))
    with pytest.raises(ValueError, match=r"the alias 'alias' names 'missing', which the file does not hold"):
        read_ctranslate2_model(path)


def test_versions_and_files_it_does_not_know_are_named(tmp_path):
    (tmp_path / "model.bin").write_bytes(_model_file([], version=3))
    with pytest.raises(ValueError, match=r"binary version 3; this reader knows versions \[4, 5, 6\]"):
        read_ctranslate2_model(tmp_path)
    (tmp_path / "model.bin").write_bytes(struct.pack("<I", 6) + struct.pack("<H", 5) + b"abcde")
    with pytest.raises(ValueError, match="does not end with the NUL byte"):
        read_ctranslate2_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="There is no CTranslate2 model file at .*nowhere"):
        read_ctranslate2_model(tmp_path / "nowhere")
