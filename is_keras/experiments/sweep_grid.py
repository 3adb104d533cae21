"""The sweep grid: a :class:`SweepConfig` → an ordered list of :class:`RunSpec` (the method registry says which
options multiply a method's runs), and shards of it."""

from __future__ import annotations

import itertools

from is_keras.experiments.run_spec import RunSpec
from is_keras.experiments.sweep_config import load_sweep_config
from is_keras.sampling.methods import get_method_spec


def expand_sweep(config) -> list[RunSpec]:
    """The sweep's runs in a fixed order: model → size → method → exponent → unbiased → seed.

    Args:
        config: a :class:`~is_keras.experiments.sweep_config.SweepConfig`, mapping or file path.
    Returns: The list of :class:`RunSpec`, without duplicates.
    Raises: ValueError: for a bad config or a grid point a method refuses (before any run).
    Example:
        >>> specs = expand_sweep({"kind": "model_complexity", "params": [5000, 20000], "runs": 3})
        >>> len(specs)   # 2 sizes × 2 methods × 3 seeds
        12
    """
    config = load_sweep_config(config)
    size_key = "params" if config.params is not None else "width"
    shared = {"dataset": config.dataset, "data_seed": config.data_seed, "epochs": config.epochs,
              "batch_size": config.batch_size, "eval_every": config.eval_every, "smoke": config.smoke,
              "learning_rate": float(config.learning_rate), "lr_schedule": config.lr_schedule,
              "lr_warmup": float(config.lr_warmup)}
    specs, seen = [], set()
    for model in config.models:
        for size in config.sizes(model):
            if size is not None and size_key == "params":
                if int(size) != size:
                    raise ValueError(f"params must be whole numbers, got {size!r} for {model!r}")
                size = int(size)
            model_kwargs = {} if size is None else {size_key: size}
            for method in config.methods:
                entry = get_method_spec(method)
                reads = entry.options  # the options that multiply (or change) this method's runs
                exponents = config.exponents if "exponent" in reads else [None]
                # unbiased=True changes a method's runs only when its draw probabilities differ from uniform
                variants = list(dict.fromkeys(config.unbiased)) if entry.has_draw_probabilities and reads else [False]
                options = {k: v for k, v in config.sampler_options.items() if k in reads}
                seeds = range(config.seed, config.seed + config.runs)
                for exponent, unbiased, seed in itertools.product(exponents, variants, seeds):
                    spec = RunSpec(
                        **shared, dataset_kwargs=dict(config.dataset_kwargs), model=model, model_kwargs=model_kwargs,
                        method=method, exponent=None if exponent is None else float(exponent), seed=seed,
                        subset_fraction=float(config.subset_fraction) if "subset_fraction" in reads else None,
                        subset_size=config.subset_size if "subset_size" in reads else None, unbiased=unbiased,
                        uniform_mix=float(config.uniform_mix) if "uniform_mix" in reads and config.uniform_mix
                        else None, sampler_options=dict(options),
                    )
                    if spec.run_id not in seen:
                        spec.sampler_config()  # refuses bad options now, not after earlier runs trained
                        spec.training_config()
                        seen.add(spec.run_id)
                        specs.append(spec)
    return specs


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` → ``(i, n)`` with ``0 <= i < n``.

    Raises: ValueError: for anything else.
    Example:
        >>> parse_shard("1/4")
        (1, 4)
    """
    try:
        index, count = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"shard must look like i/n (e.g. 0/4), got {text!r}") from None
    shard_specs([], index, count)  # checks the range
    return index, count


def shard_specs(specs: list, index: int, count: int) -> list:
    """Every ``count``-th run starting at ``index``: shard ``index`` of ``count``.

    Raises: ValueError: unless ``count >= 1`` and ``0 <= index < count``.
    Example:
        >>> shard_specs(list(range(7)), 1, 3)
        [1, 4]
    """
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"shard {index}/{count} needs n >= 1 and 0 <= i < n")
    return specs[index::count]
