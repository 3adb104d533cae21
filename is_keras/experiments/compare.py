"""Compare sampling methods over repeated runs of any task."""

from __future__ import annotations

from is_keras.experiments.classification_task import ClassificationTask
from is_keras.experiments.options import apply_options
from is_keras.experiments.run import run
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.task import Task
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig


def plan_methods(task: Task, methods, sampler_config: SamplerConfig | None = None) -> list[tuple]:
    """``(spec, task, SamplerConfig)`` for every method spec, all validated before anything trains.

    Args:
        task: the base task (its :meth:`~is_keras.experiments.task.Task.variant` reads each spec).
        methods: method specs (also ``"method+score"``).
        sampler_config: options shared by every method; its method is replaced.
    Raises: ValueError: for no methods, a duplicate, an unknown method, or an option a method refuses.
    Example:
        >>> plan = plan_methods(ClassificationTask(), ["nis", "is-probabilistic"])
        >>> [(spec, config.method) for spec, _, config in plan]
        [('nis', 'nis'), ('is-probabilistic', 'is-probabilistic')]
    """
    methods = list(methods)
    if not methods:
        raise ValueError("no methods to compare")
    if len(set(methods)) != len(methods):
        raise ValueError(f"duplicate methods in {methods}")
    base = (sampler_config or SamplerConfig()).to_dict()
    variants = [task.variant(spec) for spec in methods]
    return [(spec, variant, SamplerConfig.from_dict({**base, "method": method}))
            for spec, (variant, method) in zip(methods, variants)]


def compare(task: Task, train, val, methods, *, sampler_config: SamplerConfig | None = None,
            training_config: TrainingConfig | None = None, runs: int = 3, progress=print, callbacks=None,
            keep_model: bool = False) -> dict[str, list[RunResult]]:
    """Run every method ``runs`` times with seeds ``training_config.seed``, ``seed + 1``, … (the same for each method).

    Args:
        task: e.g. :class:`~is_keras.experiments.classification_task.ClassificationTask`.
        train, val: the task's data.
        methods: method specs (see :func:`plan_methods`).
        sampler_config: options shared by every method.
        training_config: the schedule (default: the task's); runs: seeds per method (>= 1).
        progress: called with one line per run (``None``: silent); callbacks: more Keras callbacks for every run.
        keep_model: keep each trained model in its result.
    Returns: ``{spec: [RunResult, ...]}`` in the order of ``methods``.
    Raises: ValueError: for ``runs < 1`` or a bad method / option (before any training).
    Example:
        >>> import numpy as np
        >>> data = (np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32), np.arange(16) % 2)
        >>> config = TrainingConfig(model_kwargs={"width": 1}, epochs=1, batch_size=8, eval_every=1)
        >>> results = compare(ClassificationTask(), data, data, ["nis"], runs=2, progress=None, training_config=config)
        >>> [r.config["seed"] for r in results["nis"]]
        [0, 1]
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be an integer >= 1, got {runs!r}")
    plan = plan_methods(task, methods, sampler_config)
    training_config = training_config if training_config is not None else task.default_training_config()
    width = max([18] + [len(spec) + 2 for spec, _, _ in plan])
    results: dict[str, list[RunResult]] = {}
    for spec, variant, config in plan:
        results[spec] = []
        for k in range(runs):
            seeded = training_config.replace(seed=training_config.seed + k)
            result = run(variant, train, val, sampler_config=config, training_config=seeded, callbacks=callbacks,
                         keep_model=keep_model)
            results[spec].append(result)
            if progress:
                metric = result.metric_info
                progress(f"  {spec:<{width}} run {k + 1}/{runs}: best {metric.label} "
                         f"{metric.best(result.values):.{metric.digits}f}, final {result.values[-1]:.{metric.digits}f},"
                         f" {result.seconds[-1]:.1f} s training")
    return results


def compare_methods(train, val, methods, *, runs: int = 3, seed: int = 0, progress=print,
                    sampler_config: SamplerConfig | None = None, training_config: TrainingConfig | None = None,
                    **options) -> dict[str, list[RunResult]]:
    """Classification: :func:`compare` with a :class:`ClassificationTask` and flat options.

    Args:
        train, val: ``(x, y)`` pairs.
        methods: method names; runs: seeds per method; seed: the first seed; progress: as :func:`compare`.
        sampler_config, training_config: base configs (defaults as :func:`~is_keras.experiments.run.run_training`).
        **options: single fields of either config (``model``, ``epochs``, ``exponent``, ...).
    Returns: ``{method: [RunResult, ...]}``.
    Raises: ValueError: as :func:`compare`, or for an unknown option.
    Example:
        >>> import numpy as np
        >>> data = (np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32), np.arange(16) % 2)
        >>> results = compare_methods(data, data, ["nis", "is-probabilistic"], runs=1, progress=None, epochs=1,
        ...                           batch_size=8, eval_every=1, model_kwargs={"width": 1})
        >>> {m: len(r[0].one_minus_auc) for m, r in results.items()}
        {'nis': 2, 'is-probabilistic': 2}
    """
    task = ClassificationTask()
    sampler, training, _ = apply_options(sampler_config or SamplerConfig(),
                                         training_config or task.default_training_config(), {**options, "seed": seed})
    return compare(task, train, val, methods, sampler_config=sampler, training_config=training, runs=runs,
                   progress=progress)
