"""benchmarks/overhead.py: the ratio arithmetic, the skipping of an unusable in-graph path, and a smoke run.

No timing assertions: only that the reported ratios are the arithmetic of the recorded runs.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import overhead as overhead_script  # noqa: E402
import overhead_report  # noqa: E402


@pytest.fixture()
def overhead():
    return overhead_script


@pytest.fixture()
def report():
    return overhead_report


def _run(path, rep, total, fit=None):
    fit = total if fit is None else fit
    return {"path": path, "repetition": rep, "total": total, "setup": total - fit, "fit": fit, "first_epoch": fit / 2,
            "later_epochs": fit / 2, "cpu_total": total}


def test_paired_ratios_pair_within_a_repetition(report):
    runs = [_run("a", 0, 2.0), _run("b", 0, 1.0), _run("b", 1, 4.0), _run("a", 1, 5.0), _run("a", 2, 9.0)]
    # repetition 2 has no baseline: left out; ratios follow the repetition order
    np.testing.assert_allclose(report.paired_ratios(runs, "a", "b"), [2.0, 1.25])
    np.testing.assert_allclose(report.paired_ratios(runs, "b", "a"), [0.5, 0.8])
    assert report.paired_ratios(runs, "a", "missing").size == 0


def test_ratio_summary_is_min_median_max(report):
    assert report.ratio_summary([1.3, 0.9, 1.1, 1.0]) == {"n": 4, "min": 0.9, "median": 1.05, "max": 1.3}
    assert report.ratio_summary([]) == {"n": 0, "min": None, "median": None, "max": None}


def test_compare_judges_the_median_whole_run_ratio_against_the_goal(report):
    runs = []
    for rep, (base, test) in enumerate([(1.0, 1.04), (2.0, 2.2), (1.0, 1.0)]):
        runs += [_run("base", rep, base, fit=base / 2), _run("test", rep, test, fit=test / 4)]
    rows = report.compare(runs, comparisons=[("t/b", "test", "base", 1.05), ("t/b free", "test", "base", None),
                                               ("absent", "test", "nothing", 1.0)])
    assert [row["comparison"] for row in rows] == ["t/b", "t/b free"]
    row = rows[0]
    assert row["total"]["median"] == pytest.approx(1.04) and row["total"]["max"] == pytest.approx(1.1)
    assert row["fit"]["median"] == pytest.approx(0.52)  # (1.04 / 4) / (1.0 / 2)
    assert row["met"] is True and rows[1]["met"] is None
    # repetitions 0 and 2 ran forwards (1.04, 1.0), repetition 1 backwards (1.1)
    assert row["total_by_order"] == {"forward": pytest.approx(1.02), "backward": pytest.approx(1.1)}
    strict = report.compare(runs, comparisons=[("t/b", "test", "base", 1.03)])
    assert strict[0]["met"] is False


def test_a_failing_in_graph_path_is_skipped_with_its_reason(overhead, monkeypatch):
    def fake_run(path, x, y, setup, *, seed, callbacks=()):
        if path == "fit-in-graph-is":
            raise ValueError("not yet")
        return _run(path, None, 1.0) | {"later_epoch_median": 0.1}

    monkeypatch.setattr(overhead, "run_path", fake_run)
    skipped = {}
    runs = overhead.measure(["trainer-nis", "fit-in-graph-is", "fit-plain"], None, None, {}, repetitions=2,
                            warmup=1, seed=0, skipped=skipped, progress=lambda line: None)
    assert "not yet" in skipped["fit-in-graph-is"]
    assert sorted((r["repetition"], r["path"]) for r in runs) == [
        (0, "fit-plain"), (0, "trainer-nis"), (1, "fit-plain"), (1, "trainer-nis")]


def test_smoke_run_writes_tables_whose_ratios_match_its_runs(overhead, tmp_path):
    out = tmp_path / "overhead_smoke"
    result = overhead.main(["--smoke", "--paths", "trainer-nis,trainer-is,fit-plain,fit-plain-repeat,fit-wrapper-is",
                            "--out", str(out)])
    saved = json.loads(Path(f"{out}.json").read_text())
    assert saved["paths"] == ["trainer-nis", "trainer-is", "fit-plain", "fit-plain-repeat", "fit-wrapper-is"]
    assert len(saved["runs"]) == 5 and saved["setup"]["epochs"] == 2
    for run in saved["runs"]:
        assert run["total"] == pytest.approx(run["setup"] + run["fit"])
        assert run["fit"] == pytest.approx(run["first_epoch"] + run["later_epochs"])
    by_path = {run["path"]: run for run in saved["runs"]}
    rows = {row["comparison"]: row for row in saved["comparisons"]}
    trainer = rows["IS / nis, ImportanceTrainer"]
    assert trainer["total"]["median"] == pytest.approx(by_path["trainer-is"]["total"] / by_path["trainer-nis"]["total"])
    wrapper = rows["fit wrapper IS (host) / plain model.fit"]
    assert wrapper["goal"] == 1.10
    assert wrapper["later_epochs"]["min"] == pytest.approx(
        by_path["fit-wrapper-is"]["later_epochs"] / by_path["fit-plain"]["later_epochs"])
    text = Path(f"{out}.md").read_text()
    assert "IS / nis, ImportanceTrainer" in text and "≤ 1.10" in text
    assert result["comparisons"] == saved["comparisons"]


def test_bookkeeping_benchmark_smoke_run_reports_each_structure():
    import overhead_bookkeeping

    rows = overhead_bookkeeping.main(["--sizes", "300:16", "--steps", "40", "--chunk", "20",
                                      "--methods", "nis,is-probabilistic,is-probabilistic:flat,is-probabilistic:tree"])
    structures = {row["method"]: row["structure"] for row in rows}
    assert structures == {"nis": "NoneType", "is-probabilistic": "FlatWeights",
                          "is-probabilistic:flat": "FlatWeights", "is-probabilistic:tree": "SumTree"}
    assert all(row["chunks"] == 2 and 0 < row["min_ms"] <= row["median_ms"] <= row["max_ms"] for row in rows)
    from is_keras.sampling.probabilistic import FLAT_MAX_SIZE, ProbabilisticSampler

    assert ProbabilisticSampler.flat_max_size == FLAT_MAX_SIZE  # forcing a structure leaves the threshold as it was


def test_interleaved_trainer_steps_smoke_run():
    import overhead_steps

    rows = overhead_steps.main(["--configs", "nis,is-probabilistic:tree,nis:aa", "--chunks", "2", "--steps", "2"])
    assert [row["config"] for row in rows] == ["nis", "is-probabilistic:tree", "nis:aa"]
    assert rows[0]["ratio_wall"] == 1.0 and all(row["wall_ms"] > 0 and row["cpu_ms"] > 0 for row in rows)
    with pytest.raises(SystemExit):
        overhead_steps.main(["--configs", "nis,nis"])
