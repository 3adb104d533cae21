"""``method="auto"``: an alias of :data:`AUTO_CONFIG` (the adaptive method), keeping the name ``"auto"``.

Example:
    >>> from is_keras.sampling.config import SamplerConfig
    >>> config = SamplerConfig(method="auto")
    >>> config.method, config.resolved == SamplerConfig.from_dict(AUTO_CONFIG), type(config.build_sampler()).__name__
    ('auto', True, 'AdaptiveSampler')
"""

#: What ``"auto"`` runs: the setting of ``benchmarks/results/time_to_accuracy_fashion-mnist.md``.
AUTO_CONFIG: dict = {"method": "adaptive", "selectivity": 2.0, "uniform_mix": 0.2}
