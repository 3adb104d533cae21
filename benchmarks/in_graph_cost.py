"""Per-step cost of the in-graph sampler (draw + update, XLA-compiled) against the host generator.

A step's bookkeeping is drawing a batch of B = 256 indices and writing B
fresh random losses into the table. The in-graph sampler does it inside one
``tf.function(jit_compile=True)`` that runs ``--steps`` steps per call (as
Keras's ``steps_per_execution``) and, separately, one step per call (the
dispatch overhead of a call included). The host generator
(``ImportanceBatchGenerator``: numpy, sum tree / max tree) does
``next_indices()`` + ``update()``. Both start from a full table of uniform
random losses (no first pass). Times are medians over ``--repeats`` calls.
For is-probabilistic (kept weights, rebuilt from the table once every
``ceil(N / B)`` draws), "rebuild ms" is the extra time of one rebuild.

``--trace-ops`` measures instead what a step costs to *build*: the number of
graph ops (the function's own and those of every function in its library:
``tf.cond`` branches, loop bodies) of one ``next_batch()`` + ``update()`` step
from a fresh sampler (first pass included), the seconds to trace it, and the
seconds of the first call with XLA (trace + compile), per method.

Usage:
    python benchmarks/in_graph_cost.py [--sizes 1e5,1e6,1e7] [--methods nis,is-probabilistic,is-randomsubset]
        [--batch-size 256] [--steps 20] [--repeats 5] [--out benchmarks/results/in_graph_cost]
    python benchmarks/in_graph_cost.py --trace-ops [--sizes 1347] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.in_graph_sampler import InGraphSampler


def in_graph_ms(method: str, n: int, batch: int, steps: int, repeats: int, seed: int = 0) -> tuple[float, ...]:
    """(median ms per step, fastest ms per step, compile seconds, rebuild ms) of ``steps`` draw+update steps per
    compiled call; rebuild ms (is-probabilistic's kept weights rebuilt from the table, once every ceil(N / B)
    draws): the extra time of a call whose first draw rebuilds them, None for the other methods."""
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
    rebuilds = []
    for _ in range(repeats if hasattr(sampler, "kept_weights") else 0):
        sampler.weight_scale.assign(0.0)  # "not built": the call's first update rebuilds the kept weights
        start = time.perf_counter()
        run().numpy()
        rebuilds.append(time.perf_counter() - start - steps * float(np.median(times)))
    rebuild_ms = 1e3 * float(np.median(rebuilds)) if rebuilds else None
    return 1e3 * float(np.median(times)), 1e3 * float(np.min(times)), compile_s, rebuild_ms


#: the configurations --trace-ops measures (method, options)
TRACE_CASES = (
    ("nis", {}),
    ("is-probabilistic", {"unbiased": True, "uniform_mix": 0.1}),
    ("is-randomsubset", {}),
    ("is-switch", {"uniform_mix": 0.1}),
    ("is-annealed", {"uniform_mix": 0.1}),
)


def graph_op_count(concrete) -> int:
    """Ops of a concrete function's graph plus those of every function in its library (branches, bodies)."""
    graph_def = concrete.graph.as_graph_def()
    return len(graph_def.node) + sum(len(f.node_def) for f in graph_def.library.function)


def trace_cost(method: str, options: dict, n: int, batch: int, seed: int = 0) -> dict:
    """Graph ops, trace seconds and first XLA call seconds (trace + compile; wall and process CPU) of one
    draw + update step of a fresh sampler."""
    def make():
        sampler = InGraphSampler(n, batch_size=batch, method=method, seed=seed, **options)

        def step():
            indices, weights = sampler.next_batch()
            losses = tf.random.stateless_uniform([batch], seed=tf.stack([sampler.step, tf.constant(1, tf.int64)]))
            sampler.update(indices, losses * weights)
            return indices

        return step

    traces = []
    for _ in range(2):  # a fresh sampler each time (a full trace); the lesser of two leaves out one-off start-up
        start, cpu = time.perf_counter(), time.process_time()
        concrete = tf.function(make()).get_concrete_function()
        traces.append((time.perf_counter() - start, time.process_time() - cpu))
    trace_s, trace_cpu_s = min(traces)
    ops = graph_op_count(concrete)
    jitted = tf.function(make(), jit_compile=True)
    start, cpu = time.perf_counter(), time.process_time()
    jitted().numpy()
    first_xla_s, first_xla_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    jitted().numpy()
    second_xla_s = time.perf_counter() - start
    return {"method": method, "options": options, "num_samples": n, "batch_size": batch, "graph_ops": ops,
            "trace_s": trace_s, "trace_cpu_s": trace_cpu_s, "first_xla_call_s": first_xla_s,
            "first_xla_call_cpu_s": first_xla_cpu_s, "second_xla_call_s": second_xla_s,
            "load": round(os.getloadavg()[0], 1)}


def trace_rows(sizes, batch: int) -> list[dict]:
    """:func:`trace_cost` of every case in :data:`TRACE_CASES` this version implements, after a warm-up."""
    from is_keras.sampling.in_graph_sampler import IN_GRAPH_METHODS as available

    warm = tf.Variable(1.0)  # TensorFlow's and XLA's one-off start-up, off the first case's clock
    tf.function(lambda: warm.assign_add(1.0), jit_compile=True)().numpy()
    tf.function(lambda: warm.assign_add(1.0)).get_concrete_function()
    return [trace_cost(method, options, n, batch) for n in sizes for method, options in TRACE_CASES
            if method in available]


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


def markdown(rows: list[dict], meta: dict, trace: list[dict] = ()) -> str:
    lines = [
        f"# In-graph sampler: per-step cost of draw + update (B = {meta['batch_size']})",
        "",
        f"Device: {meta['device']}; TensorFlow {meta['tensorflow']}; {meta['steps']} steps per compiled call, "
        f"median (fastest) of {meta['repeats']} calls. Command: `{meta['command']}`. "
        f"{meta['cpus']} CPU cores, load average {meta['load']} when the run started (a load above the core count "
        "means other jobs shared them: then the fastest call is the better estimate for an idle machine).",
        "",
        "| method | N | in-graph ms/step (XLA, steps_per_execution) | in-graph ms/step (1 step per call) "
        "| host ms/step (numpy) | compile s | rebuild ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['num_samples']:.0e} | {r['in_graph_ms']:.3f} ({r['in_graph_min_ms']:.3f}) "
            f"| {r['in_graph_single_call_ms']:.3f} ({r['in_graph_single_call_min_ms']:.3f}) "
            f"| {r['host_ms']:.3f} ({r['host_min_ms']:.3f}) | {r['compile_s']:.1f} "
            f"| {'' if r.get('rebuild_ms') is None else format(r['rebuild_ms'], '.1f')} |"
        )
    if trace:
        lines += [
            "",
            f"Build cost of one draw + update step (a fresh sampler, N = {trace[0]['num_samples']}, "
            f"B = {trace[0]['batch_size']}): graph ops (the function's and every branch / loop body's), "
            "seconds to trace it (the lesser of two traces), and the first call with XLA (trace + compile), "
            "wall (process CPU).",
            "",
            "| method | graph ops | trace s | first XLA call s |",
            "|---|---:|---:|---:|",
        ]
        for r in trace:
            label = r["method"] + "".join(f", {k}={v}" for k, v in r["options"].items())
            lines.append(f"| {label} | {r['graph_ops']} | {r['trace_s']:.2f} ({r['trace_cpu_s']:.2f}) "
                         f"| {r['first_xla_call_s']:.2f} ({r['first_xla_call_cpu_s']:.2f}) |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7")
    parser.add_argument("--methods", default="nis,is-probabilistic,is-randomsubset")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="benchmarks/results/in_graph_cost")
    parser.add_argument("--trace-size", type=int, default=1347, help="N of the build-cost table (digits)")
    parser.add_argument("--trace-batch-size", type=int, default=64, help="B of the build-cost table")
    parser.add_argument("--trace-ops", action="store_true",
                        help="count graph ops and time tracing / XLA compilation of one step instead")
    args = parser.parse_args(argv)
    if args.trace_ops:
        for row in trace_rows([int(float(s)) for s in args.sizes.split(",")], args.batch_size):
            print(json.dumps(row), flush=True)
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    gpus = tf.config.list_physical_devices("GPU")
    meta = {
        "batch_size": args.batch_size, "steps": args.steps, "repeats": args.repeats,
        "device": f"GPU ({gpus[0].name})" if gpus else f"CPU ({platform.processor() or platform.machine()})",
        "tensorflow": tf.__version__, "cpus": os.cpu_count(), "load": round(os.getloadavg()[0], 1),
        "command": "python benchmarks/in_graph_cost.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    rows = []
    for n in sizes:
        for method in args.methods.split(","):
            graph, graph_min, compile_s, rebuild = in_graph_ms(method, n, args.batch_size, args.steps, args.repeats)
            single, single_min, _, _ = in_graph_ms(method, n, args.batch_size, 1, args.repeats * 4)
            host, host_min = host_ms(method, n, args.batch_size, args.steps * args.repeats)
            row = {"method": method, "num_samples": n, "batch_size": args.batch_size, "in_graph_ms": graph,
                   "in_graph_min_ms": graph_min, "in_graph_single_call_ms": single,
                   "in_graph_single_call_min_ms": single_min, "host_ms": host, "host_min_ms": host_min,
                   "compile_s": compile_s, "rebuild_ms": rebuild}
            rows.append(row)
            print(json.dumps(row), flush=True)
    trace = trace_rows([args.trace_size], args.trace_batch_size)
    for row in trace:
        print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows, "trace": trace}, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(rows, meta, trace))
    print(markdown(rows, meta, trace))


if __name__ == "__main__":
    main()
