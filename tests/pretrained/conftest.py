"""The reference runtime's answers and the loaded MiniLM, shared by the tests of mmkeras.pretrained."""

import json
import pathlib
import subprocess
import sys

import pytest

from mmkeras.pretrained import load_text_embedder

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Text where keras-hub's own normalization (NFKC case folding) gives other ids than the checkpoint's
# tokenizer, and ordinary text beside it.
TEXTS = [
    "a red circle", "A small blue square left of a green triangle.", "Straße ﬁne 🙂", "一个红色的圆", "", "   ",
    "ＲＥＤ Circle", "Café crème brûlée", "a\u200bb", "tab\there\nnew\rline", "İstanbul", "Ǆemal ǅ",
    "naïve coöperate", "Ωmega ΣΊΣΥΦΟΣ", "x\u0000y\ufffdz", "hello, world! (really?)", "don't stop",
    "東京タワー と 서울", "[MASK] token", "ﬀ ﬃ Ⅻ ½ ㎏", "e\u0301", "\u00a0nbsp\u2003em", "नमस्ते दुनिया",
    "مرحبا بالعالم", "สวัสดีครับ", "line\u2028separator", "a " * 300,
]


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    (folder / "texts.json").write_text(json.dumps(TEXTS), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "tests.pretrained.reference_runtime", str(folder / "texts.json"),
                          str(folder / "out.json")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads((folder / "out.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def embedder():
    return load_text_embedder("all-minilm-l6-v2")
