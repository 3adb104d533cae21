"""The registry of sampling methods, each described once: a new method is a sampler and a :func:`register_method`.

Example:
    >>> get_method_spec("is-randomsubset").options
    ('subset_fraction',)
"""

from __future__ import annotations

import dataclasses

from is_keras.sampling.adaptive import AdaptiveSampler
from is_keras.sampling.annealed import AnnealedSampler
from is_keras.sampling.auto import AUTO_CONFIG
from is_keras.sampling.info_batch import InfoBatchSampler
from is_keras.sampling.options import SAMPLER_OPTIONS, OptionError
from is_keras.sampling.probabilistic import ProbabilisticSampler
from is_keras.sampling.random_subset import HighSubsetSampler, RandomSubsetSampler
from is_keras.sampling.rank import RankSampler
from is_keras.sampling.revisit import RevisitSampler
from is_keras.sampling.selective_backprop import SelectiveBackpropSampler, VarianceReductionSampler
from is_keras.sampling.switch import SwitchSampler
from is_keras.sampling.uniform import UniformSampler

#: Every option a method may read (the :data:`~is_keras.sampling.options.SAMPLER_OPTIONS` but method and unbiased).
OPTION_NAMES = tuple(name for name in SAMPLER_OPTIONS if name not in ("method", "unbiased"))


@dataclasses.dataclass(frozen=True)
class MethodSpec:
    """What the rest of the library needs to know about one sampling method.

    Args:
        name, sampler_class: the method name (``sampler_class.name``); the ``Sampler`` subclass.
        options: the ``SamplerConfig`` fields passed to ``sampler_class`` as keyword arguments.
        has_draw_probabilities: every draw has a known probability, so ``unbiased=True`` applies.
        label, description: the name in tables and plots; one line for ``--help``/README.
        selects_candidates: the generator hands out C candidates a step and the training step selects B.
        alias_of: for an alias (:func:`register_alias`), the configuration it stands for.
    Example:
        >>> spec = get_method_spec("nis")
        >>> spec.label, spec.has_draw_probabilities, spec.selects_candidates
        ('NIS', True, False)
    """

    name: str
    sampler_class: type
    options: tuple[str, ...]
    has_draw_probabilities: bool
    label: str
    description: str
    selects_candidates: bool = False
    alias_of: dict | None = dataclasses.field(default=None, hash=False)

    def __post_init__(self):
        declared = getattr(self.sampler_class, "name", None)
        if self.alias_of is None and self.name != declared:
            raise ValueError(f"MethodSpec name {self.name!r} differs from {self.sampler_class.__name__}.name "
                             f"{declared!r}; a method is keyed by the name its sampler declares")
        unknown = [option for option in self.options if option not in OPTION_NAMES]
        if unknown:
            raise ValueError(f"MethodSpec {self.name!r}: unknown option(s) {', '.join(unknown)}; "
                             f"options are: {', '.join(OPTION_NAMES)}")
        object.__setattr__(self, "options", tuple(self.options))
        if not isinstance(self.selects_candidates, bool):
            raise ValueError(f"MethodSpec {self.name!r}: selects_candidates must be True or False")


#: The registered methods by name, in registration order.
METHOD_SPECS: dict[str, MethodSpec] = {}
#: The registered method names (in step with :data:`METHOD_SPECS`).
METHODS: tuple[str, ...] = ()


def register_method(spec: MethodSpec) -> None:
    """Add ``spec`` to the registry under ``spec.sampler_class.name``.

    Raises: ValueError: another method is registered under that name.
    Example:
        >>> register_method(get_method_spec("nis"))   # registering the same spec again is a no-op
        >>> "nis" in METHODS
        True
    """
    global METHODS
    if not isinstance(spec, MethodSpec):
        raise ValueError(f"register_method needs a MethodSpec, got {type(spec).__name__}")
    existing = METHOD_SPECS.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"a different method is already registered as {spec.name!r}")
    METHOD_SPECS[spec.name] = spec
    METHODS = tuple(METHOD_SPECS)


def get_method_spec(name: str) -> MethodSpec:
    """The spec of method ``name``.

    Raises: ValueError: an unknown name (the message lists the valid ones).
    Example:
        >>> get_method_spec("is-highsubset").options
        ('subset_size', 'exponent')
    """
    try:
        return METHOD_SPECS[name]
    except (KeyError, TypeError):
        raise OptionError("method", f"unknown sampling method {name!r}; valid methods are: "
                                    f"{', '.join(METHOD_SPECS)}") from None


def register_alias(name: str, config: dict, *, description: str, label: str | None = None) -> None:
    """Register ``name`` as another name of ``config`` (SamplerConfig fields); the alias reads no option of its own.

    Args:
        name, config: the alias; the configuration it stands for (``method``: a registered method).
        description, label: as :class:`MethodSpec`'s (``label`` defaults to ``name``).
    Raises: ValueError: ``config`` names no registered method, another alias, or an unknown or invalid field.
    Example:
        >>> spec = get_method_spec("auto")
        >>> spec.alias_of["method"], spec.alias_of["selectivity"], spec.sampler_class.__name__, spec.options
        ('adaptive', 3.0, 'AdaptiveSampler', ())
    """
    config = dict(config)
    for key, value in config.items():
        if key not in SAMPLER_OPTIONS:
            raise OptionError(key, f"alias {name!r}: unknown sampler option {key!r}; options are: "
                                   f"{', '.join(SAMPLER_OPTIONS)}")
        SAMPLER_OPTIONS[key].check(key, value)
    target = get_method_spec(config.get("method"))
    if target.alias_of is not None:
        raise OptionError("method", f"alias {name!r} cannot stand for another alias ({target.name!r})")
    shown = ", ".join(f"{key}={value}" for key, value in config.items())
    register_method(MethodSpec(
        name=name, sampler_class=target.sampler_class, options=(), has_draw_probabilities=target.has_draw_probabilities,
        label=label or name, description=f"{description} (alias of {shown})",
        selects_candidates=target.selects_candidates, alias_of=config))


def methods_with(option: str) -> tuple[str, ...]:
    """The registered methods that read ``option`` (e.g. ``"exponent"``).

    Example:
        >>> methods_with("exponent")
        ('is-probabilistic', 'is-highsubset', 'is-switch', 'is-annealed', 'is-revisit')
    """
    return tuple(name for name, spec in METHOD_SPECS.items() if option in spec.options)


def reweightable_methods() -> tuple[str, ...]:
    """The registered methods with per-draw probabilities (usable with ``unbiased=True``).

    Example:
        >>> reweightable_methods()[:2]
        ('nis', 'is-probabilistic')
    """
    return tuple(name for name, spec in METHOD_SPECS.items() if spec.has_draw_probabilities)


register_method(MethodSpec(
    name="nis", sampler_class=UniformSampler, options=(), has_draw_probabilities=True, label="NIS",
    description="uniform, without replacement, a fresh permutation every epoch (the baseline)"))
register_method(MethodSpec(
    name="is-probabilistic", sampler_class=ProbabilisticSampler, options=("exponent", "uniform_mix"),
    has_draw_probabilities=True, label="IS-probabilistic",
    description="i.i.d. draws with p_i proportional to loss_i ** exponent (sum tree), optionally mixed with uniform"))
register_method(MethodSpec(
    name="is-randomsubset", sampler_class=RandomSubsetSampler, options=("subset_fraction",),
    has_draw_probabilities=False, label="IS-randomsubset",
    description="the batch_size highest losses of a random subset of subset_fraction * N samples"))
register_method(MethodSpec(
    name="is-highsubset", sampler_class=HighSubsetSampler, options=("subset_size", "exponent"),
    has_draw_probabilities=False, label="IS-highsubset",
    description="i.i.d. draws proportional to loss ** exponent among the subset_size highest losses"))
# methods beyond the thesis (issue 11)
register_method(MethodSpec(
    name="is-switch", sampler_class=SwitchSampler, options=("exponent", "uniform_mix", "switch_fraction"),
    has_draw_probabilities=True, label="IS→uniform",
    description="is-probabilistic until switch_fraction of the run, uniform permutations after it"))
register_method(MethodSpec(
    name="is-annealed", sampler_class=AnnealedSampler, options=("exponent", "uniform_mix", "switch_fraction"),
    has_draw_probabilities=True, label="IS-annealed",
    description="is-probabilistic with the exponent falling linearly to 0 at switch_fraction of the run, then uniform"))
register_method(MethodSpec(
    name="infobatch", sampler_class=InfoBatchSampler, options=("prune_ratio", "prune_until"),
    has_draw_probabilities=False, label="InfoBatch",
    description="per pass, skip a random prune_ratio of the below-mean-loss samples and weight the kept ones "
                "1/(1 - prune_ratio); no pruning after prune_until of the run"))
register_method(MethodSpec(
    name="is-revisit", sampler_class=RevisitSampler, options=("exponent", "uniform_mix"),
    has_draw_probabilities=True, label="IS-revisit",
    description="a share uniform_mix of every batch (at least 1) from a running permutation, the rest "
                "proportional to loss ** exponent: every table entry is refreshed at least every N/k batches"))
register_method(MethodSpec(
    name="is-rank", sampler_class=RankSampler, options=("selectivity", "uniform_mix"),
    has_draw_probabilities=True, label="IS-rank",
    description="i.i.d. draws ∝ (rank of the loss in the table / N) ** selectivity, plus a share uniform_mix of "
                "uniform draws: Selective-Backprop's rule on the table, no extra forward (Loshchilov & Hutter 2015)"))
register_method(MethodSpec(
    name="adaptive", sampler_class=AdaptiveSampler, options=("selectivity", "uniform_mix", "switch_on_at",
                                                                   "switch_on_within"),
    has_draw_probabilities=True, label="Adaptive",
    description="uniform until the table's loss concentration N·ΣL²/(ΣL)² reaches switch_on_at (the first time "
                "within switch_on_within passes after the first pass, or never), then is-rank, back to uniform "
                "below 1.2; logs sampling_active"))
register_alias("auto", AUTO_CONFIG, description="adaptive with selectivity 3 and uniform_mix 0.2, switched on only "
               "if the loss concentration is 2 or more at the end of the first pass: decided while training")
register_method(MethodSpec(
    name="selective-backprop", sampler_class=SelectiveBackpropSampler, options=("candidate_factor", "selectivity"),
    has_draw_probabilities=False, label="Selective-Backprop", selects_candidates=True,
    description="forward candidate_factor * B uniform candidates, backpropagate B of them drawn without "
                "replacement with p ∝ (fresh loss percentile) ** selectivity; weights 1 (Jiang et al. 2019)"))
register_method(MethodSpec(
    name="vr-switch", sampler_class=VarianceReductionSampler,
    options=("candidate_factor", "vr_threshold", "score_smoothing"),
    has_draw_probabilities=False, label="VR-switch", selects_candidates=True,
    description="while the estimated variance reduction exceeds vr_threshold, forward candidate_factor * B "
                "uniform candidates and draw B ∝ fresh score + score_smoothing * mean score, with weights 1/(C p); "
                "uniform batches otherwise (Katharopoulos & Fleuret 2018)"))
