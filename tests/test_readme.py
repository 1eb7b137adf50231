"""The README's "use the layers in your own model" example must run."""

import pathlib
import re

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
    ci = (README.parent / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && pytest' in README.read_text()
    assert 'pip install -e ".[test]" && pytest' in ci
