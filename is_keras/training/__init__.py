"""Training with importance sampling: the GradientTape trainer, the Keras-fit wrapper, per-sample losses."""

from is_keras.training.distributed import DistributedImportanceTrainer
from is_keras.training.keras_fit import ImportanceSamplingModel
from is_keras.training.losses import PER_SAMPLE_LOSSES, get_per_sample_loss
from is_keras.training.lr_schedules import LR_SCHEDULES, CosineToZero, StepDecay, learning_rate_schedule
from is_keras.training.run_backup import RunBackup
from is_keras.training.trainer import ImportanceTrainer

__all__ = [
    "CosineToZero",
    "DistributedImportanceTrainer",
    "ImportanceSamplingModel",
    "ImportanceTrainer",
    "LR_SCHEDULES",
    "PER_SAMPLE_LOSSES",
    "RunBackup",
    "StepDecay",
    "get_per_sample_loss",
    "learning_rate_schedule",
]
