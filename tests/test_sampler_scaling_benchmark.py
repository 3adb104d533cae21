"""benchmarks/sampler_scaling.py: every registered method's row, in a smoke size (no timing assertions)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import sampler_scaling  # noqa: E402

from is_keras.sampling import METHODS  # noqa: E402


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gets_a_row_whose_memory_holds_at_least_the_table(method):
    # the candidate methods hand out C > B indices: the benchmark must write one loss per drawn index
    row = sampler_scaling.measure(method, 512, 16, steps=3)
    assert (row["method"], row["num_samples"], row["batch_size"]) == (method, 512, 16)
    assert row["memory_mb"] >= 512 * 8 / 1e6  # the float64 loss table at least
    assert 0 <= row["step_ms_median"] <= row["step_ms_p95"]
