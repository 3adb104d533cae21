"""The arithmetic and the tables of ``benchmarks/overhead.py``: paired ratios, their summaries, the Markdown report.

Kept apart from the runs so that it can be tested without training anything.
"""

from __future__ import annotations

import numpy as np

#: (label, test path, baseline path, goal of the median whole-run ratio or None)
COMPARISONS = (
    ("IS / nis, ImportanceTrainer", "trainer-is", "trainer-nis", 1.05),
    ("A/A control: nis / nis, ImportanceTrainer", "trainer-nis-aa", "trainer-nis", None),
    ("IS / nis, fit wrapper (host)", "fit-wrapper-is", "fit-wrapper-nis", 1.05),
    ("fit wrapper IS (host) / plain model.fit", "fit-wrapper-is", "fit-plain", 1.10),
    ("fit wrapper IS (host) / plain fit, repeated dataset", "fit-wrapper-is", "fit-plain-repeat", 1.10),
    ("fit wrapper nis (host) / plain model.fit", "fit-wrapper-nis", "fit-plain", None),
    ("in-graph IS / plain model.fit", "fit-in-graph-is", "fit-plain", 1.05),
    ("in-graph IS / plain fit, repeated dataset", "fit-in-graph-is", "fit-plain-repeat", 1.05),
    ("in-graph IS / plain model.fit, both XLA", "fit-in-graph-is-xla", "fit-plain-xla", 1.05),
    ("ImportanceTrainer IS / plain model.fit", "trainer-is", "fit-plain", None),
)
QUANTITIES = ("total", "fit", "first_epoch", "later_epochs", "cpu_total")


# ------------------------------------------------------------------ the arithmetic
def paired_ratios(runs: list[dict], test: str, base: str, quantity: str = "total") -> np.ndarray:
    """Per-repetition ratios ``test / base`` of one quantity, over the repetitions that ran both paths.

    Example:
        >>> runs = [{"path": "a", "repetition": 0, "total": 2.0}, {"path": "b", "repetition": 0, "total": 1.0},
        ...         {"path": "a", "repetition": 1, "total": 3.0}, {"path": "b", "repetition": 1, "total": 2.0}]
        >>> paired_ratios(runs, "a", "b").tolist()
        [2.0, 1.5]
    """
    by_rep: dict[int, dict[str, float]] = {}
    for run in runs:
        by_rep.setdefault(run["repetition"], {})[run["path"]] = run[quantity]
    return np.array([paths[test] / paths[base] for _, paths in sorted(by_rep.items())
                     if test in paths and base in paths and paths[base] > 0], dtype=np.float64)


def ratio_summary(ratios) -> dict:
    """``{"n", "min", "median", "max"}`` of a set of ratios (None for an empty set).

    Example:
        >>> ratio_summary([1.2, 1.0, 1.1])
        {'n': 3, 'min': 1.0, 'median': 1.1, 'max': 1.2}
    """
    ratios = np.asarray(ratios, dtype=np.float64)
    if ratios.size == 0:
        return {"n": 0, "min": None, "median": None, "max": None}
    return {"n": int(ratios.size), "min": float(ratios.min()), "median": float(np.median(ratios)),
            "max": float(ratios.max())}


def compare(runs: list[dict], comparisons=COMPARISONS) -> list[dict]:
    """One row per comparison whose two paths both ran: ratio summaries per quantity and the goal verdict."""
    rows = []
    for label, test, base, goal in comparisons:
        stats = {q: ratio_summary(paired_ratios(runs, test, base, q)) for q in QUANTITIES}
        if stats["total"]["n"] == 0:
            continue
        met = None if goal is None else bool(stats["total"]["median"] <= goal)
        # the paths run forwards in even repetitions, backwards in odd ones: a gap between these shows an order effect
        by_order = {name: ratio_summary(paired_ratios([r for r in runs if r["repetition"] % 2 == parity], test, base))
                    for name, parity in (("forward", 0), ("backward", 1))}
        rows.append({"comparison": label, "test": test, "baseline": base, "goal": goal, "met": met, **stats,
                     "total_by_order": {name: summary["median"] for name, summary in by_order.items()}})
    return rows


# ----------------------------------------------------------------------- report
def _cell(stats: dict) -> str:
    if not stats["n"]:
        return "-"
    return f"{stats['min']:.3f} / **{stats['median']:.3f}** / {stats['max']:.3f}"


def markdown(result: dict) -> str:
    """The Markdown report of one benchmark run (``result`` as ``overhead.main`` writes it to JSON)."""
    setup, lines = result["setup"], []
    lines.append(f"# Overhead, {result['step']} step: {result['description']}\n")
    lines.append(f"Command: `{result['command']}`  \n{result['environment']}  \nload average at start / end: "
                 f"{result['load_start']} / {result['load_end']}; {setup['epochs']} epochs, "
                 f"{result['repetitions']} paired repetitions (+{result['warmup']} warm-up)"
                 f"{'; each run in its own process' if result.get('isolated') else ''}\n")
    lines.append("Ratios test / baseline within each repetition: min / **median** / max.\n")
    lines.append("| comparison | goal | whole run | training call | first epoch | later epochs | "
                 "CPU seconds, whole run | met |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for row in result["comparisons"]:
        goal = "-" if row["goal"] is None else f"≤ {row['goal']:.2f}"
        met = "-" if row["met"] is None else ("yes" if row["met"] else "**no**")
        cells = " | ".join(_cell(row[q]) for q in QUANTITIES)
        lines.append(f"| {row['comparison']} | {goal} | {cells} | {met} |")
    lines.append("\nWhole-run ratio medians by the order the paths ran in (forwards in even repetitions, "
                 "backwards in odd ones; a gap shows an order effect):\n")
    for row in result["comparisons"]:
        forward, backward = (row["total_by_order"][k] for k in ("forward", "backward"))
        lines.append(f"- {row['comparison']}: " + " / ".join(
            "-" if v is None else f"{v:.3f}" for v in (forward, backward)))
    lines.append("\nMedian seconds per path (steady ms/step = median later epoch / steps per epoch):\n")
    lines.append("| path | whole run | setup | first epoch | later epochs | steady ms/step |")
    lines.append("|---|---|---|---|---|---|")
    for path in result["paths"]:
        runs = [r for r in result["runs"] if r["path"] == path]
        med = {q: float(np.median([r[q] for r in runs])) for q in ("total", "setup", "first_epoch", "later_epochs")}
        epoch = [r["later_epoch_median"] for r in runs if r["later_epoch_median"] is not None]
        step = f"{1e3 * float(np.median(epoch)) / result['steps_per_epoch']:.3f}" if epoch else "-"
        lines.append(f"| {path} | {med['total']:.3f} | {med['setup']:.3f} | {med['first_epoch']:.3f} | "
                     f"{med['later_epochs']:.3f} | {step} |")
    for path, reason in result["skipped"].items():
        lines.append(f"\nSkipped {path}: {reason}")
    return "\n".join(lines) + "\n"
