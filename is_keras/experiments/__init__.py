"""Experiments: run one configuration, compare sampling methods, sweep grids, analyse and plot.

Example:
    >>> from is_keras.experiments import run_training, compare_methods, run_sweep, load_sweep_config
    >>> outcome = run_sweep(load_sweep_config("configs/is_methods.yaml"), "results/is_methods")
"""

from is_keras.experiments.compare import compare_methods, summarize, write_curves_csv
from is_keras.experiments.convergence import Convergence, run_convergence, summarize_convergence
from is_keras.experiments.curves import MeanCurve, mean_curve, time_to_baseline_best
from is_keras.experiments.plotting import plot_curves
from is_keras.experiments.run import RunResult, default_batch_size, run_training
from is_keras.experiments.sweep import load_sweep_config, load_sweep_results, run_sweep

__all__ = [
    "Convergence",
    "MeanCurve",
    "RunResult",
    "compare_methods",
    "default_batch_size",
    "load_sweep_config",
    "load_sweep_results",
    "mean_curve",
    "plot_curves",
    "run_convergence",
    "run_sweep",
    "run_training",
    "summarize",
    "summarize_convergence",
    "time_to_baseline_best",
    "write_curves_csv",
]
