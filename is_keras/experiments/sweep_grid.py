"""The sweep grid: a config file (YAML/JSON) → an ordered list of :class:`RunSpec` with stable run IDs.

Preset ``kind`` values fill in the thesis's grids; see :mod:`is_keras.experiments.sweep`
for the file format and :func:`run_sweep`, which runs the specs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from pathlib import Path

from is_keras.experiments.convergence import THESIS_WINDOW_BATCHES
from is_keras.sampling.registry import METHODS
from is_keras.sampling.reweighting import REWEIGHTABLE_METHODS

#: Grid defaults of each preset sweep kind (thesis §5.1.1–5.1.3).
PRESETS = {
    "model_complexity": {"methods": ["nis", "is-probabilistic"], "exponents": [1.0]},
    "loss_exponent": {"methods": ["nis", "is-probabilistic"], "exponents": [0.1, 0.5, 1.0, 1.5, 2.0]},
    "is_methods": {"methods": ["nis", "is-probabilistic", "is-randomsubset", "is-highsubset"],
                   "exponents": [1.0]},
    "custom": {},
}

#: Methods whose draws depend on the loss exponent / subset fraction / subset size.
USES_EXPONENT = ("is-probabilistic", "is-highsubset")
USES_SUBSET_FRACTION = ("is-randomsubset",)
USES_SUBSET_SIZE = ("is-highsubset",)
#: Methods whose unbiased (reweighted) variant differs from the biased one (NIS weights are all 1).
USES_UNBIASED = tuple(m for m in REWEIGHTABLE_METHODS if m != "nis")
#: Methods that mix uniform draws into their distribution.
USES_UNIFORM_MIX = ("is-probabilistic",)


@dataclasses.dataclass
class SweepConfig:
    """A grid of runs (see the module docstring for the file format).

    ``params`` / ``widths``: a list of sizes for every model, or a mapping
    ``model -> list``; neither means each model's default size.
    ``window`` is the convergence window in batches (analysis only: it does not
    change which runs exist).
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

    @classmethod
    def from_dict(cls, data: dict) -> SweepConfig:
        """Build from a mapping: preset defaults of ``kind``, then the mapping's keys.

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
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown sweep config key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
            )
        kind = data.get("kind", "custom")
        if kind not in PRESETS:
            raise ValueError(f"unknown sweep kind {kind!r}; known kinds: {', '.join(PRESETS)}")
        config = cls(**{**PRESETS[kind], **data})
        config.validate()
        return config

    def to_dict(self) -> dict:
        """JSON-ready form (round-trips through :meth:`from_dict`)."""
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad field."""
        for name in ("runs", "epochs", "batch_size", "eval_every", "window", "subset_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        for name in ("seed", "data_seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset must be a dataset name, got {self.dataset!r}")
        if not isinstance(self.dataset_kwargs, dict):
            raise ValueError(f"dataset_kwargs must be a mapping, got {self.dataset_kwargs!r}")
        for name in ("models", "methods", "exponents"):
            value = getattr(self, name)
            if not isinstance(value, list) or not value:
                raise ValueError(f"{name} must be a non-empty list, got {value!r}")
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(
                f"unknown method(s) {', '.join(map(str, bad))}; valid methods are: {', '.join(METHODS)}"
            )
        for exponent in self.exponents:
            if isinstance(exponent, bool) or not isinstance(exponent, (int, float)) or not exponent >= 0:
                raise ValueError(f"exponents must be numbers >= 0, got {exponent!r}")
        if (not isinstance(self.unbiased, list) or not self.unbiased
                or not all(isinstance(v, bool) for v in self.unbiased)):
            raise ValueError(f"unbiased must be true, false or a list of them, got {self.unbiased!r}")
        if isinstance(self.uniform_mix, bool) or not (isinstance(self.uniform_mix, (int, float))
                                                      and 0 <= self.uniform_mix <= 1):
            raise ValueError(f"uniform_mix must be a number in [0, 1], got {self.uniform_mix!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a number > 0, got {self.learning_rate!r}")
        if not (isinstance(self.subset_fraction, (int, float)) and 0 < self.subset_fraction <= 1):
            raise ValueError(f"subset_fraction must be in (0, 1], got {self.subset_fraction!r}")
        if self.params is not None and self.widths is not None:
            raise ValueError("give either params: or widths:, not both")
        for model in self.models:
            for size in self.sizes(model):
                if size is not None and not (isinstance(size, (int, float)) and not isinstance(size, bool)
                                             and size > 0):
                    raise ValueError(f"model sizes must be numbers > 0, got {size!r} for {model!r}")

    def sizes(self, model: str) -> list:
        """The size values (``params`` or ``widths``) for ``model``; ``[None]`` for its default size."""
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


@dataclasses.dataclass
class RunSpec:
    """One run of a sweep: everything :func:`run_training` needs, plus the data.

    Fields a method does not use are ``None`` (``exponent`` for NIS and
    IS-randomsubset, ``subset_fraction`` except for IS-randomsubset,
    ``subset_size`` except for IS-highsubset), so runs that would be identical
    are not repeated and figure labels stay clean.
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

    def to_dict(self) -> dict:
        """JSON-ready fields; ``unbiased`` / ``uniform_mix`` only when set, so earlier runs keep their IDs."""
        fields = dataclasses.asdict(self)
        if not fields["unbiased"]:
            del fields["unbiased"]
        if not fields["uniform_mix"]:
            del fields["uniform_mix"]
        return fields

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        missing = dataclasses.MISSING
        return cls(**{f.name: data[f.name] if f.default is missing or f.name in data else f.default
                      for f in dataclasses.fields(cls)})

    def group_key(self) -> str:
        """Canonical JSON of every field except ``seed``: runs of one configuration share it."""
        fields = {k: v for k, v in self.to_dict().items() if k != "seed"}
        return json.dumps(fields, sort_keys=True)

    @property
    def run_id(self) -> str:
        """Readable slug plus 10 hex digits of a hash of the whole spec.

        Example:
            >>> spec.run_id
            'crapnet-p20000-is-probabilistic-e1-s3-1f0c2a9b7d'
        """
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:10]
        size = self.size_label
        exponent = "" if self.exponent is None else f"-e{self.exponent:g}"
        unbiased = "-unbiased" if self.unbiased else ""
        mix = f"-mix{self.uniform_mix:g}" if self.uniform_mix else ""
        return f"{self.model}-{size}-{self.method}{exponent}{mix}{unbiased}-s{self.seed}-{digest}"

    @property
    def size_label(self) -> str:
        """The model size in names: ``p20000`` (params), ``width8`` or ``default``."""
        parts = [f"p{v:g}" if k == "params" else f"{k}{v:g}" for k, v in sorted(self.model_kwargs.items())]
        return "-".join(parts) or "default"

    def training_kwargs(self) -> dict:
        """Keyword arguments of :func:`run_training` (besides the data)."""
        return {
            "model": self.model, "model_kwargs": dict(self.model_kwargs), "method": self.method,
            "exponent": 1.0 if self.exponent is None else float(self.exponent), "epochs": self.epochs,
            "batch_size": self.batch_size, "eval_every": self.eval_every, "seed": self.seed,
            "learning_rate": self.learning_rate,
            "subset_fraction": 0.1 if self.subset_fraction is None else self.subset_fraction,
            "subset_size": 1000 if self.subset_size is None else self.subset_size,
            "unbiased": self.unbiased,
            "uniform_mix": self.uniform_mix or 0.0,
        }


def load_sweep_config(source) -> SweepConfig:
    """A :class:`SweepConfig` from a YAML/JSON file path, or from a mapping.

    Example:
        >>> load_sweep_config("configs/model_complexity.yaml").kind
        'model_complexity'
    """
    if isinstance(source, SweepConfig):
        return source
    if isinstance(source, dict):
        return SweepConfig.from_dict(source)
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"sweep config {str(path)!r} does not exist")
    text = path.read_text()
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if data is None:
        raise ValueError(f"sweep config {str(path)!r} is empty")
    return SweepConfig.from_dict(data)


def expand_sweep(config) -> list[RunSpec]:
    """The sweep's runs in a fixed order: model → size → method → exponent → seed.

    Example:
        >>> specs = expand_sweep({"kind": "model_complexity", "params": [5000, 20000], "runs": 3})
        >>> len(specs)   # 2 sizes × 2 methods × 3 seeds
        12
    """
    config = load_sweep_config(config)
    size_key = "params" if config.params is not None else "width"
    specs, seen = [], set()
    for model in config.models:
        for size in config.sizes(model):
            if size is not None and size_key == "params":
                if int(size) != size:
                    raise ValueError(f"params must be whole numbers, got {size!r} for {model!r}")
                size = int(size)
            model_kwargs = {} if size is None else {size_key: size}
            for method in config.methods:
                exponents = config.exponents if method in USES_EXPONENT else [None]
                fraction = float(config.subset_fraction) if method in USES_SUBSET_FRACTION else None
                variants = list(dict.fromkeys(config.unbiased)) if method in USES_UNBIASED else [False]
                for exponent, unbiased, seed in itertools.product(
                    exponents, variants, range(config.seed, config.seed + config.runs)
                ):
                    spec = RunSpec(
                        dataset=config.dataset, dataset_kwargs=dict(config.dataset_kwargs),
                        data_seed=config.data_seed, model=model, model_kwargs=model_kwargs,
                        method=method, exponent=None if exponent is None else float(exponent),
                        seed=seed, epochs=config.epochs, batch_size=config.batch_size,
                        eval_every=config.eval_every, learning_rate=float(config.learning_rate),
                        subset_fraction=fraction,
                        subset_size=config.subset_size if method in USES_SUBSET_SIZE else None,
                        unbiased=unbiased,
                        uniform_mix=float(config.uniform_mix) if method in USES_UNIFORM_MIX and config.uniform_mix
                        else None,
                    )
                    if spec.run_id not in seen:
                        seen.add(spec.run_id)
                        specs.append(spec)
    return specs


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` → ``(i, n)`` with ``0 <= i < n``.

    Example:
        >>> parse_shard("1/4")
        (1, 4)
    """
    try:
        index, count = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"shard must look like i/n (e.g. 0/4), got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"shard {text!r} needs n >= 1 and 0 <= i < n")
    return index, count


def shard_specs(specs: list[RunSpec], index: int, count: int) -> list[RunSpec]:
    """Every ``count``-th run starting at ``index``: shard ``index`` of ``count``.

    Example:
        >>> [s.seed for s in shard_specs(specs, 1, 2)]   # runs 1, 3, 5, ...
        ...
    """
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"shard {index}/{count} needs n >= 1 and 0 <= i < n")
    return specs[index::count]
