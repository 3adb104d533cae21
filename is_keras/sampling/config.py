"""The sampler configuration: one validated, frozen value holding a method and its options."""

from __future__ import annotations

import dataclasses
import math

from is_keras.sampling.methods import MethodSpec, get_method_spec, methods_with, reweightable_methods
from is_keras.sampling.options import SAMPLER_OPTIONS, OptionError


@dataclasses.dataclass(frozen=True)
class SamplerConfig:
    """A sampling method and its options, validated once when made.

    Every field is checked (and normalised) by its entry of :data:`~is_keras.sampling.options.SAMPLER_OPTIONS`,
    which gives its type, range and meaning. Options a method does not read keep their defaults and are ignored by
    it (:data:`~is_keras.sampling.methods.METHOD_SPECS` says which method reads what). An alias (``"auto"``)
    builds the sampler of the configuration it stands for (:attr:`resolved`).

    Args:
        method: a registered method or alias name (:data:`~is_keras.sampling.methods.METHODS`).
        exponent, uniform_mix: loss exponent ``w`` >= 0; share λ in [0, 1] of uniform draws.
        subset_fraction, subset_size: is-randomsubset's subset as a fraction of N; is-highsubset's, an integer.
        unbiased: reweight by ``1 / (N p_i)`` (methods with draw probabilities only).
        switch_fraction, prune_ratio, prune_until: is-switch/is-annealed's switch; infobatch's share and end.
        candidate_factor, selectivity, vr_threshold, score_smoothing: selective-backprop's and vr-switch's C/B, β,
            τ (``None``: the paper's) and additive smoothing.
    Raises:
        OptionError: (a ``ValueError`` naming the field in ``.option``) an unknown method, a value outside its
            rule, ``uniform_mix`` with a method that does not read it, or ``unbiased`` with a method without
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
        for name, option in SAMPLER_OPTIONS.items():
            object.__setattr__(self, name, option.check(name, getattr(self, name)))
        spec = get_method_spec(self.method)
        if self.uniform_mix and "uniform_mix" not in spec.options:
            others = ", ".join(name for name in methods_with("uniform_mix") if name != "is-probabilistic")
            raise OptionError("uniform_mix", f"uniform_mix applies to 'is-probabilistic' only and to {others}; "
                                             f"{self.method!r} does not read it")
        if self.unbiased and not spec.has_draw_probabilities:
            raise OptionError("unbiased", f"unbiased=True needs a method whose draw probabilities are known "
                                          f"({', '.join(reweightable_methods())}); {self.method!r} takes the top of "
                                          "a subset and cannot be reweighted")

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

    @property
    def resolved(self) -> SamplerConfig:
        """The configuration an alias stands for (``unbiased`` kept unless the alias sets it); ``self`` otherwise.

        Example:
            >>> SamplerConfig(method="auto").resolved.method
            'adaptive'
        """
        alias = self.spec.alias_of
        return self if alias is None else SamplerConfig.from_dict({"unbiased": self.unbiased, **alias})

    def build_sampler(self):
        """A fresh :class:`~is_keras.sampling.sampler.Sampler` for this configuration (an alias: for :attr:`resolved`).

        Example:
            >>> SamplerConfig(method="is-highsubset", subset_size=5).build_sampler().subset_size
            5
        """
        config = self.resolved
        spec = config.spec
        return spec.sampler_class(**{option: getattr(config, option) for option in spec.options})


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

