"""Run one training configuration and record its 1-AUC curve."""

from __future__ import annotations

import dataclasses
import platform

import numpy as np

from is_keras.callbacks.one_minus_auc import OneMinusAUC
from is_keras.models.registry import build_classifier
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.validation import check_labels
from is_keras.training.trainer import ImportanceTrainer


@dataclasses.dataclass
class RunResult:
    """One run's curve: equal-length arrays, one entry per evaluation.

    ``seconds`` is training wall-clock so far (evaluation excluded).
    """

    samples: np.ndarray
    seconds: np.ndarray
    one_minus_auc: np.ndarray
    config: dict
    environment: dict
    final_loss_table: np.ndarray | None = None

    def to_dict(self) -> dict:
        """JSON-ready form (the loss table is left out)."""
        return {
            "samples": self.samples.tolist(),
            "seconds": self.seconds.tolist(),
            "one_minus_auc": self.one_minus_auc.tolist(),
            "config": self.config,
            "environment": self.environment,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RunResult:
        return cls(
            samples=np.asarray(data["samples"], dtype=np.int64),
            seconds=np.asarray(data["seconds"], dtype=np.float64),
            one_minus_auc=np.asarray(data["one_minus_auc"], dtype=np.float64),
            config=data["config"],
            environment=data.get("environment", {}),
        )


def default_batch_size(num_samples: int, preferred: int = 256) -> int:
    """``preferred`` unless the data is too small for it: at least 20 steps per epoch.

    Example:
        >>> default_batch_size(1347), default_batch_size(100_000)
        (64, 256)
    """
    if num_samples >= 20 * preferred:
        return preferred
    return int(max(8, 2 ** np.floor(np.log2(max(num_samples / 20, 1)))))


def environment_info() -> dict:
    """Library / TensorFlow versions and the device, recorded next to every result."""
    import tensorflow as tf

    from is_keras import __version__

    gpus = tf.config.list_logical_devices("GPU")
    return {
        "is_keras": __version__,
        "tensorflow": tf.__version__,
        "python": platform.python_version(),
        "device": gpus[0].name if gpus else "CPU",
        "machine": platform.machine(),
    }


def run_training(
    train,
    val,
    model: str = "crapnet",
    method: str = "is-probabilistic",
    exponent: float = 1.0,
    epochs: int = 5,
    batch_size: int = 256,
    eval_every: int = 10,
    seed: int = 0,
    model_kwargs: dict | None = None,
    learning_rate: float = 1e-3,
    subset_fraction: float = 0.1,
    subset_size: int = 1000,
    verbose: int = 0,
    callbacks=None,
    unbiased: bool = False,
    uniform_mix: float = 0.0,
) -> RunResult:
    """Train ``model`` with sampling ``method`` and return its 1-AUC curve.

    Args:
        train, val: ``(x, y)`` pairs; ``x`` of shape (N, H, W, C), integer ``y``.
            The number of classes is taken from the labels of both sets.
        model: ``"crapnet"`` or ``"resnet18"``; ``model_kwargs`` go to its
            builder (``width=`` or ``params=``).
        method, exponent, subset_fraction, subset_size: the sampler.
        epochs, batch_size, learning_rate: Adam training schedule.
        eval_every: evaluate 1-AUC on ``val`` every this many batches.
        seed: seeds model initialisation and the sampler.
        unbiased: reweight each drawn sample's loss by ``1 / (N p_i)``
            (``"nis"``, ``"is-probabilistic"``); default: the thesis's biased scheme.
        uniform_mix: share of uniform draws mixed into ``"is-probabilistic"``
            (bounds unbiased weights by ``1 / uniform_mix``); default 0.

    Example:
        >>> (train, val) = is_keras.data.load_digits()
        >>> res = run_training(train, val, method="is-probabilistic", epochs=2, batch_size=64)
        >>> res.samples.shape == res.one_minus_auc.shape
        True
    """
    x_train, y_train = train
    x_val, y_val = val
    y_train = check_labels(y_train, "y_train")
    y_val = check_labels(y_val, "y_val")
    if len(x_val) != len(y_val):
        raise ValueError(f"x_val has {len(x_val)} samples but y_val has {len(y_val)}")
    num_classes = int(max(y_train.max(), y_val.max())) + 1
    model_kwargs = dict(model_kwargs or {})
    generator = ImportanceBatchGenerator(
        x_train, y_train, batch_size=batch_size, method=method, exponent=exponent,
        subset_fraction=subset_fraction, subset_size=subset_size, seed=seed, unbiased=unbiased,
        uniform_mix=uniform_mix,
    )
    network = build_classifier(model, tuple(x_train.shape[1:]), num_classes, seed=seed, **model_kwargs)
    trainer = ImportanceTrainer(network, generator, learning_rate=learning_rate)
    auc = OneMinusAUC(x_val, y_val, every_n_batches=eval_every)
    trainer.fit(epochs=epochs, callbacks=[auc] + list(callbacks or []), verbose=verbose)
    config = {
        "model": model, "model_kwargs": model_kwargs, "parameters": int(_trainable(network)),
        "method": method, "exponent": exponent, "subset_fraction": subset_fraction,
        "subset_size": subset_size, "unbiased": bool(unbiased), "uniform_mix": float(uniform_mix),
        "epochs": epochs, "batch_size": batch_size,
        "eval_every": eval_every, "seed": seed, "learning_rate": learning_rate,
        "num_train": int(len(x_train)), "num_val": int(len(x_val)), "num_classes": num_classes,
    }
    return RunResult(
        samples=np.asarray(auc.samples, dtype=np.int64),
        seconds=np.asarray(auc.seconds, dtype=np.float64),
        one_minus_auc=np.asarray(auc.one_minus_auc, dtype=np.float64),
        config=config,
        environment=environment_info(),
        final_loss_table=np.array(generator.loss_table),
    )


def _trainable(model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)
