"""In-step batch selection from C candidates: Selective-Backprop and the variance-reduction switch.

Pure TF ops (XLA-compilable); randomness stateless from ``(seed, step)``, so a restored state repeats the draws
(compiled the same way: XLA's stateless kernels draw other numbers than TensorFlow's own).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from is_keras.sampling.config import candidate_count
from is_keras.sampling.validation import check_batch_size

#: EMA momentum of the variance-reduction estimate (Katharopoulos & Fleuret 2018).
VR_MOMENTUM = 0.9

_TINY = float(np.finfo(np.float32).tiny)


def variance_reduction_estimate(scores) -> tf.Tensor:
    """The paper's estimate ``1 / sqrt(1 - Σ(g - u)² / Σ g²)``, ``g = scores / Σ scores``, ``u = 1 / n``; zeros: 1.

    Example:
        >>> [round(float(variance_reduction_estimate(tf.constant(s))), 4) for s in ([1.0, 1.0], [1.0, 0.0])]
        [1.0, 1.4142]
    """
    scores = tf.maximum(tf.cast(tf.reshape(scores, [-1]), tf.float32), 0.0)
    uniform = 1.0 / tf.cast(tf.size(scores), tf.float32)
    total = tf.reduce_sum(scores)
    g = tf.where(total > 0, scores / tf.where(total > 0, total, 1.0), tf.fill(tf.shape(scores), uniform))
    ratio = tf.reduce_sum(tf.square(g - uniform)) / tf.reduce_sum(tf.square(g))
    return 1.0 / tf.sqrt(tf.maximum(1.0 - ratio, _TINY))


class CandidateSelector(tf.Module):
    """Chooses the B samples to backpropagate among C candidates, from their fresh scores.

    * ``"selective-backprop"`` (Jiang et al. 2019): B distinct positions drawn with probability
      ∝ ``percentile_i ** selectivity`` (Gumbel-top-B), weights 1 (biased, as in the paper).
    * ``"vr-switch"`` (Katharopoulos & Fleuret 2018): B positions with replacement, ``p_i = score_i / Σ score``,
      weights ``1 / (C p_i)``, only while τ (an EMA, momentum 0.9 from 0, of :func:`variance_reduction_estimate`)
      exceeds ``vr_threshold`` (default ``(C + 3B) / (3B)``); else :meth:`uniform_selection`.

    Call :meth:`observe` once after each successful step only (a failed step's retry then selects the same).

    Args:
        batch_size, sampler_config: B; a :class:`~is_keras.sampling.config.SamplerConfig` of a candidate method.
        seed: seeds every draw (with the step counter).
        num_candidates: C (default ``ceil(candidate_factor * B)``; pass the generator's ``candidates_per_step``).
    Raises: ValueError: for a method that does not select candidates, B < 1 or C < B.
    Example:
        >>> from is_keras.sampling.config import SamplerConfig
        >>> selector = CandidateSelector(batch_size=2, sampler_config=SamplerConfig(
        ...     method="selective-backprop", candidate_factor=4), seed=0)
        >>> positions, weights = selector.select(tf.range(8, dtype=tf.float32))
        >>> positions.shape.as_list(), weights.numpy().tolist()
        ([2], [1.0, 1.0])
        >>> selector.observe(tf.zeros(8)); int(selector.step.numpy())
        1
    """

    def __init__(self, *, batch_size: int, sampler_config, seed: int = 0, num_candidates: int | None = None):
        super().__init__(name="candidate_selector")
        if not getattr(sampler_config.spec, "selects_candidates", False):
            raise ValueError(f"method {sampler_config.method!r} does not select from candidates; "
                             "CandidateSelector is for 'selective-backprop' and 'vr-switch'")
        self.batch_size = check_batch_size(batch_size)
        self.method = sampler_config.method
        if num_candidates is None:
            num_candidates = candidate_count(self.batch_size, sampler_config.candidate_factor)
        if int(num_candidates) != num_candidates or num_candidates < self.batch_size:
            raise ValueError(f"num_candidates must be an integer >= batch_size ({self.batch_size}), "
                             f"got {num_candidates!r}")
        self.num_candidates = int(num_candidates)
        self.selectivity = float(sampler_config.selectivity)
        threshold = sampler_config.vr_threshold
        if threshold is None:
            threshold = (self.num_candidates + 3 * self.batch_size) / (3 * self.batch_size)
        self.vr_threshold = float(threshold)
        self.score_smoothing = float(sampler_config.score_smoothing)
        #: True for vr-switch: the candidate forward happens only while τ > threshold.
        self.switches = self.method == "vr-switch"
        self.seed = tf.Variable(int(seed) % 2**63, dtype=tf.int64, trainable=False, name="seed")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.tau = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="tau")

    def wants_candidate_scores(self) -> tf.Tensor:
        """A bool scalar: score the candidates this step (selective-backprop: always; vr-switch: τ > threshold)."""
        if not self.switches:
            return tf.constant(True)
        return self.tau > self.vr_threshold

    def priorities(self, scores) -> tf.Tensor:
        """The unnormalized selection weights of the C candidates: selective-backprop ``percentile ** selectivity``;
        vr-switch the scores (negative ones as 0) plus ``score_smoothing`` times their mean (all 0 or not finite: 1).

        Example:
            >>> from is_keras.sampling.config import SamplerConfig
            >>> sb = CandidateSelector(batch_size=1, sampler_config=SamplerConfig(
            ...     method="selective-backprop", candidate_factor=4, selectivity=1))
            >>> sb.priorities(tf.constant([0.5, 3.0, 0.5, 1.0])).numpy().tolist()
            [0.5, 1.0, 0.5, 0.75]
        """
        scores = self._clean(scores)
        if self.switches:
            scores = tf.maximum(scores, 0.0)
            scores = scores + self.score_smoothing * tf.reduce_mean(scores)
            total = tf.reduce_sum(scores)
            usable = tf.logical_and(total > 0, tf.math.is_finite(total))
            return tf.where(usable, scores, tf.ones_like(scores))
        ranks = tf.searchsorted(tf.sort(scores), scores, side="right")  # candidates with a score <= score_i
        percentile = tf.cast(ranks, tf.float32) / float(self.num_candidates)
        return tf.pow(percentile, self.selectivity)

    def select(self, scores) -> tuple[tf.Tensor, tf.Tensor]:
        """The B positions (into the C candidates) to train on and their loss weights.

        Args:
            scores: the C candidates' fresh scores, float (C,).
        Returns: ``(positions int32 (B,), weights float32 (B,))``.
        """
        priorities = self.priorities(scores)
        seed = tf.stack([self.seed, self.step])
        count = self.num_candidates
        if not self.switches:
            uniform = tf.random.stateless_uniform([count], seed=seed, minval=_TINY, maxval=1.0, alg="philox")
            keys = tf.math.log(priorities) - tf.math.log(-tf.math.log(uniform))  # log w + Gumbel
            positions = tf.math.top_k(keys, k=self.batch_size, sorted=False).indices
            return tf.cast(positions, tf.int32), tf.ones([self.batch_size], tf.float32)
        probabilities = priorities / tf.reduce_sum(priorities)
        cumulative = tf.cumsum(priorities)
        uniform = tf.random.stateless_uniform([self.batch_size], seed=seed, minval=0.0, maxval=1.0, alg="philox")
        positions = tf.searchsorted(cumulative, uniform * cumulative[-1], side="right")
        positions = tf.minimum(tf.cast(positions, tf.int32), count - 1)
        weights = 1.0 / (float(count) * tf.gather(probabilities, positions))
        return positions, weights

    def uniform_selection(self) -> tuple[tf.Tensor, tf.Tensor]:
        """The first B candidates (a uniform batch) with weights 1: vr-switch's step while τ <= threshold."""
        return tf.range(self.batch_size, dtype=tf.int32), tf.ones([self.batch_size], tf.float32)

    def observe(self, scores) -> None:
        """After a successful step: update τ from ``scores`` (vr-switch) and advance the random stream.

        Args:
            scores: the candidates' scores when they were computed this step, else the trained batch's.
        """
        if self.switches:
            estimate = variance_reduction_estimate(self._clean(scores))
            self.tau.assign(VR_MOMENTUM * self.tau + (1.0 - VR_MOMENTUM) * estimate)
        self.step.assign_add(1)

    @staticmethod
    def _clean(scores) -> tf.Tensor:
        scores = tf.cast(tf.reshape(scores, [-1]), tf.float32)
        return tf.where(tf.math.is_nan(scores), tf.constant(np.inf, tf.float32), scores)

    def get_state(self) -> dict:
        """The selector's position as plain values: method, B, C, seed, step, τ.

        Example:
            >>> from is_keras.sampling.config import SamplerConfig
            >>> config = SamplerConfig(method="vr-switch", candidate_factor=2)
            >>> state = CandidateSelector(batch_size=4, sampler_config=config, seed=3).get_state()
            >>> twin = CandidateSelector(batch_size=4, sampler_config=config)
            >>> twin.set_state(state); twin.get_state() == state
            True
        """
        return {"method": self.method, "batch_size": self.batch_size, "num_candidates": self.num_candidates,
                "seed": int(self.seed.numpy()), "step": int(self.step.numpy()), "tau": float(self.tau.numpy())}

    def check_state(self, state) -> None:
        """Raise ``ValueError`` if :meth:`set_state` would refuse ``state`` (nothing changes)."""
        if not isinstance(state, dict):
            raise ValueError(f"a candidate selector state must be a dict, got {type(state).__name__}")
        for key in ("method", "batch_size", "num_candidates", "seed", "step", "tau"):
            if key not in state:
                raise ValueError(f"corrupt candidate selector state: missing {key!r}")
        for key in ("method", "batch_size", "num_candidates"):
            if state[key] != getattr(self, key):
                raise ValueError(f"the candidate selector state was saved with {key}={state[key]!r}; "
                                 f"this selector has {getattr(self, key)!r}")
        if int(state["step"]) < 0 or not math.isfinite(float(state["tau"])):
            raise ValueError("corrupt candidate selector state: negative step or non-finite tau")

    def set_state(self, state: dict) -> None:
        """Continue from :meth:`get_state`'s dict.

        Raises: ValueError: for a state of another method, B or C, or a corrupt one (nothing changes).
        """
        self.check_state(state)
        self.seed.assign(int(state["seed"]))
        self.step.assign(int(state["step"]))
        self.tau.assign(float(state["tau"]))
