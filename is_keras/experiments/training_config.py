"""The training schedule of a run: model and size, epochs, batch size, learning rate and schedule, evaluations, seed."""

from __future__ import annotations

import dataclasses
import numbers

from is_keras.sampling.options import Option
from is_keras.training.lr_schedules import check_lr_schedule


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Everything about a run except the data, the task and the sampler.

    Attributes:
        model: model name (classification: ``"crapnet"``, ``"resnet18"``; detection: ``"yolov2"``).
        model_kwargs: passed to the model's builder (``width=``, ``params=``, ``bn_momentum=``).
        epochs, batch_size: training epochs and samples per step (>= 1).
        learning_rate: Adam's learning rate (> 0); the peak rate under ``lr_schedule``.
        eval_every: evaluate every this many batches; ``None``: the task's own schedule.
        seed: seeds model initialisation and the sampler.
        histogram_epochs: epochs (1-based) after which to snapshot the loss table.
        lr_schedule: ``"constant"``, ``"cosine"`` (to 0 at the run's end) or ``"step"`` (÷10 at 1/2, ÷100 at 3/4).
        lr_warmup: ``"cosine"``'s linear warm-up from 0, as a fraction of the run in [0, 1).
    Raises: ValueError: naming the first bad field.
    Example:
        >>> config = TrainingConfig(epochs=2, batch_size=64)
        >>> TrainingConfig.from_dict(config.to_dict()) == config
        True
    """

    model: str = "crapnet"
    model_kwargs: dict = dataclasses.field(default_factory=dict)
    epochs: int = 5
    batch_size: int = 256
    learning_rate: float = 1e-3
    eval_every: int | None = 10
    seed: int = 0
    histogram_epochs: tuple = ()
    lr_schedule: str = "constant"
    lr_warmup: float = 0.0

    def __post_init__(self):
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model must be a model name, got {self.model!r}")
        if not isinstance(self.model_kwargs, dict):
            raise ValueError(f"model_kwargs must be a mapping, got {self.model_kwargs!r}")
        object.__setattr__(self, "model_kwargs", dict(self.model_kwargs))
        for name in ("epochs", "batch_size") + (("eval_every",) if self.eval_every is not None else ()):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
            object.__setattr__(self, name, int(value))
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        object.__setattr__(self, "seed", int(self.seed))
        rate = Option(float, low=0, closed="neither").check("learning_rate", self.learning_rate)
        object.__setattr__(self, "learning_rate", rate)
        epochs = tuple(self.histogram_epochs)
        if any(isinstance(e, bool) or not isinstance(e, numbers.Integral) or e < 1 for e in epochs):
            raise ValueError(f"histogram_epochs must be epoch numbers >= 1, got {self.histogram_epochs!r}")
        object.__setattr__(self, "histogram_epochs", tuple(int(e) for e in epochs))
        _, warmup = check_lr_schedule(self.lr_schedule, self.lr_warmup)
        object.__setattr__(self, "lr_warmup", warmup)

    def to_dict(self) -> dict:
        """Plain JSON-able dict of every field.

        Example:
            >>> TrainingConfig().to_dict()["batch_size"]
            256
        """
        return {**dataclasses.asdict(self), "histogram_epochs": list(self.histogram_epochs)}

    @classmethod
    def from_dict(cls, data: dict) -> TrainingConfig:
        """Build from a mapping of field names (missing ones take their defaults).

        Args:
            data: e.g. ``{"epochs": 3, "batch_size": 64}``.
        Raises: ValueError: for a key that is not a field (named in the message) or a bad value.
        Example:
            >>> TrainingConfig.from_dict({"epoch": 3})  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ValueError: unknown training config key(s) epoch; known keys: ...
        """
        if not isinstance(data, dict):
            raise ValueError(f"a training config must be a mapping, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training config key(s) {', '.join(unknown)}; "
                             f"known keys: {', '.join(sorted(known))}")
        return cls(**data)

    def replace(self, **changes) -> TrainingConfig:
        """A copy with ``changes`` applied (and validated).

        Example:
            >>> TrainingConfig().replace(seed=3).seed
            3
        """
        return dataclasses.replace(self, **changes)
