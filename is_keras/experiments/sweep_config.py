"""A sweep config file (YAML/JSON): the grid of a sweep, validated as a whole before anything runs. Preset ``kind``
values (:data:`PRESETS`) fill in the thesis's grids; any :class:`~is_keras.sampling.config.SamplerConfig` field is
accepted as a key too and goes to the methods that read it."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from is_keras.experiments.convergence import THESIS_WINDOW_BATCHES
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.methods import METHOD_SPECS
from is_keras.sampling.options import SAMPLER_OPTIONS, Option, OptionError, check_option

#: Grid defaults of each preset sweep kind (thesis §5.1.1–5.1.3).
PRESETS = {
    "model_complexity": {"methods": ["nis", "is-probabilistic"], "exponents": [1.0]},
    "loss_exponent": {"methods": ["nis", "is-probabilistic"], "exponents": [0.1, 0.5, 1.0, 1.5, 2.0]},
    "is_methods": {"methods": ["nis", "is-probabilistic", "is-randomsubset", "is-highsubset"], "exponents": [1.0]},
    "custom": {},
}

#: ``--smoke``: every grid point once, 1 epoch of a few samples (see :func:`smoke_config`).
SMOKE_TRAIN, SMOKE_VAL, SMOKE_BATCH = 128, 64, 16


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclasses.dataclass
class SweepConfig:
    """A grid of runs (example files in ``configs/``).

    ``params`` / ``widths``: a list of sizes for every model, or a mapping ``model -> list``; neither means each model's
    default size. ``window`` is the convergence window in batches (analysis only). ``sampler_options`` holds the
    further :class:`~is_keras.sampling.config.SamplerConfig` fields given as keys; ``smoke``: a tiny trial of the grid.

    Raises: ValueError: from :meth:`validate`, naming the first bad key.
    Example:
        >>> SweepConfig(models=["crapnet"], runs=2).runs
        2
    """

    name: str = "sweep"
    kind: str = "custom"
    dataset: str = "digits"
    dataset_kwargs: dict = dataclasses.field(default_factory=dict)
    data_seed: int = 0
    models: list = dataclasses.field(default_factory=lambda: ["crapnet"])
    params: list | dict | None = None
    widths: list | dict | None = None
    methods: list = dataclasses.field(default_factory=lambda: ["nis", "is-probabilistic"])
    exponents: list = dataclasses.field(default_factory=lambda: [1.0])
    runs: int = 3
    seed: int = 0
    epochs: int = 10
    batch_size: int = 256
    eval_every: int = 10
    window: int = THESIS_WINDOW_BATCHES
    learning_rate: float = 1e-3
    subset_fraction: float = 0.1
    subset_size: int = 1000
    unbiased: list = dataclasses.field(default_factory=lambda: [False])
    uniform_mix: float = 0.0
    sampler_options: dict = dataclasses.field(default_factory=dict)
    smoke: bool = False
    lr_schedule: str = "constant"
    lr_warmup: float = 0.0

    def __post_init__(self):
        self.validate()

    @classmethod
    def from_dict(cls, data: dict) -> SweepConfig:
        """Build from a mapping: preset defaults of ``kind``, then the mapping's keys.

        Args:
            data: the file's mapping.
        Raises: ValueError: for an unknown key (named), an unknown kind, or any bad value.
        Example:
            >>> SweepConfig.from_dict({"kind": "loss_exponent", "runs": 2}).exponents
            [0.1, 0.5, 1.0, 1.5, 2.0]
        """
        if not isinstance(data, dict):
            raise ValueError(f"a sweep config must be a mapping, got {type(data).__name__}")
        data = dict(data)
        if "model" in data:
            if "models" in data:
                raise ValueError("give either model: or models:, not both")
            data["models"] = [data.pop("model")]
        if isinstance(data.get("unbiased"), bool):
            data["unbiased"] = [data["unbiased"]]
        known = {f.name for f in dataclasses.fields(cls)}
        sampler_fields = {f.name for f in dataclasses.fields(SamplerConfig)} - known - {"method", "exponent"}
        options = {k: data.pop(k) for k in sorted(set(data) & sampler_fields)}
        if options:
            data["sampler_options"] = {**data.get("sampler_options", {}), **options}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown sweep config key(s) {', '.join(unknown)}; known keys: "
                             f"{', '.join(sorted((known - {'sampler_options'}) | sampler_fields))}")
        kind = data.get("kind", "custom")
        if kind not in PRESETS:
            raise ValueError(f"unknown sweep kind {kind!r}; known kinds: {', '.join(PRESETS)}")
        return cls(**{**PRESETS[kind], **data})

    def to_dict(self) -> dict:
        """JSON-ready form (round-trips through :meth:`from_dict`).

        Example:
            >>> SweepConfig.from_dict(SweepConfig().to_dict()) == SweepConfig()
            True
        """
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Check every key, the model and dataset names and every method's options.

        Raises: ValueError: naming the first bad key.
        """
        from is_keras.data.registry import DATASETS, NPZ_PREFIX, TFDS_PREFIX
        from is_keras.models.registry import CLASSIFIERS
        from is_keras.training.lr_schedules import check_lr_schedule

        for name in ("runs", "epochs", "batch_size", "eval_every", "window", "seed", "data_seed"):
            value, least = getattr(self, name), 0 if "seed" in name else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
        if not isinstance(self.dataset, str) or not (self.dataset in DATASETS
                                                      or self.dataset.startswith((TFDS_PREFIX, NPZ_PREFIX))):
            raise ValueError(f"dataset: unknown dataset {self.dataset!r}; known datasets: "
                             f"{', '.join(sorted(DATASETS) + [TFDS_PREFIX + '<name>', NPZ_PREFIX + '<path>'])}")
        for name in ("dataset_kwargs", "sampler_options"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"{name} must be a mapping, got {getattr(self, name)!r}")
        for name, known in (("models", CLASSIFIERS), ("methods", METHOD_SPECS), ("exponents", None)):
            value = getattr(self, name)
            if not isinstance(value, list) or not value:
                raise ValueError(f"{name} must be a non-empty list, got {value!r}")
            bad = [v for v in value if known is not None and v not in known]
            if bad:
                raise ValueError(f"{name}: unknown {name[:-1]}(s) {', '.join(map(repr, bad))}; known {name}: "
                                 f"{', '.join(known)}")
        for i, exponent in enumerate(self.exponents):
            SAMPLER_OPTIONS["exponent"].check(f"exponents[{i}]", exponent)
        if (not isinstance(self.unbiased, list) or not self.unbiased
                or not all(isinstance(v, bool) for v in self.unbiased)):
            raise ValueError(f"unbiased must be true, false or a list of them, got {self.unbiased!r}")
        for name in ("uniform_mix", "subset_fraction", "subset_size"):
            check_option(name, getattr(self, name))
        further = [name for name in SAMPLER_OPTIONS if name not in ("method", "exponent")]  # methods/exponents
        for name, value in self.sampler_options.items():
            if name not in further:
                raise OptionError(name, f"unknown sampler option {name!r}; options are: {', '.join(further)}")
            check_option(name, value)
        Option(float, low=0, closed="neither").check("learning_rate", self.learning_rate)
        check_lr_schedule(self.lr_schedule, self.lr_warmup)
        if not isinstance(self.smoke, bool):
            raise ValueError(f"smoke must be true or false, got {self.smoke!r}")
        if self.params is not None and self.widths is not None:
            raise ValueError("give either params: or widths:, not both")
        for model in self.models:
            for size in self.sizes(model):
                if size is not None and not (_number(size) and size > 0):
                    raise ValueError(f"model sizes must be numbers > 0, got {size!r} for {model!r}")

    def sizes(self, model: str) -> list:
        """The size values (``params`` or ``widths``) for ``model``; ``[None]`` for its default size.

        Raises: ValueError: when a mapping of sizes leaves ``model`` out, or sizes are not a non-empty list.
        Example:
            >>> SweepConfig(widths={"crapnet": [2, 4]}).sizes("crapnet")
            [2, 4]
        """
        sizes = self.params if self.params is not None else self.widths
        if sizes is None:
            return [None]
        if isinstance(sizes, dict):
            if model not in sizes:
                key = "params" if self.params is not None else "widths"
                raise ValueError(f"{key} gives sizes for {', '.join(sizes)} but not for model {model!r}")
            sizes = sizes[model]
        if not isinstance(sizes, list) or not sizes:
            raise ValueError(f"model sizes must be a non-empty list, got {sizes!r}")
        return sizes


def smoke_config(config: SweepConfig) -> SweepConfig:
    """``config`` in a tiny size: one seed, one epoch, batches of 16, an evaluation every batch.

    The runner then trains on the first :data:`SMOKE_TRAIN` / :data:`SMOKE_VAL` samples; smoke runs have their own IDs.

    Example:
        >>> small = smoke_config(SweepConfig(runs=5, epochs=40))
        >>> small.runs, small.epochs, small.batch_size, small.smoke
        (1, 1, 16, True)
    """
    return dataclasses.replace(config, runs=1, epochs=1, batch_size=min(config.batch_size, SMOKE_BATCH),
                               eval_every=1, window=1, smoke=True)


def load_sweep_config(source) -> SweepConfig:
    """A :class:`SweepConfig` from a YAML/JSON file path, or from a mapping.

    Args:
        source: a :class:`SweepConfig`, a mapping, or a path.
    Raises: ValueError: for a missing, unreadable or empty file, or a bad config; the message names the file.
    Example:
        >>> load_sweep_config({"kind": "model_complexity"}).methods
        ['nis', 'is-probabilistic']
    """
    if isinstance(source, SweepConfig):
        return source
    if isinstance(source, dict):
        return SweepConfig.from_dict(source)
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"sweep config {str(path)!r} does not exist")
    try:
        text = path.read_text()
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"sweep config {str(path)!r} cannot be read: {error}") from None
    except Exception as error:  # yaml.YAMLError and friends
        raise ValueError(f"sweep config {str(path)!r} is not valid YAML: {error}") from None
    if data is None:
        raise ValueError(f"sweep config {str(path)!r} is empty")
    try:
        return SweepConfig.from_dict(data)
    except ValueError as error:
        raise ValueError(f"sweep config {str(path)!r}: {error}") from None
