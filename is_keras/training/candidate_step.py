"""The candidate methods' selection stage in front of the one :class:`TrainStep`: score C, select B, train them."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from is_keras.training.candidate_selection import CandidateSelector
from is_keras.training.keras_fit_data import seed_of


def make_selector(generator):
    """The :class:`CandidateSelector` of a candidate method (attached to the generator, which saves its state).

    Args:
        generator: the generator (its seed, or a fresh one when it has none, seeds the selector).
    Returns: A ``CandidateSelector``, or ``None`` when the method does not select from candidates.
    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> x, y = np.zeros((16, 2), "float32"), np.arange(16) % 2
        >>> make_selector(ImportanceBatchGenerator(x, y, batch_size=4, method="nis")) is None
        True
        >>> make_selector(ImportanceBatchGenerator(x, y, batch_size=4, method="selective-backprop", seed=0)).batch_size
        4
    """
    if not getattr(generator, "selects_candidates", False):
        return None
    selector = CandidateSelector(batch_size=generator.batch_size, sampler_config=generator.sampler_config,
                                 seed=seed_of(generator), num_candidates=generator.candidates_per_step)
    generator.attach_selector(selector)
    return selector


def train_on_candidates(step, selector, x, y, *, write=None, on_success=None, on_skip=None):
    """Score the C candidates ``x`` (when the selector wants it), select B, train them with ``step``.

    The candidates are scored by ``step.score`` (``training=False``); ``step`` trains the B picked with
    ``Σ w_i l_i / B``. The update and ``selector.observe`` happen only when all losses and scores are finite.

    Args:
        step, selector: the :class:`~is_keras.training.train_step.TrainStep`; the :class:`CandidateSelector`.
        x, y: the C candidates' inputs and targets.
        write: ``write(did_score, candidate_scores, positions, scores, finite)``, the table write (as ``step``'s).
        on_success, on_skip: as ``step``'s.
    Returns: ``(did_score, candidate scores (C,) or zeros, positions (B,), weights (B,), step outputs)``.
    """
    did_score, candidate_scores, positions, weights, candidates_finite = select_from_candidates(
        selector, x, y, score=lambda cx, cy: step.score(cx, cy))

    def observe(per_sample, scores):
        if selector.switches:
            tf.cond(did_score, lambda: _observed(selector, candidate_scores), lambda: _observed(selector, scores))
        else:
            selector.observe(candidate_scores)
        if on_success is not None:
            on_success(per_sample, scores)

    def table_write(per_sample, scores, finite):
        return write(did_score, candidate_scores, positions, scores, finite)

    outputs = step(tf.gather(x, positions), tf.gather(y, positions), weights, global_batch=float(selector.batch_size),
                   also_finite=candidates_finite, write=None if write is None else table_write, on_success=observe,
                   on_skip=on_skip)
    return did_score, candidate_scores, positions, weights, outputs


def _observed(selector, scores):
    selector.observe(scores)
    return tf.constant(0)


def select_from_candidates(selector, x, y, *, score):
    """Score the C candidates when the selector wants it, and pick the B to train (pure TF, inside tf.function).

    Args:
        selector, x, y: the :class:`CandidateSelector`; the C candidates' inputs and targets.
        score: ``score(x, y) -> (C,)`` fresh scores from a forward pass (``training=False``).
    Returns: ``(scored, candidate scores (C,), positions (B,), weights (B,), candidate scores finite)``; without
        a candidate forward (vr-switch below its threshold): zeros, the first B candidates and weights 1.
    Example:
        >>> from is_keras.sampling.config import SamplerConfig
        >>> selector = CandidateSelector(batch_size=2, sampler_config=SamplerConfig(method="selective-backprop",
        ...                              candidate_factor=2.0, selectivity=50.0), num_candidates=4)
        >>> out = select_from_candidates(selector, tf.zeros((4, 1)), tf.constant([0.0, 9.0, 0.1, 8.0]),
        ...                              score=lambda x, y: y)
        >>> sorted(out[2].numpy().tolist())   # the two highest scores, almost surely at selectivity 50
        [1, 3]
    """
    count = selector.num_candidates

    def scored():
        scores = tf.reshape(tf.cast(score(x, y), tf.float32), [count])
        positions, weights = selector.select(scores)
        return tf.constant(True), scores, positions, weights

    def unscored():
        positions, weights = selector.uniform_selection()
        return tf.constant(False), tf.zeros([count], tf.float32), positions, weights

    if selector.switches:
        did_score, scores, positions, weights = tf.cond(selector.wants_candidate_scores(), scored, unscored)
    else:
        did_score, scores, positions, weights = scored()
    finite = tf.logical_or(tf.logical_not(did_score), tf.reduce_all(tf.math.is_finite(scores)))
    return did_score, scores, positions, weights, finite


def candidate_table_write(indices, did_score, candidate_scores, positions, scores):
    """What a candidate step writes into a host table: ``(table indices, table scores)`` (numpy): all C fresh
    scores with the trained ones over them, or without scored candidates only the B trained.

    Example:
        >>> table_indices, table_scores = candidate_table_write(np.array([7, 3, 5]), True, np.array([0.5, 2.0, 1.0]),
        ...                                                     np.array([1]), np.array([1.9]))
        >>> table_indices.tolist(), table_scores.tolist()
        ([7, 3, 5], [0.5, 1.9, 1.0])
    """
    if not did_score:
        return indices[positions], scores
    table_scores = np.asarray(candidate_scores, np.float64).copy()
    table_scores[positions] = scores
    return indices, table_scores


def in_graph_candidate_write(table, indices, did_score, candidate_scores, positions, scores, finite):
    """The in-graph table write of a candidate step: one unconditional scatter of the C candidates.

    Their fresh scores if scored, else their table entries, with the trained scores over them (a sample
    repeated among the trained, as vr-switch draws with replacement, has one loss); nothing changes unless
    ``finite``. No ``tf.cond``: under XLA a cond that writes the table copies it every step.
    """
    indices64 = tf.cast(indices, tf.int64)
    current = tf.gather(table, indices64)
    values = tf.tensor_scatter_nd_update(tf.where(did_score, candidate_scores, current), positions[:, None], scores)
    table.scatter_update(tf.IndexedSlices(tf.where(finite, values, current), indices64))
