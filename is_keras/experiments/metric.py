"""The evaluation metric of a task: its name in results, its label in tables and plots, and its direction."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Metric:
    """How a task's evaluation curve is named, printed and compared.

    Attributes:
        name: key of the values in saved results and CSV columns (``"one_minus_auc"``).
        label: short name for tables and axes (``"1-AUC"``).
        lower_is_better: True for error-like metrics (every metric here).
        digits: decimals printed in tables.
    Example:
        >>> get_metric("one_minus_ap50").label
        '1-AP50'
    """

    name: str
    label: str
    lower_is_better: bool = True
    digits: int = 5

    def best(self, values) -> float:
        """The best of ``values``: the minimum when lower is better, else the maximum.

        Args:
            values: a non-empty sequence of numbers.
        Example:
            >>> ONE_MINUS_AUC.best([0.3, 0.1, 0.2])
            0.1
        """
        return float(np.min(values) if self.lower_is_better else np.max(values))

    def reached(self, value: float, target: float) -> bool:
        """Whether ``value`` is at least as good as ``target``.

        Example:
            >>> ONE_MINUS_AUC.reached(0.1, 0.2), ONE_MINUS_AUC.reached(0.3, 0.2)
            (True, False)
        """
        return value <= target if self.lower_is_better else value >= target


#: 1 - mean one-vs-rest ROC AUC (classification).
ONE_MINUS_AUC = Metric("one_minus_auc", "1-AUC", lower_is_better=True, digits=5)
#: 1 - AP at IoU 0.5 (detection).
ONE_MINUS_AP50 = Metric("one_minus_ap50", "1-AP50", lower_is_better=True, digits=4)

METRICS = {metric.name: metric for metric in (ONE_MINUS_AUC, ONE_MINUS_AP50)}


def get_metric(name: str) -> Metric:
    """The :class:`Metric` called ``name``.

    Args:
        name: ``"one_minus_auc"`` or ``"one_minus_ap50"``.
    Raises: ValueError: for an unknown name (the message lists the known ones).
    Example:
        >>> get_metric("one_minus_auc").digits
        5
    """
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(METRICS)}")
    return METRICS[name]
