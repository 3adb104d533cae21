"""One run of a sweep: its data, model, sampler and schedule, and a stable run ID."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig

#: Fields left out of the saved form (and so of the run ID) while they hold these values (older runs keep their IDs).
OMITTED_WHEN = {"unbiased": False, "uniform_mix": None, "sampler_options": {}, "smoke": False,
                "lr_schedule": "constant", "lr_warmup": 0.0}


@dataclasses.dataclass
class RunSpec:
    """One run of a sweep: everything :func:`~is_keras.experiments.run.run` needs, plus the data.

    Options the method does not read are ``None``, so runs that would be identical are not repeated.

    Example:
        >>> spec = RunSpec("digits", {}, 0, "crapnet", {"width": 2}, "nis", None, 0, 1, 64, 5, 1e-3, None, None)
        >>> spec.sampler_config().method, spec.training_config().batch_size
        ('nis', 64)
    """

    dataset: str
    dataset_kwargs: dict
    data_seed: int
    model: str
    model_kwargs: dict
    method: str
    exponent: float | None
    seed: int
    epochs: int
    batch_size: int
    eval_every: int
    learning_rate: float
    subset_fraction: float | None
    subset_size: int | None
    unbiased: bool = False
    uniform_mix: float | None = None
    sampler_options: dict = dataclasses.field(default_factory=dict)
    smoke: bool = False
    lr_schedule: str = "constant"
    lr_warmup: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready fields; those of :data:`OMITTED_WHEN` only when set, so earlier runs keep their IDs.

        Example:
            >>> spec = RunSpec("digits", {}, 0, "crapnet", {}, "nis", None, 0, 1, 64, 5, 1e-3, None, None)
            >>> "unbiased" in spec.to_dict()
            False
        """
        fields = dataclasses.asdict(self)
        for name, default in OMITTED_WHEN.items():
            if fields[name] == default or (name == "uniform_mix" and not fields[name]):
                del fields[name]
        return fields

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        """Rebuild from :meth:`to_dict` (missing optional fields take their defaults; TypeError: a required one)."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})

    def group_key(self) -> str:
        """Canonical JSON of every field except ``seed``: runs of one configuration share it."""
        return json.dumps({k: v for k, v in self.to_dict().items() if k != "seed"}, sort_keys=True)

    @property
    def run_id(self) -> str:
        """Readable slug plus 10 hex digits of a hash of the whole spec.

        Example:
            >>> RunSpec("digits", {}, 0, "crapnet", {"width": 2}, "nis", None, 3, 1, 64, 5, 1e-3,
            ...         None, None).run_id[:-10]
            'crapnet-width2-nis-s3-'
        """
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:10]
        exponent = "" if self.exponent is None else f"-e{self.exponent:g}"
        unbiased = "-unbiased" if self.unbiased else ""
        mix = f"-mix{self.uniform_mix:g}" if self.uniform_mix else ""
        smoke = "-smoke" if self.smoke else ""
        schedule = "" if self.lr_schedule == "constant" else f"-{self.lr_schedule}"
        schedule += f"-warm{self.lr_warmup:g}" if self.lr_warmup else ""
        return (f"{self.model}-{self.size_label}-{self.method}{exponent}{mix}{unbiased}{schedule}{smoke}"
                f"-s{self.seed}-{digest}")

    @property
    def size_label(self) -> str:
        """The model size in names: ``p20000`` (params), ``width8`` or ``default``."""
        parts = [f"p{v:g}" if k == "params" else f"{k}{v:g}" for k, v in sorted(self.model_kwargs.items())]
        return "-".join(parts) or "default"

    def sampler_config(self) -> SamplerConfig:
        """The run's :class:`~is_keras.sampling.config.SamplerConfig` (defaults for options it leaves out).

        Raises: ValueError: for options the method refuses.
        """
        options = {name: getattr(self, name) for name in ("exponent", "subset_fraction", "subset_size", "uniform_mix")}
        return SamplerConfig.from_dict({"method": self.method, "unbiased": bool(self.unbiased), **self.sampler_options,
                                        **{k: v for k, v in options.items() if v is not None}})

    def training_config(self) -> TrainingConfig:
        """The run's :class:`~is_keras.experiments.training_config.TrainingConfig`."""
        return TrainingConfig(model=self.model, model_kwargs=dict(self.model_kwargs), epochs=self.epochs,
                              batch_size=self.batch_size, learning_rate=self.learning_rate,
                              eval_every=self.eval_every, seed=self.seed, lr_schedule=self.lr_schedule,
                              lr_warmup=self.lr_warmup)
