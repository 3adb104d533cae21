"""Loss table, samplers and the importance batch generator.

Example:
    >>> from is_keras.sampling import ImportanceBatchGenerator, METHODS
    >>> METHODS
    ('nis', 'is-probabilistic', 'is-randomsubset', 'is-highsubset')
"""

from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.high_subset import HighSubsetSampler
from is_keras.sampling.max_tree import MaxTree
from is_keras.sampling.probabilistic import ProbabilisticSampler
from is_keras.sampling.random_subset import RandomSubsetSampler, smallest_of_random_subset
from is_keras.sampling.registry import METHODS, make_sampler
from is_keras.sampling.sampler import Sampler
from is_keras.sampling.sum_tree import SumTree
from is_keras.sampling.uniform import UniformSampler

__all__ = [
    "METHODS",
    "HighSubsetSampler",
    "ImportanceBatchGenerator",
    "MaxTree",
    "ProbabilisticSampler",
    "RandomSubsetSampler",
    "Sampler",
    "SumTree",
    "UniformSampler",
    "make_sampler",
    "smallest_of_random_subset",
]
