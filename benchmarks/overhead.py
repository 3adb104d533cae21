"""Training-time overhead of importance sampling: IS-probabilistic vs uniform (NIS) wall-clock.

Both trainers train the same CrapNet (width 8) on the same synthetic 28x28x1
data (N = 20,000, batch 256). After one warm-up epoch each (the first pass,
which is uniform for every method, plus tracing), they take turns in short
chunks of steps, so that load from other processes hits both alike. We report

* the ratio of total training seconds IS / NIS over the interleaved epochs
  (the issue's criterion: at most 1.02),
* the ratio of median step times (robust to stalls),
* the bookkeeping per step (``next_indices`` + ``update``) of each method,
  timed directly, and its difference as a fraction of a NIS step.

Usage:
    python benchmarks/overhead.py [--epochs 2] [--chunk 8] [--csv benchmarks/results/overhead.csv]
    python benchmarks/overhead.py --pair nis,nis --csv benchmarks/results/overhead_aa.csv   # A/A noise control

Writes one CSV row per timed step: method, chunk, step, step_seconds, bookkeeping_seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from is_keras.models import crapnet  # noqa: E402
from is_keras.sampling import ImportanceBatchGenerator  # noqa: E402
from is_keras.training.trainer import ImportanceTrainer  # noqa: E402


def synthetic_data(n: int, seed: int = 0):
    """Random 28x28x1 images with labels that depend on them (so losses differ per sample)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = (x[:, :14, :14, 0].mean(axis=(1, 2)) * 40).astype(np.int64) % 10
    return x, y


class TimedGenerator:
    """Wraps a generator's next_indices/update to accumulate the time spent in them."""

    def __init__(self, generator):
        self.seconds = 0.0
        draw, update = generator.next_indices, generator.update

        def timed_draw():
            start = time.perf_counter()
            try:
                return draw()
            finally:
                self.seconds += time.perf_counter() - start

        def timed_update(indices, losses):
            start = time.perf_counter()
            try:
                return update(indices, losses)
            finally:
                self.seconds += time.perf_counter() - start

        generator.next_indices, generator.update = timed_draw, timed_update


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-samples", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--width", type=float, default=8)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up epoch")
    parser.add_argument("--chunk", type=int, default=8, help="steps per turn when interleaving")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pair", default="nis,is-probabilistic",
                        help="baseline,method; 'nis,nis' is an A/A control that shows the noise level")
    parser.add_argument("--csv", default="benchmarks/results/overhead.csv")
    args = parser.parse_args(argv)
    base_method, test_method = args.pair.split(",")
    base, test = "A:" + base_method, "B:" + test_method  # labels stay distinct for an A/A control
    methods = (base, test)

    x, y = synthetic_data(args.num_samples, args.seed)
    trainers, timers = {}, {}
    for method in methods:
        keras.utils.set_random_seed(args.seed)
        gen = ImportanceBatchGenerator(x, y, batch_size=args.batch_size, method=method[2:], seed=args.seed)
        timers[method] = TimedGenerator(gen)
        trainers[method] = ImportanceTrainer(crapnet(x.shape[1:], 10, width=args.width), gen)
    steps_per_epoch = trainers[base].generator.steps_per_epoch
    print(f"N={args.num_samples}, batch {args.batch_size}, CrapNet width {args.width:g}: "
          f"{steps_per_epoch} steps per epoch; warm-up epoch ...", flush=True)
    for trainer in trainers.values():
        for _ in range(steps_per_epoch):
            trainer.train_step()

    rows = []
    total_steps = args.epochs * steps_per_epoch
    done = 0
    chunk_id = 0
    while done < total_steps:
        n = min(args.chunk, total_steps - done)
        order = methods if chunk_id % 2 == 0 else methods[::-1]
        for method in order:
            trainer, timer = trainers[method], timers[method]
            for step in range(n):
                before, bk_before = trainer.training_seconds, timer.seconds
                trainer.train_step()
                rows.append((method, chunk_id, done + step, trainer.training_seconds - before,
                             timer.seconds - bk_before))
        done += n
        chunk_id += 1

    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "chunk", "step", "step_seconds", "bookkeeping_seconds"])
        writer.writerows([(m, c, s, f"{t:.6f}", f"{b:.6f}") for m, c, s, t, b in rows])

    stats = {}
    for method in methods:
        steps = np.array([r[3] for r in rows if r[0] == method])
        bookkeeping = np.array([r[4] for r in rows if r[0] == method])
        stats[method] = (steps.sum(), np.median(steps), np.median(bookkeeping))
        print(f"{method:<18} {steps.size} steps: total {steps.sum():7.2f} s, median step "
              f"{1e3 * np.median(steps):7.2f} ms, median bookkeeping {1e3 * np.median(bookkeeping):6.3f} ms")
    (nis_total, nis_median, nis_bk), (is_total, is_median, is_bk) = stats[base], stats[test]
    chunk_ratios = []
    for chunk in range(chunk_id):
        per = {m: sum(r[3] for r in rows if r[0] == m and r[1] == chunk) for m in methods}
        chunk_ratios.append(per[test] / per[base])
    chunk_ratios = np.array(chunk_ratios)
    boot = np.random.default_rng(0).choice(chunk_ratios, size=(2000, chunk_ratios.size)).mean(axis=1)
    print(f"training-time ratio {test} / {base} (epochs after the first, total): {is_total / nis_total:.4f}")
    print(f"training-time ratio {test} / {base} (median step):                   {is_median / nis_median:.4f}")
    print(f"paired chunk ratios {test} / {base}: median {np.median(chunk_ratios):.4f}, mean {chunk_ratios.mean():.4f} "
          f"(95% bootstrap CI of the mean {np.percentile(boot, 2.5):.4f}-{np.percentile(boot, 97.5):.4f}, "
          f"{chunk_ratios.size} chunks)")
    print(f"bookkeeping per step: {test} {1e3 * is_bk:.3f} ms, {base} {1e3 * nis_bk:.3f} ms; difference = "
          f"{(is_bk - nis_bk) / nis_median:.3%} of a {base} step (the part of the ratio the sampler causes)")
    print(f"wrote {path}")
    return is_total / nis_total


if __name__ == "__main__":
    main()
