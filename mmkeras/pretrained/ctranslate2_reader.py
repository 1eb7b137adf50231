"""A reader for CTranslate2's `model.bin`, in NumPy, that treats the file as untrusted input."""

import collections
import os
import pathlib
import struct

import numpy as np

# CTranslate2's DataType ids, as its converters write them.
DTYPES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}
ITEM_SIZES = {"float32": 4, "int8": 1, "int16": 2, "int32": 4, "float16": 2, "bfloat16": 2}
# The binary versions whose layout this reader knows (names and shapes from 2, dtype ids from 4, aliases from 3).
SUPPORTED_BINARY_VERSIONS = (4, 5, 6)
MAX_RANK = 8


class CTranslate2Model(collections.namedtuple("CTranslate2Model",
                                              ["spec", "revision", "binary_version", "variables", "aliases"])):
    """What `read_ctranslate2_model` read: the spec's name and revision, the format version, variables, aliases.

    `variables` maps names such as `"encoder/conv1/weight"` to NumPy arrays;
    `aliases` maps a second name to the variable it shares (Whisper's output
    projection is its embedding matrix).

    Example:

    >>> model = CTranslate2Model("WhisperSpec", 3, 6, {"a": np.zeros(2, "float16")}, {"b": "a"})
    >>> model.spec, model.variables[model.aliases["b"]].dtype
    ('WhisperSpec', dtype('float16'))
    """

    __slots__ = ()


class _Reader:
    """Reads little-endian fields, checking every length against what is left of the file first."""

    def __init__(self, file, path, size):
        self.file, self.path, self.size = file, path, size

    @property
    def offset(self):
        return self.file.tell()

    def take(self, count, what):
        if count > self.size - self.offset:
            raise ValueError(
                f"{self.path} is not a complete CTranslate2 model: {what} needs {count:,} bytes at offset "
                f"{self.offset:,}, but the file ends after {self.size - self.offset:,} more. The file is truncated "
                "or not a CTranslate2 model.bin."
            )
        return self.file.read(count)

    def number(self, code, what):
        return struct.unpack("<" + code, self.take(struct.calcsize(code), what))[0]

    def string(self, what):
        length = self.number("H", f"the length of {what}")
        raw = self.take(length, what)
        if not raw.endswith(b"\x00"):
            raise ValueError(f"{self.path}: {what} at offset {self.offset - length:,} does not end with the NUL byte "
                             "CTranslate2 writes; the file is damaged or not a CTranslate2 model.bin.")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self.path}: {what} at offset {self.offset - length:,} is not UTF-8 text.") from None


def _to_array(raw, dtype, shape):
    if dtype == "bfloat16":
        # NumPy has no bfloat16: its bits are the high half of a float32's.
        bits = np.frombuffer(raw, "<u2").astype("<u4") << 16
        return bits.view("<f4").reshape(shape)
    return np.frombuffer(raw, "<" + np.dtype(dtype).str[1:]).reshape(shape)


def read_ctranslate2_model(path):
    """The variables of a CTranslate2 model (`model.bin`), as NumPy arrays.

    The file is untrusted input: every count, rank, shape and byte length
    it declares is checked against the rest of the file before anything
    is read or allocated, so a truncated or hostile file is refused with
    its name and the offset of the field, not read past its end or into
    memory it cannot fill.

    Args:
        path: a CTranslate2 model folder, or its `model.bin` file.

    Returns:
        A `CTranslate2Model` named tuple: `spec` (e.g. `"WhisperSpec"`),
        `revision`, `binary_version`, `variables` (a dict from names such as
        `"encoder/conv1/weight"` to arrays; float16 stays float16, bfloat16
        becomes float32) and `aliases` (a dict from alias to variable name).

    Raises:
        FileNotFoundError: when the folder has no `model.bin`.
        ValueError: for a binary version this reader does not know, or a
            field that does not fit the file (named, with its offset).

    Example:

    >>> from mmkeras.pretrained import shipped_model_dir
    >>> model = read_ctranslate2_model(shipped_model_dir("whisper-tiny.en"))
    >>> model.spec, model.variables["encoder/conv1/weight"].shape
    ('WhisperSpec', (384, 80, 3))
    """
    path = pathlib.Path(path)
    if path.is_dir():
        path = path / "model.bin"
    if not path.is_file():
        raise FileNotFoundError(f"There is no CTranslate2 model file at {str(path)!r}. A CTranslate2 model folder "
                                "holds model.bin (with config.json and a vocabulary).")
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        reader = _Reader(file, path, size)
        version = reader.number("I", "the binary version")
        if version not in SUPPORTED_BINARY_VERSIONS:
            raise ValueError(f"{path} has CTranslate2 binary version {version}; this reader knows versions "
                             f"{list(SUPPORTED_BINARY_VERSIONS)}. Convert the model again with a CTranslate2 whose "
                             "format this reader knows, or check that the file is a CTranslate2 model.bin.")
        spec = reader.string("the model spec's name")
        revision = reader.number("I", "the spec revision")
        count = reader.number("I", "the number of variables")
        # Each variable takes at least 9 bytes (name length, NUL, rank, dtype, byte count): a count the file
        # cannot hold is refused before the loop.
        if count * 9 > size - reader.offset:
            raise ValueError(f"{path} declares {count:,} variables at offset {reader.offset - 4:,}, more than the "
                             f"{size - reader.offset:,} bytes left can hold; the file is damaged.")
        variables = {}
        for index in range(count):
            name = reader.string(f"variable {index}'s name")
            rank = reader.number("B", f"the rank of {name!r}")
            if rank > MAX_RANK:
                raise ValueError(f"{path}: {name!r} declares rank {rank} (at most {MAX_RANK} expected); the file is "
                                 "damaged.")
            shape = tuple(reader.number("I", f"dimension {axis} of {name!r}") for axis in range(rank))
            type_id = reader.number("B", f"the data type of {name!r}")
            if type_id not in DTYPES:
                raise ValueError(f"{path}: {name!r} has data type id {type_id}; known ids are {DTYPES}.")
            dtype = DTYPES[type_id]
            num_bytes = reader.number("I", f"the byte count of {name!r}")
            expected = int(np.prod(shape, dtype=np.int64)) * ITEM_SIZES[dtype]
            if num_bytes != expected:
                raise ValueError(f"{path}: {name!r} declares {num_bytes:,} bytes, but its shape {shape} of {dtype} "
                                 f"needs {expected:,}; the file is damaged.")
            variables[name] = _to_array(reader.take(num_bytes, f"the values of {name!r}"), dtype, shape)
        aliases = {}
        for index in range(reader.number("I", "the number of aliases")):
            alias = reader.string(f"alias {index}")
            target = reader.string(f"the variable of alias {alias!r}")
            if target not in variables:
                raise ValueError(f"{path}: the alias {alias!r} names {target!r}, which the file does not hold.")
            aliases[alias] = target
    return CTranslate2Model(spec, revision, version, variables, aliases)
