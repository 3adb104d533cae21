"""The sampler configuration: one validated, frozen value holding a method and its options."""

from __future__ import annotations

import dataclasses
import math

from is_keras.sampling.methods import MethodSpec, get_method_spec, methods_with, reweightable_methods
from is_keras.sampling.options import SAMPLER_OPTIONS, OptionError
from is_keras.sampling.sampler import Sampler


@dataclasses.dataclass(frozen=True)
class SamplerConfig:
    """A sampling method and its options, validated once when made; options a method does not read are ignored.

    Args:
        method: a registered method or alias name (:data:`~is_keras.sampling.methods.METHODS`).
        the other fields: the options, checked and explained by :data:`~is_keras.sampling.options.SAMPLER_OPTIONS`.
    Raises:
        OptionError: (a ``ValueError``) an unknown method, a value outside its rule, ``uniform_mix`` with a method
            that does not read it, or ``unbiased`` with a method without per-draw probabilities.
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
    switch_on_at: float = 1.5
    switch_on_within: float | None = None
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
        shown = {  # in this order; None: not shown
            "exponent": f"w={self.exponent:g}", "subset_fraction": f"f={self.subset_fraction:g}",
            "subset_size": f"k={self.subset_size}",
            "uniform_mix": f"λ={self.uniform_mix:g}" if self.uniform_mix else None,
            "switch_fraction": f"until {self.switch_fraction:g}", "prune_ratio": f"r={self.prune_ratio:g}",
            "prune_until": f"until {self.prune_until:g}", "candidate_factor": f"C={self.candidate_factor:g}B",
            "selectivity": f"β={self.selectivity:g}",
            "switch_on_at": f"on at τ²={self.switch_on_at:g}",
            "switch_on_within": None if self.switch_on_within is None else f"on within {self.switch_on_within:g} ep",
            "vr_threshold": None if self.vr_threshold is None else f"τ={self.vr_threshold:g}",
        }
        parts = [text for name, text in shown.items() if name in spec.options and text is not None]
        label = spec.label + (f" ({', '.join(parts)})" if parts else "")
        return label + (" unbiased" if self.unbiased else "")

    def to_dict(self) -> dict:
        """Every field as a plain JSON-able dict.

        Example:
            >>> SamplerConfig(method="nis").to_dict()["method"]
            'nis'
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SamplerConfig:
        """The config described by ``data`` (missing fields take their defaults).

        Raises: ValueError: naming any key that is not a field, or an invalid value.
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


def make_sampler(method: str, exponent: float = 1.0, subset_fraction: float = 0.1, subset_size: int = 1000,
                 uniform_mix: float = 0.0) -> Sampler:
    """Build the sampler for ``method`` (kept for old code; new code uses :meth:`SamplerConfig.build_sampler`).

    Raises: ValueError: an unknown method or an invalid option.
    Example:
        >>> make_sampler("is-probabilistic", exponent=0.5).exponent
        0.5
    """
    config = SamplerConfig(method=method, exponent=exponent, subset_fraction=subset_fraction,
                           subset_size=subset_size, uniform_mix=uniform_mix)
    return config.build_sampler()
