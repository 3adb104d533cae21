"""benchmarks/sampling_active.py in a smoke size on digits: the per-epoch selection share it reports."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import sampling_active  # noqa: E402


def _shares(method):
    return sampling_active.main(["--dataset", "digits", "--validation-from-train", "200", "--epochs", "2",
                                 "--batch-size", "64", "--method", method, "--lr", "3e-3", "--seed", "0"])


def test_auto_reports_no_selection_in_the_uniform_first_pass_and_a_share_after_it(capsys):
    shares = _shares("auto")
    assert len(shares) == 2
    assert shares[0] == 0.0  # epoch 1 is the uniform first pass
    assert 0.0 <= shares[1] <= 1.0
    assert "sampling_active per epoch [0.00, " in capsys.readouterr().out


def test_a_method_without_selection_reports_no_share():
    assert _shares("nis") == [None, None]
