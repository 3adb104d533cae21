"""Experiments: one run core over tasks (:func:`run`), comparisons, sweeps, convergence analysis, and their files.

Example:
    >>> from is_keras.experiments import ClassificationTask, TrainingConfig, run, compare, run_sweep
    >>> ClassificationTask().metric.label
    '1-AUC'
"""

from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.compare import compare, compare_methods
from is_keras.experiments.convergence import Convergence, run_convergence, summarize_convergence
from is_keras.experiments.curves import MeanCurve, format_table, mean_curve, time_to_baseline_best
from is_keras.experiments.detection import run_detection, shapes_splits
from is_keras.experiments.detection_task import DetectionTask
from is_keras.experiments.figure_files import save_figure
from is_keras.experiments.figures import draw_figures
from is_keras.experiments.metric import Metric, get_metric
from is_keras.experiments.run import default_batch_size, run, run_training
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.summary import summarize, write_curves_csv
from is_keras.experiments.sweep import load_sweep_config, load_sweep_results, run_sweep
from is_keras.experiments.sweep_analysis import convergence_table
from is_keras.experiments.task import Task, TaskSetup
from is_keras.experiments.training_config import TrainingConfig

__all__ = ["ClassificationTask", "Convergence", "DetectionTask", "MeanCurve", "Metric", "RunResult", "Task",
           "TaskSetup", "TrainingConfig", "compare", "compare_methods", "convergence_table", "default_batch_size",
           "draw_figures", "format_table", "get_metric", "load_sweep_config", "load_sweep_results", "mean_curve", "run",
           "run_convergence", "run_detection", "run_sweep", "run_training", "save_figure", "shapes_splits",
           "summarize", "summarize_convergence", "time_to_baseline_best", "write_curves_csv"]
