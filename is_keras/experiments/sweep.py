"""Sweeps: a grid of training runs from one config file, run in shards, resumable.

A sweep config (YAML or JSON) names a dataset, models and their sizes,
sampling methods, loss exponents, a number of seeded runs and the training
schedule. :func:`expand_sweep` turns it into a deterministic, ordered list of
:class:`RunSpec` (model → size → method → exponent → seed), each with a stable
:attr:`RunSpec.run_id`. :func:`run_sweep` runs the ones not yet finished and
saves **each run on its own as soon as it ends** (``runs/<run_id>.json``,
written to a temporary file and renamed, so a killed sweep never leaves a
half-written result); started again, it skips every finished run.

Preset ``kind`` values fill in the thesis's grids (keys in the file override):

* ``model_complexity`` (§5.1.1): NIS vs IS-probabilistic over parameter budgets;
* ``loss_exponent`` (§5.1.2): NIS vs IS-probabilistic with ω ∈ {0.1, 0.5, 1.0, 1.5, 2.0};
* ``is_methods`` (§5.1.3): NIS, IS-probabilistic, IS-randomsubset, IS-highsubset;
* ``custom``: nothing filled in.

Example config (YAML)::

    name: model_complexity_small
    kind: model_complexity
    dataset: digits
    models: [crapnet]
    params: [2000, 8000, 20000]     # or {crapnet: [...], resnet18: [...]}, or widths: [...]
    runs: 5
    epochs: 10
    batch_size: 64
    eval_every: 5
    window: 50                       # batches (thesis: 2000)
    unbiased: [false, true]          # optional: also IS-probabilistic reweighted by 1/(N p_i)
    uniform_mix: 0.1                 # optional: IS-probabilistic draws 10 % uniformly (bounds the weights)
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import tempfile
import time
from pathlib import Path

from is_keras.experiments.convergence import THESIS_WINDOW_BATCHES, window_evaluations
from is_keras.experiments.run import RunResult, run_training
from is_keras.sampling.registry import METHODS

#: Result files are ``<out>/RUNS_DIR/<run_id>.json``.
RUNS_DIR = "runs"

#: Bumped when the result-file layout changes.
RESULT_FORMAT = 1

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
USES_UNBIASED = ("is-probabilistic",)
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


def result_path(out_dir, run_id: str) -> Path:
    """Where the result of ``run_id`` is saved."""
    return Path(out_dir) / RUNS_DIR / f"{run_id}.json"


def atomic_write_json(path, data) -> Path:
    """Write ``data`` as JSON to a temporary file next to ``path``, then rename it over ``path``.

    Readers see either the old file or the whole new one, never a partial write.

    Example:
        >>> atomic_write_json("out/runs/a.json", {"x": 1})
        PosixPath('out/runs/a.json')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, default=_json_default)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclasses.dataclass
class SweepRecord:
    """One saved run: its spec, the sweep it belongs to, and its :class:`RunResult`."""

    run_id: str
    spec: RunSpec
    sweep: dict
    result: RunResult


def read_record(path) -> SweepRecord:
    """Load one result file written by :func:`run_sweep`.

    Example:
        >>> read_record("out/runs/crapnet-default-nis-s0-0123456789.json").result.one_minus_auc
        ...
    """
    data = json.loads(Path(path).read_text())
    if data.get("format") != RESULT_FORMAT:
        raise ValueError(f"{path}: not a sweep result file of format {RESULT_FORMAT}")
    return SweepRecord(run_id=data["run_id"], spec=RunSpec.from_dict(data["spec"]), sweep=data["sweep"],
                       result=RunResult.from_dict(data["result"]))


def is_finished(out_dir, spec: RunSpec) -> bool:
    """True when ``spec``'s result file exists and holds that run."""
    path = result_path(out_dir, spec.run_id)
    if not path.is_file():
        return False
    try:
        return read_record(path).run_id == spec.run_id
    except (ValueError, KeyError, TypeError):
        return False


def load_sweep_results(out_dir) -> list[SweepRecord]:
    """Every finished run under ``out_dir``, ordered by configuration then seed.

    Example:
        >>> records = load_sweep_results("results/model_complexity")
        >>> {r.spec.method for r in records}
        {'nis', 'is-probabilistic'}
    """
    folder = Path(out_dir) / RUNS_DIR
    if not folder.is_dir():
        raise ValueError(f"no sweep results in {str(out_dir)!r} (expected a {RUNS_DIR}/ folder)")
    records = [read_record(p) for p in sorted(folder.glob("*.json"))]
    return sorted(records, key=_record_order)


def _record_order(record: SweepRecord) -> tuple:
    spec = record.spec
    size = sorted(spec.model_kwargs.items())
    method = METHODS.index(spec.method) if spec.method in METHODS else len(METHODS)
    exponent = -1.0 if spec.exponent is None else spec.exponent
    return (spec.dataset, spec.model, size, method, exponent, spec.group_key(), spec.seed)


@dataclasses.dataclass
class SweepOutcome:
    """What :func:`run_sweep` did: run IDs it ran, found finished, and copied from other sweeps."""

    ran: list
    skipped: list
    out_dir: Path
    reused: list = dataclasses.field(default_factory=list)


def check_window_fits(config: SweepConfig, num_train: int) -> int:
    """Evaluations per run; raise ``ValueError`` if the window does not fit in one run's curve."""
    steps_per_epoch = math.ceil(num_train / config.batch_size)
    total_batches = config.epochs * steps_per_epoch
    evaluations = total_batches // config.eval_every
    if evaluations < 1:
        raise ValueError(f"eval_every ({config.eval_every}) exceeds the run's {total_batches} batches: "
                         "no evaluation would happen")
    needed = window_evaluations(config.window, config.eval_every)
    if needed > evaluations:
        raise ValueError(
            f"window ({config.window} batches = {needed} evaluations every {config.eval_every} batches) is "
            f"longer than a run ({total_batches} batches = {evaluations} evaluations); lower window or "
            "train longer"
        )
    return evaluations


def reuse_finished(spec: RunSpec, out_dir, reuse_dirs, sweep_info: dict) -> bool:
    """Copy ``spec``'s result from another sweep folder if one holds it (same run ID = same run).

    The copy is relabelled with this sweep's ``sweep_info`` (name, kind,
    window); the curve, config and environment are kept as they were.
    """
    for folder in reuse_dirs:
        source = result_path(folder, spec.run_id)
        if not source.is_file() or source.resolve() == result_path(out_dir, spec.run_id).resolve():
            continue
        try:
            data = json.loads(source.read_text())
            if data.get("format") != RESULT_FORMAT or data.get("run_id") != spec.run_id:
                continue
        except (ValueError, OSError):
            continue
        data["sweep"] = {**sweep_info, "reused_from": str(folder)}
        atomic_write_json(result_path(out_dir, spec.run_id), data)
        return True
    return False


def run_sweep(config, out_dir, shard=(0, 1), progress=print, reuse=()) -> SweepOutcome:
    """Run the sweep's unfinished runs (of one shard), saving each as soon as it ends.

    Each result is ``<out_dir>/runs/<run_id>.json`` holding ``format``,
    ``run_id``, ``spec``, ``sweep`` (name, kind, window) and ``result``
    (:meth:`RunResult.to_dict`: the curve, the full training configuration with
    the seed, and the environment: library and TensorFlow versions, device).
    The config itself is copied to ``<out_dir>/sweep.json``.

    Args:
        config: a :class:`SweepConfig`, a mapping, or a YAML/JSON path.
        out_dir: output folder (created).
        shard: ``(i, n)`` or ``"i/n"``: run only every n-th run from the i-th.
        progress: called with one line of text per run (``None`` for silence).
        reuse: other sweep output folders; a run finished there (same run ID,
            i.e. the identical spec) is copied instead of trained again.

    Example:
        >>> outcome = run_sweep("configs/model_complexity.yaml", "results/mc", shard="0/2")
        >>> len(outcome.ran) + len(outcome.skipped)
        ...
    """
    config = load_sweep_config(config)
    index, count = parse_shard(shard) if isinstance(shard, str) else shard
    specs = shard_specs(expand_sweep(config), index, count)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / "sweep.json", config.to_dict())
    say = progress or (lambda _line: None)
    sweep_info = {"name": config.name, "kind": config.kind, "window": config.window}
    pending = [s for s in specs if not is_finished(out_dir, s)]
    skipped = [s.run_id for s in specs if s not in pending]
    reused = [s.run_id for s in pending if reuse_finished(s, out_dir, [Path(d) for d in reuse], sweep_info)]
    pending = [s for s in pending if s.run_id not in reused]
    say(f"sweep {config.name!r} ({config.kind}): {len(specs)} runs in shard {index}/{count}, "
        f"{len(skipped)} already finished, {len(reused)} copied from other sweeps, {len(pending)} to run")
    ran = []
    if not pending:
        return SweepOutcome(ran=ran, skipped=skipped, out_dir=out_dir, reused=reused)
    from is_keras.data.registry import load_dataset

    train, val = load_dataset(config.dataset, seed=config.data_seed, **config.dataset_kwargs)
    check_window_fits(config, len(train[0]))
    for number, spec in enumerate(pending, 1):
        start = time.perf_counter()
        result = run_training(train, val, **spec.training_kwargs())
        result.config.update({"dataset": spec.dataset, "dataset_kwargs": spec.dataset_kwargs,
                              "data_seed": spec.data_seed})
        atomic_write_json(result_path(out_dir, spec.run_id), {
            "format": RESULT_FORMAT, "run_id": spec.run_id, "spec": spec.to_dict(),
            "sweep": sweep_info, "result": result.to_dict(),
        })
        ran.append(spec.run_id)
        say(f"  [{number}/{len(pending)}] {spec.run_id}: final 1-AUC {result.one_minus_auc[-1]:.5f}, "
            f"{time.perf_counter() - start:.1f} s")
    return SweepOutcome(ran=ran, skipped=skipped, out_dir=out_dir, reused=reused)
