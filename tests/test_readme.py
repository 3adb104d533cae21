"""The README's claims that code can check: its snippets run as written, its method table is the registry."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start:] if end < 0 else text[start:end]


def test_the_sampling_method_table_lists_exactly_the_registered_methods():
    from is_keras.sampling.methods import METHOD_SPECS

    table = _section("### Sampling methods")
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE)
    assert listed == list(METHOD_SPECS)
    for name, spec in METHOD_SPECS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        for option in spec.options:
            assert f"`{option}" in row, f"the README row of {name} does not name its option {option}"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_usage_snippets_run_as_written(tmp_path, monkeypatch):
    """Every Python block of "Using it in your own code", in order, with 1 epoch instead of 10 / 5."""
    blocks = re.findall(r"```python\n(.*?)```", _section("## Using it in your own code"), flags=re.DOTALL)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        code = re.sub(r"epochs=\d+", "epochs=1", block).replace("verbose=1", "verbose=0")
        code = code.replace("sampler_config=SamplerConfig", "sampler_config=is_keras.sampling.SamplerConfig")
        exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    gen = namespace["gen"]
    assert gen.num_updates > 0
    assert (tmp_path / "model.keras").exists()
    assert namespace["res"].samples.shape == namespace["res"].one_minus_auc.shape
