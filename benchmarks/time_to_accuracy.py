"""Time-to-accuracy: how much sooner (wall-clock and samples) each sampling method reaches uniform sampling's 1-AUC.

Protocol (issue 11):

1. **Splits.** The dataset's validation split is halved (stratified, seed 0)
   into a validation set, which picks everything, and a test set, which only
   reports.
2. **Selection (validation only, seeds 0..).** Uniform sampling ("nis") runs
   at every learning rate of the grid; its rate is the one with the lowest
   mean validation 1-AUC. The budget doubles (up to ``--max-epochs``) until
   uniform's mean validation curve has flattened: the best of its first half
   within ``--flat-tolerance`` (relative) of its overall best. Every other
   method runs at every rate; its rate is the one whose mean validation curve
   reaches uniform's best validation 1-AUC soonest in seconds (if none does,
   the one with the lowest validation 1-AUC). With ``--budgets``, every
   method, uniform included, chooses its rate and its budget this way: a
   shorter budget ends its schedule (cosine's decay to zero) sooner, so a
   method that learns faster can finish sooner rather than be cut short.
3. **Report (test only, seeds 1000..).** Every method, at its rate, trains
   ``--seeds`` times (the method order rotates from seed to seed). Targets:
   ``best`` = uniform's mean test 1-AUC at the evaluation where its mean
   validation curve is lowest; ``half`` = uniform's mean test 1-AUC at half of
   its run. For each method: seconds (and samples) at which its mean test curve
   first reaches each target, the ratio to uniform's, a paired bootstrap 95%
   interval over seeds (targets recomputed per resample; ``inf`` = the resample
   never got there), and per seed whether the target was reached.

Writes ``benchmarks/results/time_to_accuracy_<dataset>.{md,json,png}``.

Usage:
    python benchmarks/time_to_accuracy.py --dataset digits --seeds 5 --epochs 30
    python benchmarks/time_to_accuracy.py --dataset synthetic-signs --dataset-kw num_per_class=50
    python benchmarks/time_to_accuracy.py --dataset gtsrb --dataset-kw root=/data/gtsrb   # a local directory
    python benchmarks/time_to_accuracy.py --smoke        # seconds-long CI check of the whole pipeline
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import time_to_accuracy_stats as stats  # noqa: E402

from is_keras.callbacks.one_minus_auc import OneMinusAUC  # noqa: E402
from is_keras.data import DATASETS, load_dataset  # noqa: E402
from is_keras.data.splits import stratified_split  # noqa: E402
from is_keras.experiments.run import default_batch_size, run_training  # noqa: E402
from is_keras.sampling.config import SamplerConfig  # noqa: E402

#: The configurations compared (name -> SamplerConfig fields, and ``table_score`` where it is not the loss).
PRESETS = {
    "nis": {"method": "nis"},
    "is-probabilistic": {"method": "is-probabilistic"},
    "is-probabilistic-w0.5": {"method": "is-probabilistic", "exponent": 0.5, "uniform_mix": 0.2},
    "is-randomsubset": {"method": "is-randomsubset"},
    "is-switch-0.3": {"method": "is-switch", "switch_fraction": 0.3},
    "is-annealed-0.5": {"method": "is-annealed", "switch_fraction": 0.5},
    "is-annealed-0.5+gradient-norm": {"method": "is-annealed", "switch_fraction": 0.5, "table_score": "gradient-norm"},
    "infobatch": {"method": "infobatch", "prune_ratio": 0.5, "prune_until": 0.875},
    "infobatch-0.7": {"method": "infobatch", "prune_ratio": 0.7, "prune_until": 0.875},
    "is-revisit": {"method": "is-revisit", "exponent": 1.0, "uniform_mix": 0.2},
    "selective-backprop": {"method": "selective-backprop", "candidate_factor": 4.0, "selectivity": 3.0},
    "selective-backprop-2": {"method": "selective-backprop", "candidate_factor": 2.0, "selectivity": 1.0},
    "vr-switch": {"method": "vr-switch", "candidate_factor": 3.0},
    "vr-switch+gradient-norm": {"method": "vr-switch", "candidate_factor": 3.0, "table_score": "gradient-norm"},
    "is-rank-1": {"method": "is-rank", "selectivity": 1.0, "uniform_mix": 0.2},
    "is-rank-2": {"method": "is-rank", "selectivity": 2.0, "uniform_mix": 0.2},
    "adaptive": {"method": "adaptive", "selectivity": 2.0, "uniform_mix": 0.2},
    "adaptive-3": {"method": "adaptive", "selectivity": 3.0, "uniform_mix": 0.2},
    "adaptive-4": {"method": "adaptive", "selectivity": 4.0, "uniform_mix": 0.2},
    "adaptive-5": {"method": "adaptive", "selectivity": 5.0, "uniform_mix": 0.2},
    "auto": {"method": "auto"},
    # auto's rule (on only if τ² >= 2 at the end of the first pass) at β 3 (= auto), 4, 5
    "auto-beta3": {"method": "adaptive", "selectivity": 3.0, "uniform_mix": 0.2, "switch_on_at": 2.0,
                   "switch_on_within": 0.0},
    "auto-beta4": {"method": "adaptive", "selectivity": 4.0, "uniform_mix": 0.2, "switch_on_at": 2.0,
                   "switch_on_within": 0.0},
    "auto-beta5": {"method": "adaptive", "selectivity": 5.0, "uniform_mix": 0.2, "switch_on_at": 2.0,
                   "switch_on_within": 0.0},
}
DEFAULT_METHODS = "nis,is-probabilistic,is-randomsubset,is-switch-0.3,is-annealed-0.5,infobatch"
REPORT_SEED0 = 1000  # report seeds are disjoint from selection seeds


def split_validation(val, seed: int = 0):
    """Halve ``(x, y)`` into (validation, test), stratified by label."""
    x, y = val
    keep, test = stratified_split(np.asarray(y), 0.5, seed=seed)
    return (x[keep], y[keep]), (x[test], y[test])


class OneMinusAUCAndError(OneMinusAUC):
    """:class:`OneMinusAUC` that also records the top-1 error of the same predictions (``errors``)."""

    def __init__(self, x_val, y_val, **kwargs):
        super().__init__(x_val, y_val, **kwargs)
        self.errors = []

    def evaluate(self) -> float:
        probabilities = self.predict_probabilities()
        self.errors.append(float(np.mean(np.argmax(probabilities, axis=1) != self.y_val)))
        from is_keras.metrics.auc import one_minus_auc

        return one_minus_auc(self.y_val, probabilities)


def parse_grid(text: str) -> list[str]:
    """``"1e-3,1e-3@cosine"`` -> grid labels; a label is a learning rate, ``@schedule`` if not constant."""
    labels = []
    for item in text.split(","):
        rate, _, kind = item.partition("@")
        kind = kind or "constant"
        if kind not in ("constant", "cosine", "step"):
            raise ValueError(f"--lr-grid: schedule must be constant, cosine or step, got {kind!r} in {item!r}")
        labels.append(f"{float(rate):g}" + ("" if kind == "constant" else f"@{kind}"))
    return labels


def grid_point(label) -> tuple[float, str]:
    """A grid label -> ``(learning_rate, lr_schedule)``; a ``/epochs`` budget suffix is ignored here."""
    rate, _, kind = str(label).partition("/")[0].partition("@")
    return float(rate), kind or "constant"


def with_budget(label, epochs: int, full: int) -> str:
    """A grid label trained for ``epochs`` instead of the full budget ``full``: ``"0.01@cosine/4"``.

    The schedule (cosine's decay to zero) then ends at ``epochs``: a shorter budget, not a cut-short run.

    Example:
        >>> with_budget("0.01@cosine", 4, 6), with_budget("0.01@cosine", 6, 6)
        ('0.01@cosine/4', '0.01@cosine')
    """
    return str(label) if epochs == full else f"{label}/{epochs}"


def budget_schedule(label, schedule: dict) -> tuple[str, dict]:
    """``(rate label, schedule)`` of a grid label: its ``/epochs`` suffix, if any, replaces ``schedule["epochs"]``."""
    rate, _, epochs = str(label).partition("/")
    return rate, (dict(schedule, epochs=int(epochs)) if epochs else schedule)


#: Finished runs, ``{key: curves}``, read from and written to ``--cache`` so an interrupted benchmark resumes. The key
#: is what runs (the preset's resolved sampler configuration and table score, not its name): a changed preset or
#: ``auto`` trains again, and two names for one configuration share their runs.
CACHE: dict = {"path": None, "runs": {}}


def train_once(data, preset: str, *, learning_rate: str, seed: int, schedule: dict):
    """One run (``learning_rate`` a grid label): (samples, seconds, validation 1-AUC, test 1-AUC, test error)."""
    learning_rate, schedule = budget_schedule(learning_rate, schedule)
    fields = dict(PRESETS[preset])
    table_score = fields.pop("table_score", "loss")
    resolved = SamplerConfig.from_dict(fields).resolved.to_dict()  # what the preset means now ("auto" may change)
    key = json.dumps([resolved, table_score, learning_rate, seed, schedule], sort_keys=True)
    if key in CACHE["runs"]:
        return tuple(np.asarray(v) for v in CACHE["runs"][key])
    train, val, test = data
    tester = OneMinusAUCAndError(*test, eval_every=schedule["eval_every"])
    rate, kind = grid_point(learning_rate)
    result = run_training(train, val, sampler_config=SamplerConfig.from_dict(fields), table_score=table_score,
                          learning_rate=rate, lr_schedule=kind, seed=seed, epochs=schedule["epochs"],
                          batch_size=schedule["batch_size"], eval_every=schedule["eval_every"],
                          model=schedule.get("model", "crapnet"), model_kwargs={"width": schedule["width"]},
                          callbacks=[tester])
    curves = (result.samples, result.seconds, result.one_minus_auc, np.asarray(tester.one_minus_auc),
              np.asarray(tester.errors))
    if CACHE["path"] is not None:
        CACHE["runs"][key] = [np.asarray(c).tolist() for c in curves]
        tmp = CACHE["path"].with_suffix(".tmp")
        tmp.write_text(json.dumps(CACHE["runs"]))
        tmp.replace(CACHE["path"])  # atomic: a kill leaves the old cache or the new one
    return curves


def run_many(data, preset, *, learning_rate, seeds, schedule) -> stats.Runs:
    curves = [train_once(data, preset, learning_rate=learning_rate, seed=s, schedule=schedule) for s in seeds]
    return stats.stack_runs(*[[c[k] for c in curves] for k in range(4)])


def flattened(mean_val: np.ndarray, tolerance: float) -> bool:
    """The best of the curve's first half is within ``tolerance`` (relative) of its overall best."""
    half = max(1, mean_val.size // 2)
    return mean_val[:half].min() <= mean_val.min() * (1 + tolerance) + 1e-12


def select(data, methods, args, schedule, log) -> tuple[dict, dict]:
    """Learning rate per method and the (possibly extended) schedule, from validation curves only.

    Each method takes the grid point (rate, budget) whose mean validation curve reaches uniform's validation best
    in the fewest trained samples (then seconds, then the lowest validation best)."""
    seeds = range(args.select_seeds)
    if len(args.lr_grid) == 1 and args.epochs * 2 > args.max_epochs and args.budgets in (None, [args.epochs]):
        log("selection skipped: one learning rate and a fixed budget leave nothing to choose")
        return {method: args.lr_grid[0] for method in methods}, schedule
    while True:
        base = {lr: run_many(data, "nis", learning_rate=lr, seeds=seeds, schedule=schedule) for lr in args.lr_grid}
        lr_nis = min(base, key=lambda lr: base[lr].val.mean(axis=0).min())
        mean_val = base[lr_nis].val.mean(axis=0)
        log(f"select nis: lr {lr_nis}, best validation 1-AUC {mean_val.min():.5f} at evaluation "
            f"{int(np.argmin(mean_val)) + 1}/{mean_val.size} ({schedule['epochs']} epochs)")
        if flattened(mean_val, args.flat_tolerance) or schedule["epochs"] * 2 > args.max_epochs:
            break
        schedule = dict(schedule, epochs=schedule["epochs"] * 2)
        log(f"  not flat in the first half: budget doubled to {schedule['epochs']} epochs")
    target = float(mean_val.min())
    chosen = {"nis": lr_nis}
    full = schedule["epochs"]
    budgets = sorted({min(b, full) for b in args.budgets or [full]})
    grid = [with_budget(lr, b, full) for b in budgets for lr in args.lr_grid]
    for method in methods:
        if method == "nis" and len(budgets) == 1:  # uniform's full-budget choice is the target itself
            continue
        if len(grid) == 1:  # one rate, one budget: nothing to choose, no runs needed
            chosen[method] = grid[0]
            continue
        scores = {}
        for lr in grid:
            try:
                runs = run_many(data, method, learning_rate=lr, seeds=seeds, schedule=schedule)
            except FloatingPointError as error:  # diverged: this rate is out
                log(f"select {method}: lr {lr} diverged ({error})")
                scores[lr] = (float("inf"), float("inf"), float("inf"))
                continue
            i = stats.first_index(runs.val.mean(axis=0), target)
            samples, seconds = ((float(runs.samples[i]), float(runs.seconds[:, i].mean())) if i is not None
                                else (float("inf"), float("inf")))
            scores[lr] = (samples, seconds, float(runs.val.mean(axis=0).min()))
            log(f"select {method}: lr {lr}: {samples:.0f} samples ({seconds:.2f} s) to nis's validation best, "
                f"best {scores[lr][2]:.5f}")
        # fewest trained samples first: one method costs the same per sample at every rate and budget, and a
        # choice by seconds would follow this machine's run-to-run timing noise (up to 25 % here)
        chosen[method] = min(scores, key=lambda lr: scores[lr])
    return chosen, schedule


def report(data, methods, chosen, args, schedule, log, partial: Path) -> dict[str, stats.Runs]:
    """Train every method on every report seed; after each seed, save the runs so far to ``partial``."""
    runs = {m: {"samples": [], "seconds": [], "val": [], "test": [], "test_error": []} for m in methods}
    for k in range(args.seeds):
        order = methods[k % len(methods):] + methods[: k % len(methods)]
        for method in order:
            curve = train_once(data, method, learning_rate=chosen[method], seed=REPORT_SEED0 + k, schedule=schedule)
            for key, value in zip(("samples", "seconds", "val", "test", "test_error"), curve):
                runs[method][key].append(value)
            log(f"report seed {k}: {method:<22} best test 1-AUC {curve[3].min():.5f}, {curve[1][-1]:.1f} s")
        partial.write_text(json.dumps(_strict({"chosen": chosen, "schedule": schedule, "runs": runs,
                                               "command": args.command, "lr_grid": args.lr_grid})))
    ERRORS.update({m: np.stack([np.asarray(e)[: len(r["test"][0])] for e in r["test_error"]]) for m, r in runs.items()})
    return {m: stats.stack_runs(r["samples"], r["seconds"], r["val"], r["test"]) for m, r in runs.items()}


#: Test top-1 error curves per method, (seeds, evaluations), filled by :func:`report`.
ERRORS: dict = {}


def error_row(method: str, runs: stats.Runs, base: stats.Runs) -> dict:
    """Best mean test error, seconds to uniform's best mean test error and its ratio, seconds per trained sample."""
    if method not in ERRORS:
        return {}
    length = min(ERRORS[method].shape[1], runs.seconds.shape[1])
    mean = ERRORS[method][:, :length].mean(axis=0)
    base_mean = ERRORS["nis"][:, : base.seconds.shape[1]].mean(axis=0)
    level = float(base_mean.min())
    i, j = stats.first_index(mean, level), stats.first_index(base_mean, level)
    seconds = float(runs.seconds[:, i].mean()) if i is not None else float("nan")
    base_seconds = float(base.seconds[:, j].mean())
    per_sample = float(np.mean(runs.seconds[:, -1] / runs.samples[-1]))
    base_per_sample = float(np.mean(base.seconds[:, -1] / base.samples[-1]))
    return {"best_test_error": float(mean.min()), "error_target": level, "seconds_to_error_target": seconds,
            "error_seconds_ratio": seconds / base_seconds if i is not None else float("inf"),
            "seconds_per_sample": per_sample, "seconds_per_sample_ratio": per_sample / base_per_sample}


def summarize(all_runs: dict[str, stats.Runs], chosen: dict, args) -> dict:
    base = all_runs["nis"]
    levels = stats.targets(base)
    rng = np.random.default_rng(0)
    resamples = stats.resample_seeds(base.seeds, args.bootstrap, rng)
    rows = []
    for method, runs in all_runs.items():
        point = stats.ratios(runs, base)
        boot = stats.bootstrap_ratios(runs, base, resamples)
        row = {"method": method, "config": PRESETS[method], "learning_rate": chosen[method],
               "best_test_one_minus_auc": float(runs.test.mean(axis=0).min()), "targets": {}}
        for name, level in levels.items():
            samples, seconds = stats.time_to(runs, level)
            row["targets"][name] = {
                "level": level, "samples": samples, "seconds": seconds,
                "seconds_ratio": point[name][0], "seconds_ratio_ci": stats.interval(boot[name][:, 0]),
                "samples_ratio": point[name][1], "samples_ratio_ci": stats.interval(boot[name][:, 1]),
                "per_seed": stats.per_seed(runs, base, level),
            }
        row.update(error_row(method, runs, base))
        rows.append(row)
    mean_val = base.val.mean(axis=0)
    return {"targets": levels, "rows": rows,
            "uniform_best_validation_at": float((np.argmin(mean_val) + 1) / mean_val.size),
            "uniform_flat_in_first_half": bool(flattened(mean_val, args.flat_tolerance))}


def _fmt_ratio(value, ci) -> str:
    if not np.isfinite(value):
        return "not reached"
    hi = "∞" if not np.isfinite(ci[1]) else f"{ci[1]:.2f}"
    return f"{value:.2f} [{ci[0]:.2f}, {hi}]"


def markdown(summary: dict, header: str) -> str:
    lines = [header, "", "| method | lr | best test 1-AUC | target | reached (seeds) | seconds | "
             "seconds ratio [95% CI] | samples ratio [95% CI] |", "|---|---|---|---|---|---|---|---|"]
    for row in summary["rows"]:
        for name, t in row["targets"].items():
            reached = sum(s["reached"] for s in t["per_seed"])
            seconds = "–" if np.isnan(t["seconds"]) else f"{t['seconds']:.2f}"
            lines.append(f"| {row['method']} | {row['learning_rate']} | {row['best_test_one_minus_auc']:.5f} | "
                         f"{name} ({t['level']:.5f}) | {reached}/{len(t['per_seed'])} | {seconds} | "
                         f"{_fmt_ratio(t['seconds_ratio'], t['seconds_ratio_ci'])} | "
                         f"{_fmt_ratio(t['samples_ratio'], t['samples_ratio_ci'])} |")
    if any("best_test_error" in row for row in summary["rows"]):
        lines += ["", "| method | best test error | seconds to uniform's best test error | ratio | "
                  "seconds per trained sample (ratio to uniform) |", "|---|---|---|---|---|"]
        for row in summary["rows"]:
            if "best_test_error" in row:
                ratio = row["error_seconds_ratio"]
                lines.append(f"| {row['method']} | {row['best_test_error']:.4f} | "
                             f"{row['seconds_to_error_target']:.1f} | "
                             f"{'not reached' if not np.isfinite(ratio) else f'{ratio:.2f}'} | "
                             f"{row['seconds_per_sample'] * 1e3:.3f} ms ({row['seconds_per_sample_ratio']:.2f}) |")
    return "\n".join(lines) + "\n"


def plot(all_runs: dict[str, stats.Runs], path: Path, title: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    for method, runs in all_runs.items():
        seconds = runs.seconds.mean(axis=0)
        mean, std = runs.test.mean(axis=0), runs.test.std(axis=0)
        ax.plot(seconds, mean, label=method)
        ax.fill_between(seconds, np.maximum(mean - std, mean / 5), mean + std, alpha=0.2)
    ax.axhline(stats.targets(all_runs["nis"])["best"], color="grey", linestyle=":", linewidth=1,
               label="uniform's best (target)")
    ax.set(xlabel="training seconds (mean over seeds)", ylabel="test 1-AUC: mean, band ± std (lower edge ≥ mean/5)",
           yscale="log", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="digits", help=f"one of {sorted(DATASETS)} or tfds:<name>")
    parser.add_argument("--dataset-kw", action="append", metavar="KEY=VALUE", help="loader keyword arguments")
    parser.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma list of {', '.join(PRESETS)}")
    parser.add_argument("--seeds", type=int, default=5, help="report seeds per method")
    parser.add_argument("--select-seeds", type=int, default=1, help="seeds per learning rate in the selection")
    parser.add_argument("--lr-grid", default="1e-3,3e-3",
                        help="learning rates tried per method, each optionally @cosine or @step (default constant)")
    parser.add_argument("--budgets", default=None,
                        help="comma list of epoch budgets each method may choose from (with its learning rate, "
                             "on validation: the fastest to uniform's full-budget validation best); a shorter "
                             "budget ends its schedule sooner. Default: --epochs only")
    parser.add_argument("--validation-from-train", type=int, default=0, metavar="N",
                        help="hold N stratified training images out as validation; the loader's own validation "
                             "split (the official test set for fashion-mnist / mnist) then reports, whole")
    parser.add_argument("--model", default="crapnet", help="crapnet or resnet18 (width --width)")
    parser.add_argument("--cache", default=None,
                        help="JSON file of finished runs: a rerun with the same arguments skips them (resumable)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--max-epochs", type=int, default=120)
    parser.add_argument("--flat-tolerance", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=None, help="default: 256, smaller for small data")
    parser.add_argument("--evals-per-epoch", type=int, default=4)
    parser.add_argument("--width", type=float, default=8, help="CrapNet width")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    parser.add_argument("--summarize-partial", action="store_true",
                        help="no training: summarize the complete seeds saved by an interrupted run")
    parser.add_argument("--smoke", action="store_true", help="tiny: 300 digits, 2 epochs, 2 seeds, nis + is-switch")
    args = parser.parse_args(argv)
    if args.smoke:
        args.dataset, args.seeds, args.select_seeds, args.epochs, args.max_epochs = "digits", 2, 1, 2, 2
        args.lr_grid, args.methods, args.bootstrap, args.width = "3e-3", "nis,is-switch-0.3", 200, 2
        args.evals_per_epoch = 2
    try:
        args.lr_grid = parse_grid(args.lr_grid)
    except ValueError as error:
        parser.error(str(error))
    try:
        args.budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else None
    except ValueError:
        parser.error(f"--budgets must be a comma list of epoch counts, got {args.budgets!r}")
    if args.budgets and min(args.budgets) < 1:
        parser.error(f"--budgets must be >= 1 epoch each, got {args.budgets}")
    args.methods = args.methods.split(",")
    unknown = [m for m in args.methods if m not in PRESETS]
    if unknown or "nis" not in args.methods:
        parser.error(f"methods must include 'nis' and come from {', '.join(PRESETS)}; got unknown {unknown}")
    args.methods = ["nis"] + [m for m in args.methods if m != "nis"]
    if args.seeds < 2:
        parser.error("--seeds must be >= 2 for a bootstrap interval")
    return args


def _strict(value):
    """Strict JSON: NaN -> null, ±inf -> "inf" / "-inf", numpy scalars and tuples to plain values."""
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_strict(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if np.isnan(value):
            return None
        return value if np.isfinite(value) else ("inf" if value > 0 else "-inf")
    return value


def loader_kwargs(items):
    """``["root=DIR", "num_per_class=50"]`` -> ``{"root": "DIR", "num_per_class": 50}`` (numbers cast)."""
    kwargs = {}
    for item in items or []:
        key, _, value = item.partition("=")
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                pass
        kwargs[key] = value
    return kwargs


def hold_out_validation(train, count: int):
    """``(train, validation)``: ``count`` stratified samples of ``train`` (an ``(x, y)`` pair) held out, seed 0."""
    keep, held = stratified_split(np.asarray(train[1]), count / len(train[1]), seed=0)
    return (train[0][keep], train[1][keep]), (train[0][held], train[1][held])


def main(argv=None) -> dict:
    args = parse_args(argv)
    args.command = "python benchmarks/time_to_accuracy.py " + " ".join(sys.argv[1:] if argv is None else argv)
    started = time.time()
    train, val = load_dataset(args.dataset, seed=0, **loader_kwargs(args.dataset_kw))
    if args.smoke:
        train = (train[0][:300], train[1][:300])
    if args.validation_from_train:
        (train, val), test = hold_out_validation(train, args.validation_from_train), val
    else:
        val, test = split_validation(val)
    batch = args.batch_size or default_batch_size(len(train[0]))
    steps = -(-len(train[0]) // batch)
    schedule = {"epochs": args.epochs, "batch_size": batch, "width": args.width,
                "eval_every": max(1, steps // args.evals_per_epoch)}
    if args.model != "crapnet":
        schedule["model"] = args.model
    if args.cache:
        CACHE["path"] = Path(args.cache)
        CACHE["runs"] = json.loads(CACHE["path"].read_text()) if CACHE["path"].exists() else {}
    log = lambda text: print(f"[{time.time() - started:7.1f} s] {text}", flush=True)  # noqa: E731
    log(f"{args.dataset}: train {len(train[0])}, validation {len(val[0])}, test {len(test[0])}, batch {batch}, "
        f"methods {args.methods}, lr grid {args.lr_grid}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"time_to_accuracy_{args.dataset.replace(':', '_')}{'_smoke' if args.smoke else ''}"
    partial = stem.with_name(stem.name + "_partial.json")
    if args.summarize_partial:  # a run cut short: summarize the complete seeds it saved
        saved = json.loads(partial.read_text())
        chosen, schedule = saved["chosen"], saved["schedule"]
        args.lr_grid = saved.get("lr_grid", sorted(set(map(str, chosen.values()))))  # the grid of the interrupted run
        args.methods = list(saved["runs"])
        args.seeds = len(saved["runs"]["nis"]["test"])
        all_runs = {m: stats.stack_runs(r["samples"], r["seconds"], r["val"], r["test"])
                    for m, r in saved["runs"].items()}
        ERRORS.update({m: np.stack([np.asarray(e)[: all_runs[m].test.shape[1]] for e in r["test_error"]])
                       for m, r in saved["runs"].items() if r.get("test_error")})
        log(f"summarizing {args.seeds} complete seeds from {partial}")
        args.command = f"{saved['command'].strip()} (interrupted; then --summarize-partial)"
    else:
        chosen, schedule = select((train, val, test), args.methods, args, schedule, log)
        all_runs = report((train, val, test), args.methods, chosen, args, schedule, log, partial)
    summary = summarize(all_runs, chosen, args)
    command = args.command
    header = (f"**{args.dataset}**, {args.model} width {args.width:g}, batch {batch}, {schedule['epochs']} epochs, "
              f"{args.seeds} report seeds, learning rate per method from {args.lr_grid}"
              f"{f' and budget (epochs) from {args.budgets}' if args.budgets else ''} on validation; "
              f"uniform's mean validation curve is best at {summary['uniform_best_validation_at']:.0%} of the run "
              f"(flat in the first half: {'yes' if summary['uniform_flat_in_first_half'] else 'NO'}). "
              f"Command: `{command.strip()}`")
    summary.update(dataset=args.dataset, schedule=schedule, command=command.strip(), seeds=args.seeds,
                   elapsed_seconds=time.time() - started,
                   curves={m: {"samples": r.samples.tolist(), "seconds": r.seconds.tolist(), "val": r.val.tolist(),
                               "test": r.test.tolist()} for m, r in all_runs.items()})
    table = markdown(summary, header)
    stem.with_suffix(".md").write_text(table)
    stem.with_suffix(".json").write_text(json.dumps(_strict(summary), indent=1))
    plot(all_runs, stem.with_suffix(".png"), f"{args.dataset}: test 1-AUC against training seconds")
    print(table)
    log(f"wrote {stem}.md/.json/.png")
    return summary


if __name__ == "__main__":
    main()
