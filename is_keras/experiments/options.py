"""Flat keyword options (``method=``, ``epochs=``, ...) folded into a sampler config and a training config."""

from __future__ import annotations

import dataclasses

from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig


def apply_options(sampler_config: SamplerConfig, training_config: TrainingConfig, options: dict,
                  *, extra=()) -> tuple[SamplerConfig, TrainingConfig, dict]:
    """Replace fields of the two configs by the same-named entries of ``options``.

    Args:
        sampler_config, training_config: the base configs.
        options: ``{field name: value}`` of either config, or of ``extra``.
        extra: further accepted names, returned untouched.
    Returns: ``(sampler_config, training_config, the options named in extra)``; both configs validated.
    Raises: ValueError: for a name no config has (the message lists the accepted ones) or a bad value.
    Example:
        >>> s, t, rest = apply_options(SamplerConfig(), TrainingConfig(), {"method": "nis", "epochs": 2})
        >>> s.method, t.epochs, rest
        ('nis', 2, {})
    """
    sampler_fields = {f.name for f in dataclasses.fields(SamplerConfig)}
    training_fields = {f.name for f in dataclasses.fields(TrainingConfig)}
    unknown = sorted(set(options) - sampler_fields - training_fields - set(extra))
    if unknown:
        known = sorted(sampler_fields | training_fields | set(extra))
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; known options: {', '.join(known)}")
    sampler_changes = {k: v for k, v in options.items() if k in sampler_fields}
    training_changes = {k: v for k, v in options.items() if k in training_fields and k not in sampler_fields}
    if sampler_changes:
        sampler_config = SamplerConfig.from_dict({**sampler_config.to_dict(), **sampler_changes})
    if training_changes:
        training_config = dataclasses.replace(training_config, **training_changes)
    return sampler_config, training_config, {k: v for k, v in options.items() if k in set(extra)}
