"""Host bookkeeping per training step: ``generator.next_batch()`` + ``generator.update()``, in thread CPU time.

What a host-sampler step costs besides the model's own step, measured with
``time.thread_time`` (CPU time of this thread only, so other processes' load on
a shared machine hardly moves it). The table starts from random losses (no
first pass); the losses written back are random too. Methods are interleaved
in chunks of ``--chunk`` steps, so drift hits them alike; we report the
median over chunks of the per-step CPU time, and its min-max.

Usage:
    python benchmarks/overhead_bookkeeping.py [--sizes 1347:64,20000:256,1000000:256] [--methods nis,is-probabilistic]
        [--steps 20000] [--chunk 500] [--unbiased] [--profile METHOD:N:B]
    # where the flat array stops paying (FLAT_MAX_SIZE in is_keras/sampling/probabilistic.py):
    python benchmarks/overhead_bookkeeping.py --methods is-probabilistic:flat,is-probabilistic:tree \
        --sizes 20000:256,50000:256,100000:256,200000:256,50000:64,100000:64 --steps 4000

``--profile`` prints a cProfile of that configuration's steps (cumulative time, top entries) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

import numpy as np

from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.probabilistic import ProbabilisticSampler


def make_generator(method: str, n: int, batch: int, *, unbiased: bool = False, seed: int = 0):
    """``method`` is a registry name, or ``is-probabilistic:flat`` / ``is-probabilistic:tree`` to force a structure."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1), np.float32)
    options = {"unbiased": unbiased} if unbiased else {}
    method, _, structure = method.partition(":")
    limit = ProbabilisticSampler.flat_max_size
    if structure:
        ProbabilisticSampler.flat_max_size = n if structure == "flat" else 0
    try:
        return ImportanceBatchGenerator(x, np.zeros(n, np.int64), batch_size=batch, method=method, seed=seed,
                                        initial_losses=rng.random(n) * 2.0, **options)
    finally:
        ProbabilisticSampler.flat_max_size = limit


def run_steps(gen, steps: int, losses: np.ndarray) -> float:
    """Thread CPU seconds for ``steps`` steps of ``next_batch`` + ``update``."""
    start = time.thread_time()
    for step in range(steps):
        indices, _weights = gen.next_batch()
        gen.update(indices, losses[step % losses.shape[0]])
    return time.thread_time() - start


def measure(methods, sizes, *, steps: int, chunk: int, unbiased: bool) -> list[dict]:
    rows = []
    for n, batch in sizes:
        losses = np.random.default_rng(1).random((64, batch)) * 2.0
        gens = {m: make_generator(m, n, batch, unbiased=unbiased and not m.startswith("nis")) for m in methods}
        for gen in gens.values():
            run_steps(gen, min(chunk, 200), losses)  # warm-up
        per_step = {m: [] for m in methods}
        for c in range(max(1, steps // chunk)):
            for m in methods if c % 2 == 0 else methods[::-1]:
                per_step[m].append(run_steps(gens[m], chunk, losses) / chunk)
        for m in methods:
            ms = np.array(per_step[m]) * 1e3
            rows.append({"method": m, "N": n, "B": batch, "median_ms": float(np.median(ms)),
                         "min_ms": float(ms.min()), "max_ms": float(ms.max()), "chunks": int(ms.size),
                         "structure": type(getattr(gens[m].sampler, "_tree", None)).__name__})
    return rows


def profile(method: str, n: int, batch: int, steps: int, unbiased: bool) -> None:
    gen = make_generator(method, n, batch, unbiased=unbiased)
    losses = np.random.default_rng(1).random((64, batch)) * 2.0
    run_steps(gen, 200, losses)
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    run_steps(gen, steps, losses)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1347:64,20000:256,1000000:256", help="N:B pairs, comma-separated")
    parser.add_argument("--methods", default="nis,is-probabilistic",
                        help="registry names; is-probabilistic:flat / :tree force that structure")
    parser.add_argument("--steps", type=int, default=20_000, help="steps per method and size")
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--unbiased", action="store_true", help="importance weights 1 / (N p_i) (not for nis)")
    parser.add_argument("--profile", default=None, help="METHOD:N:B — print a cProfile of its steps instead")
    args = parser.parse_args(argv)
    if args.profile:
        method, n, batch = args.profile.split(":")
        profile(method, int(n), int(batch), args.steps, args.unbiased)
        return []
    sizes = [tuple(int(v) for v in pair.split(":")) for pair in args.sizes.split(",")]
    methods = args.methods.split(",")
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average at start {load}; {args.steps} steps per method and size, chunks of {args.chunk}"
          f"{', unbiased' if args.unbiased else ''}")
    rows = measure(methods, sizes, steps=args.steps, chunk=args.chunk, unbiased=args.unbiased)
    print("| method | N | B | structure | ms / step, median (min-max) |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['method']} | {r['N']:,} | {r['B']} | {r['structure']} | "
              f"{r['median_ms']:.4f} ({r['min_ms']:.4f}-{r['max_ms']:.4f}) |")
    print(f"load average at end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return rows


if __name__ == "__main__":
    main()
