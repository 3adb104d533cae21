"""Per-step bookkeeping time and memory of every sampling method, from N = 10^4 to 10^7 samples.

A step's bookkeeping is what the generator does between two training steps:
draw a batch (``next_indices``) and write the batch's losses into the table
(``update``), B = 256. The table starts from random losses via
``initial_losses=`` (no first pass), and every update writes fresh random
losses, so the table keeps its distribution. Time is the median (and 95th
percentile) over ``--steps`` steps; memory is the table plus the sampler's
index structure (``nbytes``) and the peak of Python-tracked allocations while
the generator is built (tracemalloc).

Usage:
    python benchmarks/sampler_scaling.py [--sizes 1e4,1e5,1e6,1e7] [--steps 200]
        [--csv benchmarks/results/sampler_scaling.csv]
"""

from __future__ import annotations

import argparse
import csv
import gc
import time
import tracemalloc
from pathlib import Path

import numpy as np

from is_keras.sampling import METHODS, ImportanceBatchGenerator


def structure_bytes(generator) -> int:
    """Bytes held by the loss table and the sampler's own arrays."""
    sampler = generator.sampler
    extra = getattr(sampler, "nbytes", None)
    if extra is None:  # e.g. the uniform sampler: its current permutation
        extra = sum(v.nbytes for v in vars(sampler).values() if isinstance(v, np.ndarray) and v is not sampler.table)
    return generator.loss_table.nbytes + int(extra)


def measure(method: str, n: int, batch: int, steps: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    losses = rng.random(n)
    x = np.zeros((n, 1), np.uint8)  # the data is irrelevant to the bookkeeping
    y = np.zeros(n, np.uint8)
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    gen = ImportanceBatchGenerator(x, y, batch_size=batch, method=method, seed=seed, initial_losses=losses)
    build = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del losses
    times = []
    for _ in range(steps + 5):
        start = time.perf_counter()
        indices = gen.next_indices()
        drawn = time.perf_counter() - start
        new_losses = rng.random(indices.size)  # B, or C candidates for the candidate methods (outside the clock)
        start = time.perf_counter()
        gen.update(indices, new_losses)
        times.append(drawn + time.perf_counter() - start)
    times = np.array(times[5:])  # the first draws warm caches (and nis's first permutation)
    return {
        "method": method, "num_samples": n, "batch_size": batch,
        "step_ms_median": 1e3 * np.median(times), "step_ms_p95": 1e3 * np.percentile(times, 95),
        "step_ms_mean": 1e3 * times.mean(), "build_s": build,
        "memory_mb": structure_bytes(gen) / 1e6, "build_peak_mb": peak / 1e6,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6,1e7")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--csv", default="benchmarks/results/sampler_scaling.csv")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    methods = args.methods.split(",")

    rows = []
    print(f"{'method':<18}{'N':>10}{'median ms':>11}{'p95 ms':>9}{'mean ms':>9}{'build s':>9}"
          f"{'memory MB':>11}{'build peak MB':>15}")
    for n in sizes:
        for method in methods:
            row = measure(method, n, args.batch_size, args.steps)
            rows.append(row)
            print(f"{method:<18}{n:>10}{row['step_ms_median']:>11.3f}{row['step_ms_p95']:>9.3f}"
                  f"{row['step_ms_mean']:>9.3f}{row['build_s']:>9.3f}{row['memory_mb']:>11.1f}"
                  f"{row['build_peak_mb']:>15.1f}", flush=True)

    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    small, large = min(sizes), max(sizes)
    reference = 100_000 if 100_000 in sizes else small
    print(f"\nbookkeeping ratio N={large:,} / N={reference:,} (median step; mean step, refills included):")
    for method in methods:
        by_n = {r["num_samples"]: r for r in rows if r["method"] == method}
        ratio = by_n[large]["step_ms_median"] / by_n[reference]["step_ms_median"]
        mean_ratio = by_n[large]["step_ms_mean"] / by_n[reference]["step_ms_mean"]
        print(f"  {method:<18}{ratio:6.2f}{mean_ratio:6.2f}   ({by_n[large]['step_ms_mean']:.3f} ms mean at "
              f"N={large:,}, {by_n[large]['memory_mb']:.0f} MB)")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
