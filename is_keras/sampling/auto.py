"""``method="auto"``: an alias of :data:`AUTO_CONFIG` (the adaptive method), keeping the name ``"auto"``.

Example:
    >>> from is_keras.sampling.config import SamplerConfig
    >>> config = SamplerConfig(method="auto")
    >>> config.method, config.resolved == SamplerConfig.from_dict(AUTO_CONFIG), type(config.build_sampler()).__name__
    ('auto', True, 'AdaptiveSampler')
"""

#: What ``"auto"`` runs (``benchmarks/results/time_to_accuracy_*_auto-rule.*``): selection only if the loss table's
#: concentration is 2 or more at the end of the first pass (it kept digits and synthetic signs uniform), then the
#: rank rule at β = 3 (β = 5 chose a 4-epoch budget on validation that missed uniform's best on the test set).
AUTO_CONFIG: dict = {"method": "adaptive", "selectivity": 3.0, "uniform_mix": 0.2, "switch_on_at": 2.0,
                     "switch_on_within": 0.0}
