"""What importance sampling costs a user's whole run, in wall-clock, paired against what they would run instead.

Each *path* is one complete run as a user would start it: build the generator,
the model and the trainer (or compile), then train ``--epochs`` epochs,
first pass and tracing / XLA compilation included. The paths:

===================  ========================================================================
trainer-nis          ``ImportanceTrainer`` with ``method="nis"`` (uniform batches)
trainer-is           ``ImportanceTrainer`` with ``method="is-probabilistic"``
trainer-nis-aa       ``trainer-nis`` again: an A/A control that shows the noise of a ratio
fit-plain            plain Keras ``model.fit(x, y, batch_size=B, shuffle=True)`` on the same model
fit-plain-repeat     plain ``model.fit`` on a shuffled, repeated ``tf.data`` dataset with ``steps_per_epoch``
                     (one iterator for the whole run: ``fit(x, y)`` builds a new one every epoch)
fit-wrapper-nis      ``ImportanceSamplingModel`` (host sampler, ``tf.data`` batches), ``nis``
fit-wrapper-is       the same with ``is-probabilistic``
fit-in-graph-is      ``ImportanceSamplingModel(backend="in-graph")``, ``is-probabilistic``
fit-plain-xla        ``fit-plain`` compiled with ``jit_compile=True``
fit-in-graph-is-xla  ``fit-in-graph-is`` compiled with ``jit_compile=True``
===================  ========================================================================

Every repetition runs every path once, forwards in even repetitions and
backwards in odd ones (so drift in the machine's load hits all paths alike),
and each ratio is taken within one repetition; we report its minimum, median
and maximum over the repetitions, for the whole run, for the training call
alone, for the first epoch (tracing + first pass) and for the later epochs,
and of the process's CPU seconds (less sensitive to other processes' load than
wall-clock). The goals are judged on the median whole-run wall-clock ratio.

Steps: ``--step fast`` (default): a 64-unit MLP on scikit-learn's digits
(N = 1,347, batch 64, ~1-3 ms a step). ``--step slow``: CrapNet width 8 on
synthetic 28x28x1 data (N = 20,000, batch 256, ~40 ms a step), the setting of
the old steps-only figure. ``--step crapnet`` / ``--step resnet``: CrapNet width 8 /
ResNet-18 width 8 on synthetic 28x28x1 data (N = 6,144 / 4,096, batch 128), the
convolutional rows for the XLA paths.

Usage:
    python benchmarks/overhead.py [--step fast|slow] [--epochs 20] [--repetitions 7] [--paths a,b,...]
        [--eval-every K] [--out benchmarks/results/overhead_fast]
    python benchmarks/overhead.py --smoke --out /tmp/overhead_smoke      # seconds; what CI runs

Writes ``<out>.json`` (every run's phases, every ratio) and ``<out>.md`` (the tables; see ``overhead_report.py``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from overhead_report import compare, markdown  # noqa: E402

PATHS = ("trainer-nis", "trainer-is", "trainer-nis-aa", "fit-plain", "fit-plain-repeat", "fit-wrapper-nis",
         "fit-wrapper-is", "fit-in-graph-is", "fit-plain-xla", "fit-in-graph-is-xla")
STEPS = {
    "fast": {"data": "digits", "model": "mlp64", "batch_size": 64, "epochs": 20, "repetitions": 7},
    "slow": {"data": "synthetic", "num_samples": 20_000, "model": "crapnet", "width": 8, "batch_size": 256,
             "epochs": 3, "repetitions": 5},
    # the convolutional rows of issue 21: a user's XLA path on 28x28 images (synthetic, so no data to fetch)
    "crapnet": {"data": "synthetic", "num_samples": 6144, "model": "crapnet", "width": 8, "batch_size": 128,
                "epochs": 3, "repetitions": 3},
    "resnet": {"data": "synthetic", "num_samples": 4096, "model": "resnet18", "width": 8, "batch_size": 128,
               "epochs": 3, "repetitions": 3},
}


# ---------------------------------------------------------------------- the runs
def load_step_data(setup: dict, smoke: bool):
    """``(x, y), (x_val, y_val)`` of the step's data (synthetic: a quarter as many validation samples)."""
    if setup["data"] == "digits":
        from is_keras.data.digits import load_digits

        return load_digits()
    n = setup["num_samples"] if not smoke else 1024
    return _synthetic(n, seed=0), _synthetic(n // 4, seed=1)


def _synthetic(n: int, seed: int):
    """Random 28x28x1 images with labels that depend on them (so losses differ per sample)."""
    x = np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)
    y = (x[:, :14, :14, 0].mean(axis=(1, 2)) * 40).astype(np.int64) % 10
    return x, y


def build_model(setup: dict, input_shape, seed: int):
    keras.utils.set_random_seed(seed)
    if setup["model"] == "mlp64":
        return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                                 keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])
    from is_keras.models import crapnet, resnet18

    build = resnet18 if setup["model"] == "resnet18" else crapnet
    return build(input_shape, 10, width=setup["width"])


class EpochClock(keras.callbacks.Callback):
    """Wall-clock at the start of training and at every epoch end (epoch hooks only: no per-step sync)."""

    def on_train_begin(self, logs=None):
        self.times = [time.perf_counter()]
        self.cpu_times = [time.process_time()]

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter())
        self.cpu_times.append(time.process_time())


def start_path(path: str, x, y, setup: dict, seed: int):
    """Build what ``path`` needs (timed as setup by the caller); return a function that trains it."""
    from is_keras.sampling.generator import ImportanceBatchGenerator

    batch, epochs = setup["batch_size"], setup["epochs"]
    model = build_model(setup, x.shape[1:], seed)
    if path.startswith("trainer-"):
        from is_keras.training.trainer import ImportanceTrainer

        method = "is-probabilistic" if path == "trainer-is" else "nis"
        trainer = ImportanceTrainer(model, ImportanceBatchGenerator(x, y, batch_size=batch, method=method, seed=seed))
        return lambda callbacks: trainer.fit(epochs, callbacks=callbacks)
    jit = path.endswith("-xla")
    if path.startswith("fit-plain"):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit)
        if path == "fit-plain-repeat":
            import tensorflow as tf

            dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat().batch(batch)
            steps = -(-len(x) // batch)
            return lambda callbacks: model.fit(dataset.prefetch(1), steps_per_epoch=steps, epochs=epochs, verbose=0,
                                               shuffle=False, callbacks=callbacks)
        return lambda callbacks: model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0,
                                           callbacks=callbacks)
    from is_keras.training.keras_fit import ImportanceSamplingModel

    method = "nis" if path == "fit-wrapper-nis" else "is-probabilistic"
    generator = ImportanceBatchGenerator(x, y, batch_size=batch, method=method, seed=seed)
    backend = "in-graph" if "in-graph" in path else "host"
    wrapped = ImportanceSamplingModel(model, generator, backend=backend)
    wrapped.compile(optimizer="adam", jit_compile=jit)
    dataset = wrapped.training_dataset()
    return lambda callbacks: wrapped.fit(dataset, steps_per_epoch=generator.steps_per_epoch, epochs=epochs,
                                         verbose=0, callbacks=callbacks)


def run_path(path: str, x, y, setup: dict, *, seed: int, callbacks=()) -> dict:
    """One whole run of ``path``: seconds of setup, the training call, its first epoch and the later ones."""
    keras.backend.clear_session()
    gc.collect()
    time.sleep(0.2)  # let the previous run's background clean-up finish outside this run's clock
    cpu = time.process_time()
    start = time.perf_counter()
    train = start_path(path, x, y, setup, seed)
    built = time.perf_counter()
    clock = EpochClock()
    train([clock, *callbacks])
    end = time.perf_counter()
    epochs = np.diff(clock.times)
    return {"path": path, "setup": built - start, "fit": end - built, "total": end - start,
            "first_epoch": float(clock.times[1] - built), "later_epochs": float(end - clock.times[1]),
            "later_epoch_median": float(np.median(epochs[1:])) if epochs.size > 1 else None,
            "cpu_total": time.process_time() - cpu,
            # per epoch (the first from the end of setup): an epoch whose wall-clock far exceeds its CPU time
            # waited on something outside the process's computation
            "epoch_seconds": [float(clock.times[1] - built), *map(float, epochs[1:])],
            "epoch_cpu_seconds": [float(t) for t in np.diff(clock.cpu_times)]}


def usable_paths(paths, x, y, setup: dict) -> tuple[list[str], dict]:
    """The paths that can be built here, and ``{path: reason}`` for those skipped (the in-graph backend)."""
    usable, skipped = [], {}
    for path in paths:
        if "in-graph" in path:
            try:
                from is_keras.sampling.in_graph_sampler import InGraphSampler  # noqa: F401

                start_path(path, x[: setup["batch_size"] * 2], y[: setup["batch_size"] * 2], setup, 0)
            except Exception as error:  # noqa: BLE001 - any failure means the backend is not usable yet
                skipped[path] = f"in-graph backend not usable: {type(error).__name__}: {error}"
                print(f"skipping {path}: {skipped[path]}", flush=True)
                continue
        usable.append(path)
    return usable, skipped


def run_isolated(path: str, setup: dict, *, seed: int, eval_every=None, smoke: bool = False) -> dict:
    """:func:`run_path` in a fresh Python process (as a user's job), so that no run inherits another's
    threads, compiled functions or garbage; the data is loaded there before the clock starts."""
    command = [sys.executable, str(Path(__file__).resolve()), "--one-run", path, "--one-run-setup", json.dumps(setup),
               "--seed", str(seed)]
    if eval_every:
        command += ["--eval-every", str(eval_every)]
    if smoke:
        command.append("--smoke")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{path} failed in its own process:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _one_run(path: str, setup: dict, *, seed: int, eval_every, smoke: bool) -> None:
    (x, y), val = load_step_data(setup, smoke)
    callbacks = []
    if eval_every:
        from is_keras.callbacks import OneMinusAUC

        callbacks.append(OneMinusAUC(*val, eval_every=eval_every))
    print(json.dumps(run_path(path, x, y, setup, seed=seed, callbacks=callbacks)))


def measure(paths, x, y, setup: dict, *, repetitions: int, warmup: int, seed: int, eval_data=None,
            eval_every=None, skipped=None, progress=print, isolate: bool = False, smoke: bool = False) -> list[dict]:
    """Every path once per repetition (forwards, then backwards), after ``warmup`` uncounted repetitions.

    ``isolate``: each run in its own process (:func:`run_isolated`). An in-graph path that fails is dropped
    (its reason goes into ``skipped``) and the others go on.
    """
    runs, paths = [], list(paths)
    skipped = {} if skipped is None else skipped
    for rep in range(-warmup, repetitions):
        for path in paths if rep % 2 == 0 else paths[::-1]:
            if path in skipped:
                continue
            callbacks = []
            if eval_every:
                from is_keras.callbacks import OneMinusAUC

                callbacks.append(OneMinusAUC(*eval_data, eval_every=eval_every))
            try:
                if isolate:
                    run = run_isolated(path, setup, seed=seed, eval_every=eval_every, smoke=smoke)
                else:
                    run = run_path(path, x, y, setup, seed=seed, callbacks=callbacks)
            except Exception as error:  # noqa: BLE001 - the in-graph backend may not be usable yet
                if "in-graph" not in path:
                    raise
                skipped[path] = f"in-graph backend failed: {type(error).__name__}: {str(error)[:300]}"
                progress(f"skipping {path}: {skipped[path]}")
                continue
            run["repetition"] = rep
            progress(f"rep {rep:>2} {path:<20} total {run['total']:7.3f} s  setup {run['setup']:6.3f}  "
                     f"first epoch {run['first_epoch']:6.3f}  later epochs {run['later_epochs']:7.3f}")
            if rep >= 0:
                runs.append(run)
    return runs



def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--step", choices=sorted(STEPS), default="fast")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default: the step's)")
    parser.add_argument("--repetitions", type=int, default=None, help="paired repetitions (default: the step's)")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted repetitions first")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated subset of {', '.join(PATHS)}")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="add OneMinusAUC on the validation data every K batches to each run (as run_training)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="2 epochs, 1 repetition, no warm-up, small data")
    parser.add_argument("--out", default=None, help="output prefix (default benchmarks/results/overhead_<step>)")
    parser.add_argument("--in-process", action="store_true",
                        help="all runs in this process (default: each run in its own process; --smoke: in process)")
    parser.add_argument("--one-run", default=None, help=argparse.SUPPRESS)  # internal: one isolated run
    parser.add_argument("--one-run-setup", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_run:
        _one_run(args.one_run, json.loads(args.one_run_setup), seed=args.seed, eval_every=args.eval_every,
                 smoke=args.smoke)
        return {}
    paths = [p for p in args.paths.split(",") if p]
    unknown = sorted(set(paths) - set(PATHS))
    if unknown:
        parser.error(f"unknown paths {unknown}; choose from {', '.join(PATHS)}")
    setup = dict(STEPS[args.step])
    repetitions = 1 if args.smoke else (args.repetitions or setup["repetitions"])
    warmup = 0 if args.smoke else args.warmup
    setup["epochs"] = args.epochs or (2 if args.smoke else setup["epochs"])
    out = Path(args.out or f"benchmarks/results/overhead_{args.step}")
    load_start = _load()
    (x, y), val = load_step_data(setup, args.smoke)
    steps_per_epoch = -(-len(x) // setup["batch_size"])
    description = (f"{setup['model']} on {setup['data']}, N = {len(x)}, batch {setup['batch_size']}, "
                   f"{steps_per_epoch} steps per epoch")
    print(f"{description}; load average {load_start}", flush=True)
    paths, skipped = usable_paths(paths, x, y, setup)
    runs = measure(paths, x, y, setup, repetitions=repetitions, warmup=warmup, seed=args.seed,
                   eval_data=val, eval_every=args.eval_every, skipped=skipped,
                   isolate=not (args.in_process or args.smoke), smoke=args.smoke)
    paths = [p for p in paths if p not in skipped]
    import tensorflow as tf

    result = {
        "step": args.step, "description": description, "setup": setup, "steps_per_epoch": steps_per_epoch,
        "command": " ".join(["python", "benchmarks/overhead.py", *(argv if argv is not None else sys.argv[1:])]),
        "environment": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
                       f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}",
        "load_start": load_start, "load_end": _load(), "repetitions": repetitions, "warmup": warmup,
        "eval_every": args.eval_every, "isolated": not (args.in_process or args.smoke), "paths": paths,
        "skipped": skipped, "runs": runs,
        "comparisons": compare(runs),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path, md_path = Path(f"{out}.json"), Path(f"{out}.md")
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(result)
    md_path.write_text(text)
    print(text)
    print(f"wrote {json_path} and {md_path}")
    return result


if __name__ == "__main__":
    main()
