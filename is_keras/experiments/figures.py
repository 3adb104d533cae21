"""The thesis's classification figures, redrawn from a sweep's saved results.

Runs are grouped by everything in their spec except the seed
(:func:`group_records`); each group is one line (mean ± 1 std over its runs).

* every sweep kind: 1-AUC curves per dataset, model and size, one line per
  method / exponent (``<dataset>_<model>_<size>_<kind>.png``) — thesis
  Figures 5.1–5.6 and 5.16–5.18 (``model_complexity``), 5.19–5.22
  (``loss_exponent``), 5.23–5.26 (``is_methods``);
* ``model_complexity`` also: convergence speed and max performance against
  the trainable-parameter count (``<dataset>_<model>_convergence_speed.png``,
  ``..._max_performance.png``) — Figures 5.7–5.10 and 5.12–5.15;
* always: ``convergence.csv`` / ``convergence.json``, the numbers behind them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from is_keras.experiments.convergence import summarize_convergence
from is_keras.experiments.curves import mean_curve
from is_keras.experiments.plotting import plot_curves
from is_keras.experiments.sweep import SweepRecord, load_sweep_results

METHOD_NAMES = {"nis": "NIS", "is-probabilistic": "IS-probabilistic", "is-randomsubset": "IS-randomsubset",
                "is-highsubset": "IS-highsubset"}


def group_records(records: list[SweepRecord]) -> dict[str, list[SweepRecord]]:
    """Records grouped by :meth:`RunSpec.group_key` (all fields but the seed), in first-seen order.

    Example:
        >>> groups = group_records(load_sweep_results("results/mc"))
        >>> [len(g) for g in groups.values()]   # runs (seeds) per configuration
        [5, 5, 5, 5]
    """
    groups: dict[str, list[SweepRecord]] = {}
    for record in records:
        groups.setdefault(record.spec.group_key(), []).append(record)
    for key, members in groups.items():
        seeds = [r.spec.seed for r in members]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"duplicate seeds {sorted(seeds)} in one configuration: {key}")
    return groups


def method_label(spec, show_exponent: bool = False) -> str:
    """``"NIS"``, ``"IS-probabilistic"``, ``"IS-probabilistic ω=0.5"`` or ``"IS-probabilistic unbiased"``.

    Example:
        >>> method_label(spec, show_exponent=True)
        'IS-probabilistic ω=1.5'
    """
    label = METHOD_NAMES.get(spec.method, spec.method)
    if show_exponent and spec.exponent is not None:
        label += f" ω={spec.exponent:g}"
    if getattr(spec, "uniform_mix", None):
        label += f" λ={spec.uniform_mix:g}"
    if getattr(spec, "unbiased", False):
        label += " unbiased"
    return label


def size_label(spec) -> str:
    """The model size part of file names: ``p20000``, ``width8`` or ``default``."""
    return spec.size_label


def convergence_table(records: list[SweepRecord], window: int | None = None) -> list[dict]:
    """One row per configuration: convergence speed and max performance, mean ± std over seeds.

    Args:
        records: from :func:`load_sweep_results`.
        window: convergence window in batches; default: each run's sweep ``window``.

    Example:
        >>> rows = convergence_table(load_sweep_results("results/mc"))
        >>> rows[0]["speed_mean"], rows[0]["performance_mean"]
        ...
    """
    rows = []
    for members in group_records(records).values():
        spec = members[0].spec
        windows = {window or r.sweep["window"] for r in members}
        if len(windows) != 1:
            raise ValueError(f"runs of one configuration were saved with different windows {sorted(windows)}")
        used = windows.pop()
        summary = summarize_convergence([r.result for r in members], used)
        parameters = [r.result.config.get("parameters", np.nan) for r in members]
        rows.append({
            "kind": members[0].sweep.get("kind", "custom"), "dataset": spec.dataset, "model": spec.model,
            "size": size_label(spec), "parameters": int(np.nanmean(parameters)), "method": spec.method,
            "exponent": spec.exponent, "label": method_label(spec, show_exponent=spec.exponent is not None),
            "window": used, "runs": summary.runs,
            "speed_mean": summary.speed_mean, "speed_std": summary.speed_std,
            "performance_mean": summary.performance_mean, "performance_std": summary.performance_std,
        })
    return rows


def format_convergence_table(rows: list[dict]) -> str:
    """The table of :func:`convergence_table` as aligned text.

    Example:
        >>> print(format_convergence_table(rows))
        ...
    """
    width = _label_width(rows)
    header = (f"{'model':<10}{'params':>9}  {'method':<{width}}{'runs':>5}"
              f"{'convergence speed (samples)':>31}{'max performance (1-AUC)':>28}")
    lines = [header]
    for row in rows:
        lines.append(
            f"{row['model']:<10}{row['parameters']:>9}  {row['label']:<{width}}{row['runs']:>5}"
            f"{row['speed_mean']:>18.0f} ± {row['speed_std']:<10.0f}"
            f"{row['performance_mean']:>16.5f} ± {row['performance_std']:<9.5f}"
        )
    return "\n".join(lines)


def curve_checkpoints(records: list[SweepRecord], epochs) -> list[dict]:
    """Mean ± std 1-AUC of every configuration after given numbers of epochs (early vs late training).

    The value at epoch ``e`` is the last evaluation with at most
    ``e × ceil(N / B) × B`` samples seen (``N`` training samples, batch ``B``:
    the samples of ``e`` full epochs); epochs past the run's end give NaN.

    Example:
        >>> rows = curve_checkpoints(load_sweep_results("results/le"), epochs=[2, 5, 25])
        >>> rows[0]["label"], rows[0]["mean"]
        ('NIS', [0.21, 0.09, 0.04])
    """
    epochs = [int(e) for e in epochs]
    if not epochs or min(epochs) < 1:
        raise ValueError(f"epochs must be a non-empty list of integers >= 1, got {epochs!r}")
    rows = []
    for members in group_records(records).values():
        spec = members[0].spec
        curve = mean_curve([r.result for r in members])
        num_train = members[0].result.config.get("num_train")
        if not num_train:
            raise ValueError("the runs do not record num_train (training-set size)")
        per_epoch = -(-int(num_train) // spec.batch_size) * spec.batch_size  # ceil(N / B) batches of B
        means, stds = [], []
        for epoch in epochs:
            reached = np.flatnonzero(curve.samples <= epoch * per_epoch)
            ok = epoch <= spec.epochs and reached.size > 0
            means.append(float(curve.mean[reached[-1]]) if ok else float("nan"))
            stds.append(float(curve.std[reached[-1]]) if ok else float("nan"))
        rows.append({"model": spec.model, "parameters": int(members[0].result.config.get("parameters", 0)),
                     "label": method_label(spec, show_exponent=spec.exponent is not None),
                     "method": spec.method, "exponent": spec.exponent, "runs": len(members),
                     "epochs": epochs, "mean": means, "std": stds})
    return rows


def format_checkpoints(rows: list[dict]) -> str:
    """:func:`curve_checkpoints` as aligned text, one column per epoch.

    Example:
        >>> print(format_checkpoints(rows))
        ...
    """
    width = _label_width(rows)
    header = f"{'model':<10}{'params':>9}  {'method':<{width}}{'runs':>5}" + "".join(
        f"{f'epoch {e}':>20}" for e in rows[0]["epochs"])
    lines = [header + "   (mean 1-AUC ± std)"]
    for row in rows:
        cells = "".join(f"{m:>11.4f} ± {s:<6.4f}" for m, s in zip(row["mean"], row["std"]))
        lines.append(f"{row['model']:<10}{row['parameters']:>9}  {row['label']:<{width}}{row['runs']:>5}{cells}")
    return "\n".join(lines)


def _label_width(rows: list[dict]) -> int:
    """Method column width: 24, or wider for long labels (e.g. "IS-probabilistic ω=1.5 unbiased")."""
    return max([24] + [len(row["label"]) + 2 for row in rows])


def write_convergence_table(rows: list[dict], out_dir) -> list[Path]:
    """``convergence.csv`` and ``convergence.json`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out_dir / "convergence.csv", out_dir / "convergence.json"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    json_path.write_text(json.dumps(rows, indent=1))
    return [csv_path, json_path]


def plot_versus_parameters(rows: list[dict], path, quantity: str, title: str = "") -> Path:
    """Convergence speed (``quantity="speed"``) or max performance (``"performance"``) vs parameters.

    One line per method label, mean ± 1 std band; log parameter axis (and log
    1-AUC axis for performance), as thesis Figures 5.7–5.10 and 5.12–5.15.

    Example:
        >>> plot_versus_parameters(rows, "speed.png", "speed")
        PosixPath('speed.png')
    """
    if quantity not in ("speed", "performance"):
        raise ValueError(f"quantity must be 'speed' or 'performance', got {quantity!r}")
    if not rows:
        raise ValueError("no rows to plot")
    from matplotlib.figure import Figure  # no pyplot: leaves the user's backend (e.g. notebooks) alone

    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.subplots()
    for label in dict.fromkeys(row["label"] for row in rows):
        line_rows = sorted((r for r in rows if r["label"] == label), key=lambda r: r["parameters"])
        x = np.array([r["parameters"] for r in line_rows], dtype=float)
        mean = np.array([r[f"{quantity}_mean"] for r in line_rows])
        std = np.array([r[f"{quantity}_std"] for r in line_rows])
        runs = min(r["runs"] for r in line_rows)
        (line,) = ax.plot(x, mean, marker="o", label=f"{label} (n={runs})")
        lower = mean - std if quantity == "speed" else np.clip(mean - std, mean.min() * 1e-2, None)
        ax.fill_between(x, lower, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters")
    if quantity == "speed":
        ax.set_ylabel("convergence speed: samples until best window")
    else:
        ax.set_yscale("log")
        ax.set_ylabel("max performance: best window's mean 1-AUC")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def _panel_key(record: SweepRecord) -> str:
    """Runs drawn in one curve figure: same everything except method, exponent, subset settings,
    reweighting and seed."""
    fields = record.spec.to_dict()
    for name in ("method", "exponent", "subset_fraction", "subset_size", "seed"):
        fields.pop(name)
    fields.pop("unbiased", None)
    fields.pop("uniform_mix", None)
    fields["kind"] = record.sweep.get("kind", "custom")
    return json.dumps(fields, sort_keys=True)


def draw_figures(out_dir, fig_dir=None, window: int | None = None) -> list[Path]:
    """Redraw every figure of the sweep saved in ``out_dir``; return the files written.

    Args:
        out_dir: a :func:`run_sweep` output folder.
        fig_dir: where to write (default ``<out_dir>/figures``).
        window: convergence window in batches (default: the sweep's).

    Example:
        >>> paths = draw_figures("results/model_complexity")
        >>> sorted(p.name for p in paths)
        [...]
    """
    records = load_sweep_results(out_dir)
    if not records:
        raise ValueError(f"no finished runs in {str(out_dir)!r}")
    fig_dir = Path(fig_dir) if fig_dir is not None else Path(out_dir) / "figures"
    rows = convergence_table(records, window=window)
    written = write_convergence_table(rows, fig_dir)
    groups = group_records(records)
    panels: dict[str, list[list[SweepRecord]]] = {}
    for members in groups.values():
        panels.setdefault(_panel_key(members[0]), []).append(members)
    names: dict[str, int] = {}
    for panel in panels.values():
        spec = panel[0][0].spec
        kind, dataset, model = panel[0][0].sweep.get("kind", "custom"), spec.dataset, spec.model
        name = f"{dataset}_{model}_{size_label(spec)}_{kind}"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:  # same model and size, other schedule: keep both figures
            name += f"_{names[name]}"
        show_exponent = len({m[0].spec.exponent for m in panel if m[0].spec.exponent is not None}) > 1
        curves = {}
        for members in panel:
            label = base = method_label(members[0].spec, show_exponent=show_exponent)
            copy = 1
            while label in curves:  # e.g. two subset sizes of one method
                copy += 1
                label = f"{base} ({copy})"
            curves[label] = mean_curve([r.result for r in members])
        first = panel[0][0]
        parameters = first.result.config.get("parameters")
        runs = min(len(m) for m in panel)
        title = (f"{dataset}, {model} ({parameters:,} parameters), batch {first.spec.batch_size}, "
                 f"{runs} runs per line (mean ± 1 std)")
        written.append(plot_curves(curves, fig_dir / f"{name}.png", title=title))
    for kind, dataset, model in dict.fromkeys((r["kind"], r["dataset"], r["model"]) for r in rows):
        if kind != "model_complexity":
            continue
        subset = [r for r in rows if (r["kind"], r["dataset"], r["model"]) == (kind, dataset, model)]
        window_text = f"window {subset[0]['window']} batches"
        for quantity, name in (("speed", "convergence_speed"), ("performance", "max_performance")):
            written.append(plot_versus_parameters(
                subset, fig_dir / f"{dataset}_{model}_{name}.png", quantity,
                title=f"{dataset}, {model}: {name.replace('_', ' ')} ({window_text}, mean ± 1 std)",
            ))
    return written
