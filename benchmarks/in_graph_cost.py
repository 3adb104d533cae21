"""Per-step cost of the in-graph sampler (draw + update, XLA-compiled) against the host generator.

A step's bookkeeping is drawing a batch of B = 256 indices and writing B
fresh random losses into the table. The in-graph sampler does it inside one
``tf.function(jit_compile=True)`` that runs ``--steps`` steps per call (as
Keras's ``steps_per_execution``) and, separately, one step per call (the
dispatch overhead of a call included). The host generator
(``ImportanceBatchGenerator``: numpy, sum tree / max tree) does
``next_indices()`` + ``update()``. Both start from a full table of uniform
random losses (no first pass). Times are medians over ``--repeats`` calls.

Usage:
    python benchmarks/in_graph_cost.py [--sizes 1e5,1e6,1e7] [--methods nis,is-probabilistic,is-randomsubset]
        [--batch-size 256] [--steps 20] [--repeats 5] [--out benchmarks/results/in_graph_cost]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.in_graph_sampler import IN_GRAPH_METHODS, InGraphSampler


def in_graph_ms(method: str, n: int, batch: int, steps: int, repeats: int, seed: int = 0) -> tuple[float, float, float]:
    """(median ms per step, fastest ms per step, compile seconds) of ``steps`` draw+update steps per compiled call."""
    sampler = InGraphSampler(n, batch_size=batch, method=method, seed=seed)
    sampler.set_losses(np.random.default_rng(seed).random(n, dtype=np.float32))

    @tf.function(jit_compile=True)
    def run():
        for _ in tf.range(steps):
            indices, _ = sampler.next_batch()
            losses = tf.random.stateless_uniform([batch], seed=tf.stack([sampler.step, tf.constant(1, tf.int64)]))
            sampler.update(indices, losses)
        return sampler.step.read_value()

    start = time.perf_counter()
    run().numpy()
    compile_s = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run().numpy()
        times.append((time.perf_counter() - start) / steps)
    return 1e3 * float(np.median(times)), 1e3 * float(np.min(times)), compile_s


def host_ms(method: str, n: int, batch: int, steps: int, seed: int = 0) -> tuple[float, float]:
    """(median, fastest) ms of ``next_indices()`` + ``update()`` of the host generator."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1), np.uint8)
    y = np.zeros(n, np.uint8)
    gen = ImportanceBatchGenerator(x, y, batch_size=batch, method=method, seed=seed, initial_losses=rng.random(n))
    times = []
    for _ in range(steps + 5):
        losses = rng.random(batch)
        start = time.perf_counter()
        gen.update(gen.next_indices(), losses)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times[5:])), 1e3 * float(np.min(times[5:]))


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [
        f"# In-graph sampler: per-step cost of draw + update (B = {meta['batch_size']})",
        "",
        f"Device: {meta['device']}; TensorFlow {meta['tensorflow']}; {meta['steps']} steps per compiled call, "
        f"median (fastest) of {meta['repeats']} calls. Command: `{meta['command']}`. "
        f"{meta['cpus']} CPU cores, load average {meta['load']} when the run started (a load above the core count "
        "means other jobs shared them: then the fastest call is the better estimate for an idle machine).",
        "",
        "| method | N | in-graph ms/step (XLA, steps_per_execution) | in-graph ms/step (1 step per call) "
        "| host ms/step (numpy) | compile s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['num_samples']:.0e} | {r['in_graph_ms']:.3f} ({r['in_graph_min_ms']:.3f}) "
            f"| {r['in_graph_single_call_ms']:.3f} ({r['in_graph_single_call_min_ms']:.3f}) "
            f"| {r['host_ms']:.3f} ({r['host_min_ms']:.3f}) | {r['compile_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7")
    parser.add_argument("--methods", default=",".join(IN_GRAPH_METHODS))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="benchmarks/results/in_graph_cost")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    gpus = tf.config.list_physical_devices("GPU")
    meta = {
        "batch_size": args.batch_size, "steps": args.steps, "repeats": args.repeats,
        "device": f"GPU ({gpus[0].name})" if gpus else f"CPU ({platform.processor() or platform.machine()})",
        "tensorflow": tf.__version__, "cpus": os.cpu_count(), "load": round(os.getloadavg()[0], 1),
        "command": "python benchmarks/in_graph_cost.py " + " ".join(argv if argv is not None else []),
    }
    rows = []
    for n in sizes:
        for method in args.methods.split(","):
            graph, graph_min, compile_s = in_graph_ms(method, n, args.batch_size, args.steps, args.repeats)
            single, single_min, _ = in_graph_ms(method, n, args.batch_size, 1, args.repeats * 4)
            host, host_min = host_ms(method, n, args.batch_size, args.steps * args.repeats)
            row = {"method": method, "num_samples": n, "batch_size": args.batch_size, "in_graph_ms": graph,
                   "in_graph_min_ms": graph_min, "in_graph_single_call_ms": single,
                   "in_graph_single_call_min_ms": single_min, "host_ms": host, "host_min_ms": host_min,
                   "compile_s": compile_s}
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()
