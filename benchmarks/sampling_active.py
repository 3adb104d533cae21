"""Which epochs ``auto`` (or another adaptive method) trained with selection on, in one run of the benchmark's setup.

It trains one run the way ``time_to_accuracy.py`` does (validation held out of the training set, CrapNet or
ResNet-18, batch 256, evaluation twice an epoch) and prints ``logs["sampling_active"]`` of each epoch: the
share of that epoch's draws made with selection on (0 during the uniform first pass).

Usage:
    python benchmarks/sampling_active.py --dataset fashion-mnist --dataset-kw root=DIR [--model resnet18]
        [--method auto] [--lr 2e-3@cosine] [--epochs 6] [--seed 1000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import time_to_accuracy as benchmark  # noqa: E402

from is_keras import SamplerConfig  # noqa: E402
from is_keras.data import load_dataset  # noqa: E402
from is_keras.experiments import run_training  # noqa: E402


class SamplingActive(keras.callbacks.Callback):
    """Keeps each epoch's ``sampling_active`` (``None`` where the method does not log it)."""

    def __init__(self):
        super().__init__()
        self.shares = []

    def on_epoch_end(self, epoch, logs=None):
        self.shares.append((logs or {}).get("sampling_active"))


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--dataset-kw", action="append", metavar="KEY=VALUE", help="loader keyword arguments")
    parser.add_argument("--validation-from-train", type=int, default=5000)
    parser.add_argument("--model", default="crapnet")
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--method", default="auto")
    parser.add_argument("--lr", default="2e-3@cosine", help="a grid label: RATE or RATE@SCHEDULE")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=benchmark.REPORT_SEED0, help="default: the first report seed")
    args = parser.parse_args(argv)
    train, _ = load_dataset(args.dataset, seed=0, **benchmark.loader_kwargs(args.dataset_kw))
    train, val = benchmark.hold_out_validation(train, args.validation_from_train)
    rate, kind = benchmark.grid_point(benchmark.parse_grid(args.lr)[0])
    recorder = SamplingActive()
    steps = -(-len(train[0]) // args.batch_size)
    result = run_training(train, val, sampler_config=SamplerConfig.from_dict({"method": args.method}),
                          learning_rate=rate, lr_schedule=kind, seed=args.seed, epochs=args.epochs,
                          batch_size=args.batch_size, eval_every=max(1, steps // 2), model=args.model,
                          model_kwargs={"width": args.width}, callbacks=[recorder])
    shares = ", ".join("-" if s is None else f"{s:.2f}" for s in recorder.shares)
    print(f"{args.method} on {args.dataset}, {args.model} w{args.width}, lr {args.lr}, seed {args.seed}: "
          f"sampling_active per epoch [{shares}]; best validation 1-AUC {float(np.min(result.values)):.5f}")
    return recorder.shares


if __name__ == "__main__":
    main()
