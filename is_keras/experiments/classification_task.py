"""Image classification: integer labels, a classifier from the model registry, 1-AUC on validation data."""

from __future__ import annotations

import dataclasses

from is_keras.callbacks.one_minus_auc import OneMinusAUC
from is_keras.experiments.metric import ONE_MINUS_AUC
from is_keras.experiments.task import Task, TaskSetup
from is_keras.experiments.training_config import TrainingConfig
from is_keras.models.registry import build_classifier
from is_keras.sampling.validation import check_labels
from is_keras.training.gradient_norm_score import gradient_norm_score

#: What a classification run may write into the loss table: name -> trainer ``table_score`` (None: the loss).
CLASSIFICATION_TABLE_SCORES = {"loss": None, "gradient-norm": gradient_norm_score}


@dataclasses.dataclass(frozen=True)
class ClassificationTask(Task):
    """Classification of ``(x, y)`` arrays: ``x`` of shape (N, H, W, C), integer ``y``; 1-AUC on validation data.

    Attributes:
        table_score: what the loss table holds: ``"loss"`` (thesis) or ``"gradient-norm"`` (‖softmax − one-hot‖).
    Raises: ValueError: for an unknown table score (the message lists the valid ones).
    Example:
        >>> import numpy as np
        >>> x, y = np.zeros((8, 4, 4, 1), "float32"), np.arange(8) % 2
        >>> setup = ClassificationTask().setup((x, y), (x, y), TrainingConfig(batch_size=4, eval_every=1))
        >>> setup.config["num_classes"], setup.table_score
        (2, None)
        >>> ClassificationTask(table_score="gradient-norm").setup((x, y), (x, y), TrainingConfig()).table_score.__name__
        'gradient_norm_score'
    """

    table_score: str = "loss"

    name = "classification"
    metric = ONE_MINUS_AUC

    def __post_init__(self):
        if self.table_score not in CLASSIFICATION_TABLE_SCORES:
            raise ValueError(f"unknown classification table score {self.table_score!r}; "
                             f"choose one of {', '.join(CLASSIFICATION_TABLE_SCORES)}")

    def default_training_config(self) -> TrainingConfig:
        """crapnet, 5 epochs, batch 256, Adam 1e-3, 1-AUC every 10 batches, seed 0.

        Example:
            >>> ClassificationTask().default_training_config().model
            'crapnet'
        """
        return TrainingConfig()

    def setup(self, train, val, training_config: TrainingConfig) -> TaskSetup:
        """Check the labels and prepare the classifier and its 1-AUC (``eval_every`` None: twice per epoch).

        Args:
            train, val: ``(x, y)`` pairs; training_config: the run's schedule.
        Raises: ValueError: for bad labels or sets of different lengths.
        """
        (x_train, y_train), (x_val, y_val) = train, val
        y_train, y_val = check_labels(y_train, "y_train"), check_labels(y_val, "y_val")
        if len(x_val) != len(y_val):
            raise ValueError(f"x_val has {len(x_val)} samples but y_val has {len(y_val)}")
        num_classes = int(max(y_train.max(), y_val.max())) + 1
        config = training_config
        eval_every = config.eval_every or max(1, -(-len(x_train) // config.batch_size) // 2)  # None: twice per epoch

        def build_model():
            return build_classifier(config.model, tuple(x_train.shape[1:]), num_classes, seed=config.seed,
                                    **config.model_kwargs)

        return TaskSetup(x=x_train, y=y_train, build_model=build_model,
                         table_score=CLASSIFICATION_TABLE_SCORES[self.table_score],
                         evaluator=OneMinusAUC(x_val, y_val, eval_every=eval_every),
                         config={"eval_every": eval_every, "num_train": int(len(x_train)), "num_val": int(len(x_val)),
                                 "num_classes": num_classes, "table_score": self.table_score})
