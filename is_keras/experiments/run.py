"""Run one experiment of any task: build the generator, the model and the trainer, train, record the curve."""

from __future__ import annotations

import numpy as np

from is_keras.callbacks.loss_table_histograms import LossTableHistograms
from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.environment import environment_info
from is_keras.experiments.options import apply_options
from is_keras.experiments.run_records import RunRecordsBackup
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.task import Task
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.training.lr_schedules import learning_rate_schedule
from is_keras.training.trainer import ImportanceTrainer


def run(task: Task, train, val, *, sampler_config: SamplerConfig | None = None,
        training_config: TrainingConfig | None = None, callbacks=None, verbose: int = 0,
        keep_model: bool = False, backup_dir=None, backup_every: int | None = None) -> RunResult:
    """Train ``task``'s model on ``train`` with importance sampling and return its evaluation curve.

    With ``backup_dir``, a killed run started again by the same call resumes from its last backup and returns (on CPU)
    the uninterrupted run's result value for value; the folder is left in place (delete it once the result is stored).

    Args:
        task: e.g. :class:`~is_keras.experiments.classification_task.ClassificationTask`.
        train, val: the task's data.
        sampler_config: the sampling method and its options (default: ``SamplerConfig()``).
        training_config: the schedule (default: ``task.default_training_config()``).
        callbacks: more Keras callbacks, after the evaluation callback; verbose: the trainer's progress output.
        keep_model: hand the trained model back in ``result.model``.
        backup_dir: a folder to back the run up in and resume it from (``None``: no backups).
        backup_every: steps between backups (default: every evaluation; once per epoch for per-epoch tasks).
    Returns: A :class:`~is_keras.experiments.run_result.RunResult` with the task's metric; ``config`` records the task,
        the training and sampler configs, data sizes and parameters.
    Raises: ValueError: for data or options the task refuses (before any training), a bad ``backup_every``, or a
        backup in ``backup_dir`` that is corrupt or of another run (the message names the file).
    Example:
        >>> data = (np.random.default_rng(0).random((32, 8, 8, 1), dtype=np.float32), np.arange(32) % 2)
        >>> config = TrainingConfig(model_kwargs={"width": 1}, epochs=1, batch_size=8, eval_every=2)
        >>> result = run(ClassificationTask(), data, data, sampler_config=SamplerConfig(method="nis"),
        ...              training_config=config)
        >>> result.samples.tolist(), result.metric
        ([16, 32], 'one_minus_auc')
    """
    sampler_config = sampler_config if sampler_config is not None else SamplerConfig()
    training_config = training_config if training_config is not None else task.default_training_config()
    setup = task.setup(train, val, training_config)
    generator = ImportanceBatchGenerator(setup.x, setup.y, batch_size=training_config.batch_size,
                                         sampler_config=sampler_config, seed=training_config.seed)
    model = setup.build_model()
    learning_rate = learning_rate_schedule(training_config.lr_schedule, learning_rate=training_config.learning_rate,
                                           budget_steps=training_config.epochs * generator.steps_per_epoch,
                                           warmup=training_config.lr_warmup)
    trainer = ImportanceTrainer(model, generator, loss=setup.loss, learning_rate=learning_rate,
                                table_score=setup.table_score)
    hist = LossTableHistograms(generator, epochs=training_config.histogram_epochs) \
        if training_config.histogram_epochs else None
    run_info = {"task": task.name, **training_config.to_dict(), **sampler_config.to_dict(), **setup.config}
    own = [setup.evaluator] + ([hist] if hist else [])
    if backup_dir is not None:
        own.append(RunRecordsBackup(backup_dir, trainer, setup.evaluator, histograms=hist, run_info=run_info))
        if backup_every is None:
            backup_every = setup.config.get("eval_every", training_config.eval_every)
    elif backup_every is not None:
        raise ValueError("backup_every needs a backup_dir")
    trainer.fit(epochs=training_config.epochs, callbacks=own + list(callbacks or []), verbose=verbose,
                backup_dir=backup_dir, backup_every=backup_every)
    samples, seconds, values, epochs = task.curve(setup.evaluator)
    config = {"task": task.name, **training_config.to_dict(), **sampler_config.to_dict(),
              "parameters": task.parameters(model), **setup.config}
    return RunResult(samples=samples, seconds=seconds, values=values, config=config, environment=environment_info(),
                     metric=task.metric.name, epochs=epochs, final_loss_table=np.array(generator.loss_table),
                     loss_histograms=dict(hist.snapshots) if hist else {}, model=model if keep_model else None,
                     artifacts=dict(setup.artifacts))


def run_training(train, val, *, sampler_config: SamplerConfig | None = None,
                 training_config: TrainingConfig | None = None, callbacks=None, verbose: int = 0,
                 backup_dir=None, **options) -> RunResult:
    """Train a classifier with importance sampling and return its 1-AUC curve (:func:`run` with a classification task).

    Args:
        train, val: ``(x, y)`` pairs; ``x`` of shape (N, H, W, C), integer ``y``.
        sampler_config: default ``SamplerConfig()``; training_config: default ``TrainingConfig()``.
        callbacks, verbose, backup_dir: as :func:`run`.
        **options: any field of :class:`~is_keras.sampling.config.SamplerConfig` or of
            :class:`~is_keras.experiments.training_config.TrainingConfig`, and ``table_score`` (``"loss"`` or
            ``"gradient-norm"``); ``method`` may be ``"method+score"``, e.g. ``"is-annealed+gradient-norm"``.
    Returns: A :class:`~is_keras.experiments.run_result.RunResult`: ``samples``, ``seconds``, ``one_minus_auc``.
    Raises: ValueError: for an unknown option or table score, a bad value or bad labels (before any training).
    Example:
        >>> data = (np.random.default_rng(0).random((32, 8, 8, 1), dtype=np.float32), np.arange(32) % 2)
        >>> res = run_training(data, data, method="nis", epochs=1, batch_size=8, eval_every=2,
        ...                    model_kwargs={"width": 1})
        >>> res.samples.shape == res.one_minus_auc.shape == (2,)
        True
    """
    options = dict(options)
    task = ClassificationTask(table_score=options.pop("table_score", "loss"))
    if "+" in str(options.get("method", "")):
        task, options["method"] = task.variant(options["method"])
    sampler_config, training_config, _ = apply_options(
        sampler_config or SamplerConfig(), training_config or task.default_training_config(), options)
    return run(task, train, val, sampler_config=sampler_config, training_config=training_config,
               callbacks=callbacks, verbose=verbose, backup_dir=backup_dir)


def default_batch_size(num_samples: int, preferred: int = 256) -> int:
    """``preferred`` unless the data is too small for it: at least 20 steps per epoch.

    Args:
        num_samples: training-set size; preferred: the batch size for large sets.
    Returns: A power of two >= 8, or ``preferred``.
    Example:
        >>> default_batch_size(1347), default_batch_size(100_000)
        (64, 256)
    """
    if num_samples >= 20 * preferred:
        return preferred
    return int(max(8, 2 ** np.floor(np.log2(max(num_samples / 20, 1)))))
