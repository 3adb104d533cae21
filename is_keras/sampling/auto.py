"""``method="auto"``: an alias of the adaptive method, which decides while it trains whether selection pays.

:mod:`is_keras.sampling.methods` registers ``"auto"`` as an alias of :data:`AUTO_CONFIG`:
``SamplerConfig(method="auto")`` keeps the name ``"auto"`` (labels, run IDs) and builds ``AUTO_CONFIG``'s sampler:
uniform batches until the table's loss concentration says selection pays, then rank-based selection
(:mod:`is_keras.sampling.adaptive`), with ``sampling_active`` in the fit logs.

Example:
    >>> from is_keras.sampling.config import SamplerConfig
    >>> config = SamplerConfig(method="auto")
    >>> config.method, config.resolved == SamplerConfig.from_dict(AUTO_CONFIG), type(config.build_sampler()).__name__
    ('auto', True, 'AdaptiveSampler')
"""

#: What ``"auto"`` runs (SamplerConfig fields): β = 2 and a fifth of uniform draws, the setting of the Fashion-MNIST
#: time-to-accuracy benchmark (``benchmarks/results/time_to_accuracy_fashion-mnist.md``).
AUTO_CONFIG: dict = {"method": "adaptive", "selectivity": 2.0, "uniform_mix": 0.2}
