"""The numbers behind a sweep's figures: runs grouped by configuration (all but the seed), convergence table,
checkpoints; each group is one line of a figure or one row of a table (mean ± 1 std over its runs)."""

from __future__ import annotations

import json

import numpy as np

from is_keras.experiments.convergence import summarize_convergence
from is_keras.experiments.curves import mean_curve
from is_keras.experiments.sweep_store import SweepRecord
from is_keras.sampling.methods import METHOD_SPECS


def group_records(records: list[SweepRecord]) -> dict[str, list[SweepRecord]]:
    """Records grouped by :meth:`RunSpec.group_key` (all fields but the seed), in first-seen order.

    Raises: ValueError: when one configuration holds a seed twice.
    Example:
        >>> group_records([])
        {}
    """
    groups: dict[str, list[SweepRecord]] = {}
    for record in records:
        groups.setdefault(record.spec.group_key(), []).append(record)
    for key, members in groups.items():
        seeds = [r.spec.seed for r in members]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"duplicate seeds {sorted(seeds)} in one configuration: {key}")
    return groups


def method_label(spec, *, show_exponent: bool = False) -> str:
    """``"NIS"``, ``"IS-probabilistic"``, ``"IS-probabilistic ω=0.5"`` or ``"IS-probabilistic unbiased"``.

    Example:
        >>> from is_keras.experiments.run_spec import RunSpec
        >>> spec = RunSpec("digits", {}, 0, "crapnet", {}, "is-probabilistic", 1.5, 0, 1, 64, 5, 1e-3, None, None,
        ...                unbiased=True)
        >>> method_label(spec, show_exponent=True)
        'IS-probabilistic ω=1.5 unbiased'
    """
    registered = METHOD_SPECS.get(spec.method)
    label = registered.label if registered else spec.method
    if show_exponent and spec.exponent is not None:
        label += f" ω={spec.exponent:g}"
    if getattr(spec, "uniform_mix", None):
        label += f" λ={spec.uniform_mix:g}"
    if getattr(spec, "unbiased", False):
        label += " unbiased"
    return label


def convergence_table(records: list[SweepRecord], *, window: int | None = None) -> list[dict]:
    """One row per configuration: convergence speed and max performance, mean ± std over seeds.

    Args:
        records: from :func:`~is_keras.experiments.sweep_store.load_sweep_results`.
        window: convergence window in batches; default: each run's sweep ``window``.
    Returns:
        Rows with ``kind``, ``dataset``, ``model``, ``size``, ``parameters``, ``method``, ``exponent``, ``label``,
        ``window``, ``runs``, ``speed_mean``, ``speed_std``, ``performance_mean``, ``performance_std``.
    Raises: ValueError: when runs of one configuration were saved with different windows.
    Example:
        >>> convergence_table([])
        []
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
            "size": spec.size_label, "parameters": int(np.nanmean(parameters)), "method": spec.method,
            "exponent": spec.exponent, "label": method_label(spec, show_exponent=spec.exponent is not None),
            "window": used, "runs": summary.runs, "speed_mean": summary.speed_mean, "speed_std": summary.speed_std,
            "performance_mean": summary.performance_mean, "performance_std": summary.performance_std,
        })
    return rows


def curve_checkpoints(records: list[SweepRecord], epochs) -> list[dict]:
    """Mean ± std of every configuration's metric after given numbers of epochs (early vs late training).

    The value at epoch ``e`` is the last evaluation within ``e`` full epochs of samples; epochs past the run's end: NaN.

    Raises: ValueError: for no epochs or an epoch < 1, or runs that do not record ``num_train``.
    Example:
        >>> curve_checkpoints([], epochs=[1, 2])
        []
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
        last = np.searchsorted(curve.samples, np.array(epochs) * per_epoch, side="right") - 1  # samples increase
        ok = (np.array(epochs) <= spec.epochs) & (last >= 0)
        means, stds = (np.where(ok, values[last], np.nan).tolist() for values in (curve.mean, curve.std))
        rows.append({"model": spec.model, "parameters": int(members[0].result.config.get("parameters", 0)),
                     "label": method_label(spec, show_exponent=spec.exponent is not None),
                     "method": spec.method, "exponent": spec.exponent, "runs": len(members),
                     "epochs": epochs, "mean": means, "std": stds})
    return rows


def curve_panels(records: list[SweepRecord]) -> list[list[list[SweepRecord]]]:
    """Configurations grouped into figures (everything but the sampler options and the seed), each a list of groups
    of seeds.

    Example:
        >>> curve_panels([])
        []
    """
    panels: dict[str, list[list[SweepRecord]]] = {}
    for members in group_records(records).values():
        fields = {k: v for k, v in members[0].spec.to_dict().items() if k not in (
            "method", "exponent", "subset_fraction", "subset_size", "seed", "unbiased", "uniform_mix",
            "sampler_options")}
        key = json.dumps({**fields, "kind": members[0].sweep.get("kind", "custom")}, sort_keys=True)
        panels.setdefault(key, []).append(members)
    return list(panels.values())


def panel_curves(panel: list[list[SweepRecord]]) -> dict:
    """``{line label: MeanCurve}`` of one figure; exponents shown when the panel has several."""
    show_exponent = len({m[0].spec.exponent for m in panel if m[0].spec.exponent is not None}) > 1
    curves = {}
    for members in panel:
        label = base = method_label(members[0].spec, show_exponent=show_exponent)
        copy = 1
        while label in curves:  # e.g. two subset sizes of one method
            copy += 1
            label = f"{base} ({copy})"
        curves[label] = mean_curve([r.result for r in members])
    return curves
