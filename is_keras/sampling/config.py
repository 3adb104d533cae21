"""The sampler configuration: one validated, frozen value holding a method and its options."""

from __future__ import annotations

import dataclasses
import math
import numbers

from is_keras.sampling.methods import MethodSpec, get_method_spec
from is_keras.sampling.schedules import check_fraction


@dataclasses.dataclass(frozen=True)
class SamplerConfig:
    """A sampling method and its options, validated once when made.

    Options a method does not read keep their defaults and are ignored by it
    (see :data:`~is_keras.sampling.methods.METHOD_SPECS` for which method reads what).

    Args:
        method: a registered method name (:data:`~is_keras.sampling.methods.METHODS`).
        exponent: loss exponent ``w``, finite and >= 0 (is-probabilistic, is-highsubset).
        subset_fraction: subset size of is-randomsubset as a fraction of N, in (0, 1].
        subset_size: subset size of is-highsubset, an integer >= 1.
        uniform_mix: share λ in [0, 1] of uniform draws (is-probabilistic only).
        unbiased: reweight by ``1 / (N p_i)`` (methods with draw probabilities only).
        switch_fraction: fraction of the run, in (0, 1], after which is-switch draws uniformly
            and at which is-annealed's exponent reaches 0.
        prune_ratio: share r in [0, 1) of below-mean-loss samples infobatch skips per pass.
        prune_until: fraction of the run, in (0, 1], after which infobatch prunes nothing.
        candidate_factor: candidates per step over the batch size, C = ``ceil(candidate_factor * B)``,
            a finite number >= 1 (selective-backprop, vr-switch).
        selectivity: the exponent β >= 0 on the fresh loss percentile (selective-backprop).
        vr_threshold: the variance reduction τ above which vr-switch samples by score, a finite
            number >= 0, or None for the paper's ``(C + 3B) / (3B)``.
        score_smoothing: vr-switch draws ∝ ``score + score_smoothing * mean(score)`` over the
            candidates (the paper's adaptive additive smoothing; weights stay ``1 / (C p_i)``,
            now at most ``(1 + score_smoothing) / score_smoothing``), a finite number >= 0.

    Raises:
        ValueError: for an unknown method or an option outside its range, ``uniform_mix``
            with a method that does not read it, or ``unbiased`` with a method that has no
            per-draw probabilities.

    Example:
        >>> config = SamplerConfig(method="is-probabilistic", exponent=0.5)
        >>> config.label
        'IS-probabilistic (w=0.5)'
        >>> SamplerConfig.from_dict(config.to_dict()) == config
        True
        >>> type(config.build_sampler()).__name__
        'ProbabilisticSampler'
    """

    method: str = "is-probabilistic"
    exponent: float = 1.0
    subset_fraction: float = 0.1
    subset_size: int = 1000
    uniform_mix: float = 0.0
    unbiased: bool = False
    switch_fraction: float = 0.5
    prune_ratio: float = 0.5
    prune_until: float = 0.875
    candidate_factor: float = 4.0
    selectivity: float = 3.0
    vr_threshold: float | None = None
    score_smoothing: float = 0.5

    def __post_init__(self):
        spec = get_method_spec(self.method)
        exponent = _number("exponent", self.exponent)
        if not math.isfinite(exponent) or exponent < 0:
            raise ValueError(f"exponent must be a finite number >= 0, got {self.exponent}")
        fraction = _number("subset_fraction", self.subset_fraction)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"subset_fraction must be in (0, 1], got {self.subset_fraction}")
        size = self.subset_size
        integral = isinstance(size, numbers.Real) and not isinstance(size, bool) and math.isfinite(size)
        if not integral or size != int(size) or size < 1:
            raise ValueError(f"subset_size must be an integer >= 1, got {self.subset_size!r}")
        mix = _number("uniform_mix", self.uniform_mix)
        if not 0.0 <= mix <= 1.0:
            raise ValueError(f"uniform_mix must be in [0, 1], got {self.uniform_mix}")
        if mix and "uniform_mix" not in spec.options:
            raise ValueError(f"uniform_mix applies to 'is-probabilistic' only, not to {self.method!r}")
        if not isinstance(self.unbiased, bool):
            raise ValueError(f"unbiased must be True or False, got {self.unbiased!r}")
        if self.unbiased and not spec.has_draw_probabilities:
            from is_keras.sampling.methods import reweightable_methods

            known = ", ".join(reweightable_methods())
            raise ValueError(
                f"unbiased=True needs a method whose draw probabilities are known ({known}); "
                f"{self.method!r} takes the top of a subset and cannot be reweighted"
            )
        object.__setattr__(self, "exponent", exponent)
        object.__setattr__(self, "subset_fraction", fraction)
        object.__setattr__(self, "subset_size", int(size))
        object.__setattr__(self, "uniform_mix", mix)
        object.__setattr__(self, "switch_fraction", check_fraction("switch_fraction", self.switch_fraction))
        object.__setattr__(self, "prune_ratio", check_fraction("prune_ratio", self.prune_ratio, allow_zero=True,
                                                               allow_one=False))
        object.__setattr__(self, "prune_until", check_fraction("prune_until", self.prune_until))
        factor = _number("candidate_factor", self.candidate_factor)
        if not math.isfinite(factor) or factor < 1:
            raise ValueError(f"candidate_factor must be a finite number >= 1, got {self.candidate_factor}")
        selectivity = _number("selectivity", self.selectivity)
        if not math.isfinite(selectivity) or selectivity < 0:
            raise ValueError(f"selectivity must be a finite number >= 0, got {self.selectivity}")
        threshold = self.vr_threshold
        if threshold is not None:
            threshold = _number("vr_threshold", threshold)
            if not math.isfinite(threshold) or threshold < 0:
                raise ValueError(f"vr_threshold must be a finite number >= 0 (or None), got {self.vr_threshold}")
        smoothing = _number("score_smoothing", self.score_smoothing)
        if not math.isfinite(smoothing) or smoothing < 0:
            raise ValueError(f"score_smoothing must be a finite number >= 0, got {self.score_smoothing}")
        object.__setattr__(self, "score_smoothing", smoothing)
        object.__setattr__(self, "candidate_factor", factor)
        object.__setattr__(self, "selectivity", selectivity)
        object.__setattr__(self, "vr_threshold", threshold)

    @property
    def spec(self) -> MethodSpec:
        """The registry entry of :attr:`method`."""
        return get_method_spec(self.method)

    @property
    def label(self) -> str:
        """A short name for tables and plots: the method's label and the options it reads.

        Example:
            >>> SamplerConfig(method="nis").label
            'NIS'
            >>> SamplerConfig(uniform_mix=0.2, unbiased=True).label
            'IS-probabilistic (w=1, λ=0.2) unbiased'
            >>> SamplerConfig(method="selective-backprop").label
            'Selective-Backprop (C=4B, β=3)'
        """
        spec = self.spec
        parts = []
        if "exponent" in spec.options:
            parts.append(f"w={self.exponent:g}")
        if "subset_fraction" in spec.options:
            parts.append(f"f={self.subset_fraction:g}")
        if "subset_size" in spec.options:
            parts.append(f"k={self.subset_size}")
        if "uniform_mix" in spec.options and self.uniform_mix:
            parts.append(f"λ={self.uniform_mix:g}")
        if "switch_fraction" in spec.options:
            parts.append(f"until {self.switch_fraction:g}")
        if "prune_ratio" in spec.options:
            parts.append(f"r={self.prune_ratio:g}")
        if "prune_until" in spec.options:
            parts.append(f"until {self.prune_until:g}")
        if "candidate_factor" in spec.options:
            parts.append(f"C={self.candidate_factor:g}B")
        if "selectivity" in spec.options:
            parts.append(f"β={self.selectivity:g}")
        if "vr_threshold" in spec.options and self.vr_threshold is not None:
            parts.append(f"τ={self.vr_threshold:g}")
        label = spec.label + (f" ({', '.join(parts)})" if parts else "")
        return label + (" unbiased" if self.unbiased else "")

    def to_dict(self) -> dict:
        """Every field as a plain JSON-able dict (for YAML, ``summary.json`` and checkpoints).

        Example:
            >>> SamplerConfig(method="nis").to_dict()["method"]
            'nis'
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SamplerConfig:
        """The config described by ``data`` (missing fields take their defaults).

        Raises:
            ValueError: naming any key that is not a field, or an invalid value.

        Example:
            >>> SamplerConfig.from_dict({"method": "is-randomsubset", "subset_fraction": 0.2}).subset_fraction
            0.2
        """
        if not isinstance(data, dict):
            raise ValueError(f"a sampler configuration must be a dict, got {type(data).__name__}")
        names = [field.name for field in dataclasses.fields(cls)]
        unknown = [key for key in data if key not in names]
        if unknown:
            raise ValueError(f"unknown sampler configuration key(s) {', '.join(map(repr, unknown))}; "
                             f"valid keys are: {', '.join(names)}")
        return cls(**data)

    def build_sampler(self):
        """A fresh :class:`~is_keras.sampling.sampler.Sampler` for this configuration.

        Example:
            >>> SamplerConfig(method="is-highsubset", subset_size=5).build_sampler().subset_size
            5
        """
        spec = self.spec
        return spec.sampler_class(**{option: getattr(self, option) for option in spec.options})


def candidate_count(batch_size: int, candidate_factor: float, num_samples: int | None = None) -> int:
    """C = ``ceil(candidate_factor * batch_size)``, at most ``num_samples`` (when given) and at least B.

    Example:
        >>> candidate_count(32, 4.0), candidate_count(32, 1.5), candidate_count(32, 4.0, num_samples=100)
        (128, 48, 100)
    """
    count = int(math.ceil(float(candidate_factor) * int(batch_size) - 1e-9))
    if num_samples is not None:
        count = min(count, int(num_samples))
    return max(int(batch_size), count)


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)
