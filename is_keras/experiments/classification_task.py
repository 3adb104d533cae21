"""Image classification: integer labels, a classifier from the model registry, 1-AUC on validation data."""

from __future__ import annotations

import numpy as np

from is_keras.callbacks.one_minus_auc import OneMinusAUC
from is_keras.experiments.metric import ONE_MINUS_AUC
from is_keras.experiments.task import Task, TaskSetup
from is_keras.experiments.training_config import TrainingConfig
from is_keras.models.registry import build_classifier
from is_keras.sampling.validation import check_labels


class ClassificationTask(Task):
    """Classification of ``(x, y)`` arrays: ``x`` of shape (N, H, W, C), integer ``y``.

    The number of classes is taken from the labels of both sets; the model is
    ``build_classifier(training_config.model, ..., seed=training_config.seed,
    **training_config.model_kwargs)``; the loss is sparse categorical
    cross-entropy; 1-AUC is evaluated on the validation set every
    ``eval_every`` batches (``None``: twice per epoch).

    Example:
        >>> import numpy as np
        >>> task = ClassificationTask()
        >>> x, y = np.zeros((8, 4, 4, 1), "float32"), np.arange(8) % 2
        >>> setup = task.setup((x, y), (x, y), TrainingConfig(batch_size=4, eval_every=1))
        >>> setup.config["num_classes"], task.metric.label
        (2, '1-AUC')
    """

    name = "classification"
    metric = ONE_MINUS_AUC

    def default_training_config(self) -> TrainingConfig:
        """crapnet, 5 epochs, batch 256, Adam 1e-3, 1-AUC every 10 batches, seed 0.

        Example:
            >>> ClassificationTask().default_training_config().model
            'crapnet'
        """
        return TrainingConfig()

    def setup(self, train, val, training_config: TrainingConfig) -> TaskSetup:
        """Check the labels and prepare the classifier and its 1-AUC callback.

        Args:
            train, val: ``(x, y)`` pairs.
            training_config: the run's schedule.

        Returns:
            A :class:`~is_keras.experiments.task.TaskSetup`.

        Raises:
            ValueError: for bad labels or sets of different lengths.
        """
        x_train, y_train = train
        x_val, y_val = val
        y_train = check_labels(y_train, "y_train")
        y_val = check_labels(y_val, "y_val")
        if len(x_val) != len(y_val):
            raise ValueError(f"x_val has {len(x_val)} samples but y_val has {len(y_val)}")
        num_classes = int(max(y_train.max(), y_val.max())) + 1
        config = training_config
        eval_every = config.eval_every
        if eval_every is None:
            eval_every = max(1, -(-len(x_train) // config.batch_size) // 2)

        def build_model():
            return build_classifier(config.model, tuple(x_train.shape[1:]), num_classes, seed=config.seed,
                                    **config.model_kwargs)

        return TaskSetup(
            x=x_train, y=y_train, build_model=build_model,
            evaluator=OneMinusAUC(x_val, y_val, eval_every=eval_every),
            config={"eval_every": eval_every, "num_train": int(len(x_train)), "num_val": int(len(x_val)),
                    "num_classes": num_classes},
        )

    def curve(self, evaluator):
        """Samples, seconds and 1-AUC recorded by the :class:`~is_keras.callbacks.one_minus_auc.OneMinusAUC`."""
        return (np.asarray(evaluator.samples, dtype=np.int64), np.asarray(evaluator.seconds, dtype=np.float64),
                np.asarray(evaluator.one_minus_auc, dtype=np.float64), None)
