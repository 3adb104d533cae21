"""Every sampler option declared once: type, range and help (read by the config, samplers, sweep files and CLI).

Example:
    >>> SAMPLER_OPTIONS["prune_ratio"].rule
    'in [0, 1)'
    >>> try:
    ...     check_option("exponent", -1)
    ... except OptionError as error:
    ...     print(error.option, "|", error)
    exponent | exponent must be a finite number >= 0, got -1
"""

from __future__ import annotations

import dataclasses
import math
import numbers

#: Which ends of an :class:`Option`'s range are included (as scikit-learn's ``Interval(closed=...)``).
CLOSED = ("both", "left", "right", "neither")
KINDS = (float, int, str, bool)


class OptionError(ValueError):
    """A refused option value; :attr:`option` is the field at fault (the CLI names its flag from it).

    Example:
        >>> OptionError("uniform_mix", "uniform_mix applies only to ...").option
        'uniform_mix'
    """

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option

    def __reduce__(self):
        return type(self), (self.option, str(self))


@dataclasses.dataclass(frozen=True)
class Option:
    """How one option is checked, and its one-line help.

    Args:
        kind: ``float`` (finite), ``int`` (an integral number, returned as ``int``), ``str`` or ``bool``.
        low, high, closed: the range of a number (``None``: unbounded); which ends are in it, one of :data:`CLOSED`.
        none_ok, choices: ``None`` is allowed too; the allowed strings (empty: any).
        help: what the option means, one line (``--help``).
    Example:
        >>> Option(float, 0, 1, closed="right").check("f", 1)
        1.0
        >>> Option(str, choices=("step", "linear")).rule
        "one of 'step', 'linear'"
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    none_ok: bool = False
    choices: tuple = ()
    help: str = ""

    def __post_init__(self):
        if self.kind not in KINDS or self.closed not in CLOSED:
            raise ValueError(f"Option kind must be one of float, int, str, bool and closed one of {CLOSED}, "
                             f"got {self.kind!r}, {self.closed!r}")
        object.__setattr__(self, "choices", tuple(self.choices))

    @property
    def rule(self) -> str:
        """What a valid value is, in words.

        Example:
            >>> Option(float, low=0, none_ok=True).rule
            'a finite number >= 0 or None'
        """
        if self.kind is bool:
            rule = "True or False"
        elif self.kind is str:
            rule = f"one of {', '.join(map(repr, self.choices))}" if self.choices else "a string"
        elif self.low is not None and self.high is not None:
            left = "[" if self.closed in ("both", "left") else "("
            right = "]" if self.closed in ("both", "right") else ")"
            rule = f"{'' if self.kind is float else 'an integer '}in {left}{self.low:g}, {self.high:g}{right}"
        else:
            rule = "a finite number" if self.kind is float else "an integer"
            if self.low is not None:
                rule += f" {'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}"
            elif self.high is not None:
                rule += f" {'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}"
        return rule + (" or None" if self.none_ok else "")

    def check(self, name: str, value):
        """``value`` normalised (``float``/``int``), after checking it against this option.

        Raises: OptionError: "{name} must be {rule}, got {value!r}", with ``.option = name``.
        Example:
            >>> Option(int, low=1).check("subset_size", 3.0)
            3
        """
        if value is None and self.none_ok:
            return None
        if self.kind is bool or self.kind is str:
            ok, checked = isinstance(value, self.kind) and (not self.choices or value in self.choices), value
        else:
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
            ok = ok and (self.kind is float or value == int(value))
            checked = self.kind(value) if ok else None
            ok = ok and self._in_range(checked)
        if not ok:
            raise OptionError(name, f"{name} must be {self.rule}, got {value!r}")
        return checked

    def _in_range(self, value) -> bool:
        low_ok = self.low is None or value > self.low or (value == self.low and self.closed in ("both", "left"))
        high_ok = self.high is None or value < self.high or (value == self.high and self.closed in ("both", "right"))
        return low_ok and high_ok


#: Every :class:`~is_keras.sampling.config.SamplerConfig` field and how it is checked.
SAMPLER_OPTIONS: dict[str, Option] = {
    "method": Option(str, help="a registered sampling method or alias (is_keras.sampling.methods.METHODS)"),
    "exponent": Option(float, low=0, help="loss exponent w: p_i ∝ loss_i ** w"),
    "subset_fraction": Option(float, 0, 1, closed="right", help="subset size as a fraction of the training set"),
    "subset_size": Option(int, low=1, help="subset size"),
    "uniform_mix": Option(float, 0, 1, help="share λ of uniform draws (bounds the unbiased weights by 1/λ)"),
    "unbiased": Option(bool, help="reweight losses by 1/(N p_i) (default: biased like the thesis)"),
    "switch_fraction": Option(float, 0, 1, closed="right", help="fraction of the run after which is-switch draws "
                              "uniformly and at which is-annealed's exponent reaches 0"),
    "prune_ratio": Option(float, 0, 1, closed="left", help="share of the below-mean-loss samples infobatch skips "
                          "per pass (kept ones weigh 1/(1 - ratio))"),
    "prune_until": Option(float, 0, 1, closed="right", help="fraction of the run after which infobatch prunes nothing"),
    "candidate_factor": Option(float, low=1, help="candidates forwarded per step over the batch size, "
                               "C = ceil(factor * B)"),
    "selectivity": Option(float, low=0, help="exponent β on the fresh loss percentile of a candidate"),
    "switch_on_at": Option(float, low=1, help="adaptive: the loss concentration N·ΣL²/(ΣL)² at which selection "
                           "switches on (it switches off below 1.2)"),
    "switch_on_within": Option(float, low=0, none_ok=True, help="adaptive: passes over the data after the first "
                               "pass within which selection may first switch on (0: at the end of the first pass "
                               "only); later it stays off for the run (default None: any time)"),
    "vr_threshold": Option(float, low=0, none_ok=True, help="variance reduction τ above which vr-switch samples "
                           "candidates by score (None: the paper's (C + 3B) / (3B))"),
    "score_smoothing": Option(float, low=0, help="vr-switch draws ∝ score + score_smoothing * mean score "
                              "(bounds the weights)"),
}


def check_option(name: str, value):
    """``value`` checked and normalised by ``SAMPLER_OPTIONS[name]``.

    Raises: OptionError: a value outside the option's rule (``KeyError``: no such option).
    Example:
        >>> check_option("uniform_mix", 0)
        0.0
    """
    return SAMPLER_OPTIONS[name].check(name, value)
