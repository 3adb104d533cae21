"""Exponent schedules: values against their formulas, validation."""

import math

import pytest

from is_keras.sampling.schedules import SCHEDULES, check_fraction, exponent_factor


@pytest.mark.parametrize("t", [0.0, 0.1, 0.3, 0.59, 0.6, 0.8, 1.0])
def test_exponent_factor_matches_formulas(t):
    end = 0.6
    assert exponent_factor(t, end=end, shape="step") == (1.0 if t < end else 0.0)
    assert exponent_factor(t, end=end, shape="linear") == pytest.approx(max(0.0, 1 - t / end))
    expected = 0.5 * (1 + math.cos(math.pi * t / end)) if t < end else 0.0
    assert exponent_factor(t, end=end, shape="cosine") == pytest.approx(expected)


def test_exponent_factor_clips_progress_and_is_monotone():
    for shape in SCHEDULES:
        values = [exponent_factor(t / 20, end=1.0, shape=shape) for t in range(-2, 23)]
        assert values[0] == 1.0 and values[-1] == 0.0
        assert all(a >= b for a, b in zip(values, values[1:]))


def test_validation():
    with pytest.raises(ValueError, match="unknown schedule"):
        exponent_factor(0.5, end=0.5, shape="exp")
    with pytest.raises(ValueError, match="end must be in \\(0, 1\\], got 0.0"):
        exponent_factor(0.5, end=0.0)
    with pytest.raises(ValueError, match="prune_ratio must be in \\[0, 1\\)"):
        check_fraction("prune_ratio", 1.0, allow_zero=True, allow_one=False)
    with pytest.raises(ValueError, match="x must be in \\(0, 1\\], got True"):
        check_fraction("x", True)
    assert check_fraction("prune_ratio", 0, allow_zero=True) == 0.0
