"""Trainer steps of several methods interleaved in one process: per-step wall and thread CPU, ratio to the first.

A finer instrument than ``overhead.py``'s whole runs on a loaded machine: every
configuration gets its own ``ImportanceTrainer`` (same model, data and seed),
all are traced and warmed up first (2 epochs: the first pass is done), then
they take turns, ``--steps`` steps each, for ``--chunks`` rounds (forwards,
then backwards), so load bursts hit all of them alike. Reported: the median
per-step wall-clock and thread CPU time (``time.thread_time``: this thread
only), and the median over rounds of each round's ratio to the first
configuration. Put the first configuration twice (``nis,...,nis:aa``) for an
A/A control.

Configurations: a method name, optionally ``:tree`` or ``:flat`` to force
is-probabilistic's structure, or any other ``:tag`` to run a method twice.

Usage:
    python benchmarks/overhead_steps.py [--configs nis,is-probabilistic,is-probabilistic:tree,nis:aa]
        [--chunks 200] [--steps 22] [--step fast|slow]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from overhead import STEPS, build_model, load_step_data  # noqa: E402

from is_keras.sampling.generator import ImportanceBatchGenerator  # noqa: E402
from is_keras.sampling.probabilistic import ProbabilisticSampler  # noqa: E402
from is_keras.training.trainer import ImportanceTrainer  # noqa: E402


def build_trainers(configs, x, y, setup: dict, seed: int = 0) -> dict:
    trainers, limit = {}, ProbabilisticSampler.flat_max_size
    try:
        for config in configs:
            method, _, tag = config.partition(":")
            ProbabilisticSampler.flat_max_size = {"tree": 0, "flat": len(x)}.get(tag, limit)
            generator = ImportanceBatchGenerator(x, y, batch_size=setup["batch_size"], method=method, seed=seed)
            trainers[config] = ImportanceTrainer(build_model(setup, x.shape[1:], seed), generator)
    finally:
        ProbabilisticSampler.flat_max_size = limit
    for trainer in trainers.values():
        trainer.fit(2)  # tracing, the first pass and a warm-up epoch
    return trainers


def measure(trainers: dict, *, chunks: int, steps: int) -> list[dict]:
    configs = list(trainers)
    wall = {c: [] for c in configs}
    cpu = {c: [] for c in configs}
    for chunk in range(chunks):
        for config in configs if chunk % 2 == 0 else configs[::-1]:
            trainer = trainers[config]
            start_wall, start_cpu = time.perf_counter(), time.thread_time()
            for _ in range(steps):
                trainer.train_step()
            wall[config].append((time.perf_counter() - start_wall) / steps * 1e3)
            cpu[config].append((time.thread_time() - start_cpu) / steps * 1e3)
    base = configs[0]
    rows = []
    for config in configs:
        w, c = np.array(wall[config]), np.array(cpu[config])
        ratio_wall, ratio_cpu = w / np.array(wall[base]), c / np.array(cpu[base])
        rows.append({"config": config, "wall_ms": float(np.median(w)), "cpu_ms": float(np.median(c)),
                     "ratio_wall": float(np.median(ratio_wall)), "ratio_cpu": float(np.median(ratio_cpu)),
                     "ratio_wall_iqr": [float(np.percentile(ratio_wall, 25)), float(np.percentile(ratio_wall, 75))],
                     "ratio_cpu_iqr": [float(np.percentile(ratio_cpu, 25)), float(np.percentile(ratio_cpu, 75))]})
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default="nis,is-probabilistic,is-probabilistic:tree,nis:aa")
    parser.add_argument("--chunks", type=int, default=200, help="rounds (each configuration --steps steps per round)")
    parser.add_argument("--steps", type=int, default=22, help="steps per configuration and round")
    parser.add_argument("--step", choices=sorted(STEPS), default="fast")
    args = parser.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    if len(set(configs)) != len(configs):
        parser.error("configurations must differ: tag a repeated one, e.g. nis:aa")
    setup = dict(STEPS[args.step])
    (x, y), _ = load_step_data(setup, smoke=False)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{setup['model']} on {setup['data']}, N = {len(x)}, batch {setup['batch_size']}; load average {load}")
    rows = measure(build_trainers(configs, x, y, setup), chunks=args.chunks, steps=args.steps)
    print(f"| configuration | wall ms/step | thread CPU ms/step | ratio to {configs[0]}: wall (IQR) "
          "| thread CPU (IQR) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['wall_ms']:.3f} | {r['cpu_ms']:.3f} | {r['ratio_wall']:.3f} "
              f"({r['ratio_wall_iqr'][0]:.3f}-{r['ratio_wall_iqr'][1]:.3f}) | {r['ratio_cpu']:.3f} "
              f"({r['ratio_cpu_iqr'][0]:.3f}-{r['ratio_cpu_iqr'][1]:.3f}) |")
    print(f"load average at end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return rows


if __name__ == "__main__":
    main()
