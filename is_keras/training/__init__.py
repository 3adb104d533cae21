"""The GradientTape trainer and its per-sample losses."""

from is_keras.training.losses import PER_SAMPLE_LOSSES, get_per_sample_loss
from is_keras.training.trainer import ImportanceTrainer

__all__ = ["PER_SAMPLE_LOSSES", "ImportanceTrainer", "get_per_sample_loss"]
