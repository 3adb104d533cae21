"""One training run's evaluation curve (any task's metric), its configuration and environment."""

from __future__ import annotations

import dataclasses

import numpy as np

from is_keras.experiments.metric import METRICS, Metric, get_metric


@dataclasses.dataclass
class RunResult:
    """One run's curve: equal-length arrays, one entry per evaluation.

    Attributes:
        samples, seconds: samples seen and training wall-clock (evaluation excluded) at each evaluation.
        values: the metric at each evaluation (see ``metric``).
        config: the full configuration (task, training, sampler, data sizes, parameters).
        environment: library / TensorFlow versions and device.
        metric: the metric's name, ``"one_minus_auc"`` (classification) or ``"one_minus_ap50"`` (detection).
        epochs: (fractional) epoch of each evaluation, when the task records it.
        final_loss_table: the loss table after training (not saved by :meth:`to_dict`).
        loss_histograms: epoch -> visited loss-table entries, when snapshots were asked for (not saved).
        model: the trained model, when the run was asked to keep it (not saved).
        artifacts: task-specific objects (detection: ``"anchors"``) (not saved).
    Example:
        >>> r = RunResult(np.array([64, 128]), np.array([0.5, 1.0]), np.array([0.2, 0.1]), {"seed": 0}, {})
        >>> r.one_minus_auc.tolist(), RunResult.from_dict(r.to_dict()).values.tolist()
        ([0.2, 0.1], [0.2, 0.1])
    """

    samples: np.ndarray
    seconds: np.ndarray
    values: np.ndarray
    config: dict
    environment: dict
    metric: str = "one_minus_auc"
    epochs: np.ndarray | None = None
    final_loss_table: np.ndarray | None = None
    loss_histograms: dict = dataclasses.field(default_factory=dict)
    model: object = None
    artifacts: dict = dataclasses.field(default_factory=dict)

    @property
    def metric_info(self) -> Metric:
        """The :class:`~is_keras.experiments.metric.Metric` of :attr:`values`."""
        return get_metric(self.metric)

    @property
    def one_minus_auc(self) -> np.ndarray:
        """:attr:`values` of a classification run (AttributeError when the run's metric is not 1-AUC)."""
        return self._values_of("one_minus_auc")

    @property
    def one_minus_ap50(self) -> np.ndarray:
        """:attr:`values` of a detection run (AttributeError when the run's metric is not 1-AP50)."""
        return self._values_of("one_minus_ap50")

    def _values_of(self, name: str) -> np.ndarray:
        if self.metric != name:
            raise AttributeError(f"this run's metric is {self.metric!r}, not {name!r}: use .values")
        return self.values

    def to_dict(self) -> dict:
        """JSON-ready form: the curve (values under the metric's name), config and environment.

        Returns: A dict of lists, numbers and strings (tables, histograms, model and artifacts are left out).
        """
        data = {"metric": self.metric, "samples": np.asarray(self.samples).tolist(),
                "seconds": np.asarray(self.seconds).tolist(), self.metric: np.asarray(self.values).tolist()}
        if self.epochs is not None:
            data["epochs"] = np.asarray(self.epochs).tolist()
        data.update(config=self.config, environment=self.environment)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RunResult:
        """Rebuild a result from :meth:`to_dict` (also files written before ``metric`` was saved).

        Args:
            data: a mapping from :meth:`to_dict`; ``null`` values become NaN.
        Raises: ValueError: when no metric values are found.
        """
        metric = data.get("metric") or next((name for name in METRICS if name in data), None)
        if metric is None or metric not in data:
            raise ValueError("a run result needs its metric values (e.g. 'one_minus_auc')")
        get_metric(metric)
        epochs = data.get("epochs")
        return cls(samples=np.asarray(data["samples"], dtype=np.int64),
                   seconds=np.asarray(data["seconds"], dtype=np.float64),
                   values=np.asarray(data[metric], dtype=np.float64), config=data["config"],
                   environment=data.get("environment", {}), metric=metric,
                   epochs=None if epochs is None else np.asarray(epochs, dtype=np.float64))
