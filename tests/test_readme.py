"""The README's "use the layers in your own model" example must run."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch):
    text = README.read_text()
    section = text[text.index("## Use the layers in your own model"):]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(example, "README example", "exec"), namespace)
    assert (tmp_path / "my_model.keras").exists()
    import keras

    reloaded = keras.saving.load_model(tmp_path / "my_model.keras", safe_mode=True)
    assert reloaded.output_shape == (None, 10)


def test_readme_names_the_test_command_ci_runs():
    ci_commands = [line.strip() for line in (README.parent / ".ci" / "run").read_text().splitlines()]
    ci_commands = [line for line in ci_commands if line and not line.startswith("#")]
    assert 'pip install -e ".[test]" && pytest' in README.read_text()
    # CI runs the two halves as separate commands, so that `set -e` stops it
    # when the install fails.
    install = ci_commands.index('pip install -e ".[test]"')
    assert any(line.startswith("pytest") for line in ci_commands[install + 1 :])


FIXTURES = README.parent / "data" / "fixtures"


@pytest.mark.parametrize("captions_file", ["pairs/captions.csv", "pairs_zh/captions.csv"], ids=["english", "chinese"])
def test_your_own_data_example_trains_saves_reloads_and_exports(captions_file, tmp_path, monkeypatch):
    import keras
    import tensorflow as tf

    text = README.read_text()
    section = text[text.index("## Train on your own data"):]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert '"data/fixtures/pairs/captions.csv"' in example
    example = example.replace('"data/fixtures/pairs/captions.csv"', repr(str(FIXTURES / captions_file)))
    monkeypatch.chdir(tmp_path)
    keras.utils.set_random_seed(0)
    namespace = {}
    exec(compile(example, "README own-data example", "exec"), namespace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_captioner.keras", "my_captioner_export"]

    captioner, reloaded, records = namespace["captioner"], namespace["reloaded"], namespace["records"]
    losses = namespace["history"].history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses
    captions = captioner.generate(records.image_paths)
    assert reloaded.generate(records.image_paths) == captions
    served = tf.saved_model.load(str(tmp_path / "my_captioner_export"))
    files = tf.constant([tf.io.read_file(path).numpy() for path in records.image_paths])
    assert [c.decode() for c in served.serve(files)["caption"].numpy()] == captions
    # The first image is a lone purple triangle: the caption must say so.
    colour = "紫" if "zh" in captions_file else "purple"
    assert colour in captions[0], captions
    if "zh" in captions_file:
        # Chinese comes back as Chinese: characters, no spaces, nothing unknown.
        assert all(c and " " not in c and all("\u4e00" <= ch <= "\u9fff" for ch in c) for c in captions), captions


def test_readme_quotes_the_measured_chapter_times():
    import json

    from tests.scripts import load_script

    profile = load_script("profile_chapters")
    results = json.loads((README.parent / "benchmarks" / "results" / "chapter_times_cpu.json").read_text())
    assert sorted(results["chapters"]) == sorted(path.stem for path in (README.parent / "notebooks").glob("*.ipynb"))
    assert profile.readme_line(results) in README.read_text(), \
        "run `python scripts/profile_chapters.py` and paste the line it prints into the README"


def test_readme_quotes_the_measured_whisper_figures():
    import json

    results = json.loads((README.parent / "benchmarks" / "results" / "real_speech_whisper_cpu.json").read_text())
    mean = results["mean"]
    quoted = (f"right {mean['zero_shot_free']:.3f} of the time zero-shot, {mean['zero_shot_constrained']:.3f} when "
              f"constrained to\nthe digits, and a small head on its frozen encoder {mean['head']:.3f}, where chapter\n"
              f"09's recogniser trained from scratch reaches {mean['from_scratch']:.3f}")
    assert quoted in README.read_text(), "quote benchmarks/results/real_speech_whisper_cpu.json in the README"
    speed = json.loads((README.parent / "benchmarks" / "results" / "whisper_speed_cpu.json").read_text())
    greedy = speed["results"]["keras cache xla beam 1"]
    assert greedy["identical"] == greedy["compared"] == 20 and greedy["ratio_to_ctranslate2"] < 1.5
    assert f"greedy tokens on all {greedy['compared']} bundled" in README.read_text().replace("\n", " ")
