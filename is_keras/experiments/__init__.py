"""Experiments: run one configuration, compare sampling methods, analyse and plot."""

from is_keras.experiments.run import RunResult, default_batch_size, run_training

__all__ = ["RunResult", "default_batch_size", "run_training"]
