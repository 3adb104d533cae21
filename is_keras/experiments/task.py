"""What differs between experiments: a :class:`Task` supplies the data checks, model, loss and evaluation. To add
one, subclass :class:`Task`, set ``name`` and ``metric``, implement ``setup`` and ``default_training_config``."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable

import numpy as np

from is_keras.experiments.metric import Metric
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.methods import get_method_spec


@dataclasses.dataclass
class TaskSetup:
    """Everything a task prepares for one run.

    Attributes:
        x, y: the training inputs and targets the generator draws from (targets may be any array per sample).
        build_model: called once, after the generator is built: returns the seeded, untrained model.
        evaluator: the Keras callback that records the metric curve.
        loss: the per-sample loss (a name or a callable ``(y_true, y_pred) -> (B,)``).
        table_score: what the trainer writes into the loss table instead of the loss (``None``: the loss).
        config: task facts recorded in the result's config (data sizes, classes, anchors, ...).
        artifacts: objects handed back in ``RunResult.artifacts`` (detection: the anchors).
    Example:
        >>> TaskSetup(np.zeros((4, 2)), np.zeros(4), build_model=lambda: None, evaluator=None).loss
        'sparse_categorical_crossentropy'
    """

    x: object
    y: object
    build_model: Callable
    evaluator: object
    loss: object = "sparse_categorical_crossentropy"
    table_score: object = None
    config: dict = dataclasses.field(default_factory=dict)
    artifacts: dict = dataclasses.field(default_factory=dict)


class Task(abc.ABC):
    """Base class of experiment tasks: :func:`~is_keras.experiments.run.run` trains any task the same way.

    Attributes:
        name: recorded as ``config["task"]`` (``"classification"``, ``"detection"``).
        metric: the evaluation metric of :meth:`curve`.
    """

    name: str = "task"
    metric: Metric

    @abc.abstractmethod
    def default_training_config(self) -> TrainingConfig:
        """The schedule used when :func:`run` is given none."""

    @abc.abstractmethod
    def setup(self, train, val, training_config: TrainingConfig) -> TaskSetup:
        """Check the data and prepare one run.

        Args:
            train, val: the task's training and validation data.
            training_config: the run's schedule (model name and kwargs, seed, evaluation period).
        Raises: ValueError: for data or options the task cannot use.
        """

    def curve(self, evaluator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """``(samples, seconds, values, epochs or None)`` recorded by ``evaluator`` during training: the values are its
        attribute named after :attr:`metric`, the epochs its ``epochs`` (when it records them)."""
        epochs = getattr(evaluator, "epochs", None)
        return (np.asarray(evaluator.samples, dtype=np.int64), np.asarray(evaluator.seconds, dtype=np.float64),
                np.asarray(getattr(evaluator, self.metric.name), dtype=np.float64),
                None if epochs is None else np.asarray(epochs, dtype=np.float64))

    def parameters(self, model) -> int:
        """The parameter count recorded in results (default: trainable weights).

        Example:
            >>> import keras
            >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            >>> from is_keras.experiments.classification_task import ClassificationTask
            >>> ClassificationTask().parameters(model)
            8
        """
        return int(sum(int(np.prod(v.shape)) for v in model.trainable_weights))

    def variant(self, spec: str) -> tuple[Task, str]:
        """The task and sampling method named by a compare spec: ``"method"`` (this task as it is) or
        ``"method+score"`` (this task, a dataclass with a ``table_score`` field, writing ``score`` into the table).

        Returns: ``(task, method)``.
        Raises: ValueError: for an unknown method or score (the message lists the valid ones).
        Example:
            >>> from is_keras.experiments.classification_task import ClassificationTask
            >>> task, method = ClassificationTask().variant("is-annealed+gradient-norm")
            >>> method, task.table_score, ClassificationTask().variant("nis")[1]
            ('is-annealed', 'gradient-norm', 'nis')
        """
        method, plus, score = (part.strip() for part in spec.partition("+"))
        get_method_spec(method)  # validates the name
        return (dataclasses.replace(self, table_score=score or "loss") if plus else self), method
