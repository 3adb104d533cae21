"""Loss table, samplers, the method registry and the importance batch generator.

Example:
    >>> METHODS[:4]   # the thesis's methods (new ones are registered after them)
    ('nis', 'is-probabilistic', 'is-randomsubset', 'is-highsubset')
"""

from is_keras.sampling.config import SamplerConfig, make_sampler
from is_keras.sampling.first_pass import FirstPass
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.max_tree import MaxTree
from is_keras.sampling.methods import METHOD_SPECS, METHODS, MethodSpec, get_method_spec, register_method
from is_keras.sampling.probabilistic import ProbabilisticSampler, WeightOverflowError
from is_keras.sampling.random_subset import HighSubsetSampler, RandomSubsetSampler, smallest_of_random_subset
from is_keras.sampling.sampler import Sampler
from is_keras.sampling.sum_tree import SumTree
from is_keras.sampling.uniform import UniformSampler


def __getattr__(name):
    """``InGraphSampler`` is imported on first use: it needs TensorFlow, the rest of this package does not."""
    if name == "InGraphSampler":
        from is_keras.sampling.in_graph_sampler import InGraphSampler

        return InGraphSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["METHODS", "METHOD_SPECS", "FirstPass", "HighSubsetSampler", "ImportanceBatchGenerator", "InGraphSampler",
           "MaxTree", "MethodSpec", "ProbabilisticSampler", "RandomSubsetSampler", "Sampler", "SamplerConfig",
           "SumTree", "UniformSampler", "WeightOverflowError", "get_method_spec", "make_sampler", "register_method",
           "smallest_of_random_subset"]
