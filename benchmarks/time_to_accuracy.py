"""Wall-clock and samples each sampling method needs to reach uniform sampling's best 1-AUC.

For every seed, every method trains once (the order of methods rotates from
seed to seed, so slow phases of a shared machine hit all methods alike), via
:func:`is_keras.experiments.compare.compare_methods`. The runs of a method are
averaged into one curve, and :func:`is_keras.experiments.curves.time_to_baseline_best`
gives, per method, the samples and training seconds (evaluation excluded) at
which the mean 1-AUC first reaches uniform sampling's ("nis") best mean 1-AUC,
and their ratios to uniform sampling. Per seed, the same is computed against
that seed's uniform run, to show the spread.

Usage:
    python benchmarks/time_to_accuracy.py [--dataset digits] [--seeds 3] [--epochs 30]
        [--csv benchmarks/results/time_to_accuracy.csv]
    python benchmarks/time_to_accuracy.py --dataset synthetic-signs --dataset-kw num_per_class=50

Writes the table (one row per method) to the CSV and the per-seed rows next to it
(``*_per_seed.csv``).
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from is_keras.data import DATASETS, load_dataset  # noqa: E402
from is_keras.experiments.compare import compare_methods  # noqa: E402
from is_keras.experiments.curves import format_table, mean_curve, time_to_baseline_best  # noqa: E402
from is_keras.experiments.run import default_batch_size  # noqa: E402
from is_keras.sampling import METHODS  # noqa: E402


def _parse_kw(items):
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="digits", help=f"one of {sorted(DATASETS)}")
    parser.add_argument("--dataset-kw", action="append", metavar="KEY=VALUE", help="loader keyword arguments")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=None, help="default: 256, smaller for small data")
    parser.add_argument("--eval-every", type=int, default=None, help="batches between evaluations")
    parser.add_argument("--width", type=float, default=8, help="CrapNet width")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--csv", default="benchmarks/results/time_to_accuracy.csv")
    args = parser.parse_args(argv)

    if args.dataset not in DATASETS:
        parser.error(f"unknown dataset {args.dataset!r}; registered: {', '.join(sorted(DATASETS))}")
    train, val = load_dataset(args.dataset, seed=0, **_parse_kw(args.dataset_kw))
    methods = args.methods.split(",")
    if "nis" not in methods:
        parser.error("the methods must include 'nis' (uniform sampling), the baseline")
    batch = args.batch_size or default_batch_size(len(train[0]))
    steps_per_epoch = -(-len(train[0]) // batch)
    eval_every = args.eval_every or max(1, steps_per_epoch // 4)
    print(f"{args.dataset}: {len(train[0])} training samples {train[0].shape[1:]}, batch {batch}, "
          f"{args.epochs} epochs, 1-AUC every {eval_every} batches, seeds 0..{args.seeds - 1}", flush=True)

    results = {method: [] for method in methods}
    for seed in range(args.seeds):
        rotated = methods[seed % len(methods):] + methods[: seed % len(methods)]
        one_seed = compare_methods(train, val, rotated, runs=1, seed=seed, epochs=args.epochs,
                                   batch_size=batch, eval_every=eval_every, learning_rate=args.learning_rate,
                                   model="crapnet", model_kwargs={"width": args.width})
        for method, runs in one_seed.items():
            results[method].extend(runs)

    curves = {method: mean_curve(runs) for method, runs in results.items()}
    rows = time_to_baseline_best(curves, "nis")
    print()
    print(format_table(rows))

    per_seed = []
    for seed in range(args.seeds):
        seed_curves = {method: mean_curve([results[method][seed]]) for method in methods}
        for row in time_to_baseline_best(seed_curves, "nis"):
            per_seed.append(dict(row, seed=seed))
    print("\nper seed, seconds ratio to that seed's uniform run (nan = never reached):")
    for method in methods:
        ratios = [r["seconds_ratio"] for r in per_seed if r["method"] == method]
        print(f"  {method:<18}" + "  ".join(f"{r:6.2f}" for r in ratios)
              + f"   median {np.nanmedian(ratios) if not np.all(np.isnan(ratios)) else float('nan'):6.2f}")
    reached = [r for r in rows if not np.isnan(r["seconds"])]
    fastest = min(reached, key=lambda r: r["seconds"])
    print(f"\nsoonest in wall-clock to uniform sampling's best 1-AUC: {fastest['method']} "
          f"({fastest['seconds']:.2f} s, {fastest['seconds_ratio']:.2f}x uniform)")

    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["method", "target_one_minus_auc", "best_one_minus_auc", "samples", "seconds",
              "samples_ratio", "seconds_ratio"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["dataset", "seeds"] + fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict({k: row[k] for k in fields}, dataset=args.dataset, seeds=args.seeds))
    seed_path = path.with_name(path.stem + "_per_seed.csv")
    with seed_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["dataset", "seed"] + fields)
        writer.writeheader()
        for row in per_seed:
            writer.writerow(dict({k: row[k] for k in fields}, dataset=args.dataset, seed=row["seed"]))
    print(f"wrote {path} and {seed_path}")
    return rows


if __name__ == "__main__":
    main()
