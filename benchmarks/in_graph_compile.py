"""What the in-graph fit path costs to *start*: first step (trace + XLA compile), graph ops, steady ms/step.

For the fast step of ``benchmarks/overhead.py`` (a 64-unit MLP on digits, N = 1347,
batch 64) and ``jit_compile=True``, per case: the process CPU-seconds of the first
``fit`` call of one step (tracing, XLA compilation and the step), the number of graph
ops of one train step (the function's and every ``tf.cond`` branch's / loop body's),
and the steady CPU ms per step (a later ``fit`` of ``--steps`` steps, its per-call
overhead spread over them). Cases: plain Keras ``model.fit`` (uniform batches, no
partial batch), ``ImportanceSamplingModel(backend="in-graph")`` with nis and with
is-probabilistic, and the in-graph sampler alone (``next_batch`` + ``update`` in a
``tf.function(jit_compile=True)``). CPU-seconds rather than wall-clock: they are
less sensitive to other processes sharing the cores; run it twice and compare
within one run.

Usage:
    python benchmarks/in_graph_compile.py [--cases plain,in-graph-nis,in-graph-is,sampler-nis,sampler-is]
        [--steps 200] [--repeats 2] [--out /tmp/in_graph_compile.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

CASES = ("plain", "in-graph-nis", "in-graph-is", "sampler-nis", "sampler-is")
BATCH = 64


def graph_op_count(concrete) -> int:
    """Ops of a concrete function's graph plus those of every function in its library (branches, bodies)."""
    graph_def = concrete.graph.as_graph_def()
    return len(graph_def.node) + sum(len(f.node_def) for f in graph_def.library.function)


def _model(input_shape, seed: int = 0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])


def fit_case(case: str, x, y, steps: int) -> dict:
    """First one-step ``fit`` (CPU s), graph ops of a train step, steady CPU ms per step of a later ``fit``."""
    keras.backend.clear_session()
    model = _model(x.shape[1:])
    if case == "plain":
        usable = len(x) // BATCH * BATCH  # whole batches only: a partial batch would compile a second graph
        x, y = x[:usable], y[:usable]
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True)
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(BATCH)
        fitted, data = model, (tf.constant(x[:BATCH]), tf.constant(y[:BATCH]))
    else:
        from is_keras.sampling.generator import ImportanceBatchGenerator
        from is_keras.training.keras_fit import ImportanceSamplingModel

        method = "nis" if case.endswith("nis") else "is-probabilistic"
        generator = ImportanceBatchGenerator(x, y, batch_size=BATCH, method=method, seed=0)
        fitted = ImportanceSamplingModel(model, generator, backend="in-graph")
        fitted.compile(optimizer="adam", jit_compile=True)
        dataset, data = fitted.training_dataset(), tf.zeros((), tf.int32)
    start = time.process_time()
    fitted.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)
    first = time.process_time() - start
    ops = graph_op_count(tf.function(lambda: fitted.train_step(data)).get_concrete_function())
    fitted.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)  # the per-call overhead, warm
    start = time.process_time()
    fitted.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)
    one = time.process_time() - start
    start = time.process_time()
    fitted.fit(dataset, steps_per_epoch=steps + 1, epochs=1, verbose=0)
    steady_ms = 1e3 * (time.process_time() - start - one) / steps
    return {"case": case, "first_call_cpu_s": first, "graph_ops": ops, "steady_cpu_ms_per_step": steady_ms}


def sampler_case(case: str, n: int, steps: int) -> dict:
    """The in-graph sampler alone: one draw + update per ``tf.function(jit_compile=True)`` call."""
    from is_keras.sampling.in_graph_sampler import InGraphSampler

    method = "nis" if case.endswith("nis") else "is-probabilistic"
    sampler = InGraphSampler(n, batch_size=BATCH, method=method, seed=0)

    def step():
        indices, weights = sampler.next_batch()
        losses = tf.cast(indices % 7, tf.float32) * weights  # cheap, finite, varied
        sampler.update(indices, losses)
        return indices

    ops = graph_op_count(tf.function(step).get_concrete_function())
    jitted = tf.function(step, jit_compile=True)
    start = time.process_time()
    jitted().numpy()
    first = time.process_time() - start
    start = time.process_time()
    for _ in range(steps):
        jitted()
    sampler.step.numpy()
    steady_ms = 1e3 * (time.process_time() - start) / steps
    return {"case": case, "first_call_cpu_s": first, "graph_ops": ops, "steady_cpu_ms_per_step": steady_ms}


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--steps", type=int, default=200, help="steps of the steady measurement")
    parser.add_argument("--repeats", type=int, default=2, help="rounds over all cases (fresh models each)")
    parser.add_argument("--out", default=None, help="write the rows as JSON here")
    args = parser.parse_args(argv)
    from is_keras.data.digits import load_digits

    (x, y), _ = load_digits()
    warm = tf.Variable(1.0)  # TensorFlow's and XLA's one-off start-up, off the first case's clock
    tf.function(lambda: warm.assign_add(1.0), jit_compile=True)().numpy()
    rows = []
    for repeat in range(args.repeats):
        for case in args.cases.split(","):
            row = sampler_case(case, len(x), args.steps) if case.startswith("sampler") else fit_case(
                case, x, y, args.steps)
            row.update(repeat=repeat, load=round(os.getloadavg()[0], 1))
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as out:
            json.dump(rows, out, indent=1)
    return rows


if __name__ == "__main__":
    main()
