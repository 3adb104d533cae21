"""The training step of the candidate methods: score C candidates, select B, train on them (pure TF)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def candidate_step(trainer, x, y, weights):
    """Score the C candidates ``x`` (when the selector wants it), select B, train on them; runs inside tf.function.

    The candidates are forwarded with ``training=False`` and scored by the trainer's loss
    (or its ``table_score``); ``trainer.selector`` picks B positions and their weights;
    the B are trained (``training=True``) with ``Σ w_i l_i / B``. The update, and
    ``selector.observe`` (τ, the random stream), happen only when the trained losses and
    the candidate scores are all finite.

    Args:
        trainer: the :class:`~is_keras.training.trainer.ImportanceTrainer` (with a ``selector``).
        x, y: the C candidates' inputs and targets.
        weights: the generator's weights (all 1 for candidates); not used, the selector weights the B.

    Returns:
        ``(scored, candidate scores (C,), positions (B,), trained losses (B,), trained scores (B,))``;
        candidate scores are zeros when ``scored`` is False.
    """
    del weights
    selector = trainer.selector

    def score(candidates_x, candidates_y):
        y_pred = trainer.model(candidates_x, training=False)
        losses = tf.cast(trainer.loss(candidates_y, y_pred), tf.float32)
        return losses if trainer.table_score is None else trainer.table_score(candidates_y, y_pred, losses)

    did_score, candidate_scores, positions, selected_weights, candidates_finite = select_from_candidates(
        selector, x, y, score=score)

    def observe(per_sample, scores):
        if selector.switches:
            tf.cond(did_score, lambda: selector.observe(candidate_scores), lambda: selector.observe(scores))
        else:
            selector.observe(candidate_scores)

    per_sample, scores = trainer._forward(tf.gather(x, positions), tf.gather(y, positions), selected_weights,
                                          float(selector.batch_size), also_finite=candidates_finite,
                                          on_success=observe)
    return did_score, candidate_scores, positions, per_sample, scores


def select_from_candidates(selector, x, y, *, score):
    """Score the C candidates when the selector wants it, and pick the B to train (pure TF, inside tf.function).

    Args:
        selector: the :class:`~is_keras.training.candidate_selection.CandidateSelector`.
        x, y: the C candidates' inputs and targets.
        score: ``score(x, y) -> (C,)`` fresh scores from a forward pass (``training=False``).

    Returns:
        ``(scored, candidate scores (C,), positions (B,), weights (B,), candidate scores finite)``;
        without a candidate forward (vr-switch below its threshold) the scores are zeros, the
        positions the first B candidates and the weights 1.

    Example:
        >>> from is_keras.sampling.config import SamplerConfig
        >>> from is_keras.training.candidate_selection import CandidateSelector
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


def candidate_results(indices, outputs):
    """The host's view of one :func:`candidate_step`: what to write into the table.

    Args:
        indices: the C candidate indices (numpy).
        outputs: the step's tensors.

    Returns:
        ``(trained losses, table indices, table scores, all finite, trained indices)``: with scored
        candidates, the table gets all C fresh scores with the trained positions overwritten by the
        trained scores; otherwise only the B trained samples' scores.

    Example:
        >>> outputs = [tf.constant(True), tf.constant([0.5, 2.0, 1.0]), tf.constant([1]),
        ...            tf.constant([1.9]), tf.constant([1.9])]
        >>> _, table_indices, table_scores, finite, trained = candidate_results(np.array([7, 3, 5]), outputs)
        >>> table_indices.tolist(), table_scores.tolist(), finite, trained.tolist()
        ([7, 3, 5], [0.5, 1.899999976158142, 1.0], True, [3])
    """
    did_score, candidate_scores, positions, per_sample, scores = (np.asarray(value) for value in outputs)
    finite = bool(np.all(np.isfinite(per_sample)) and (not did_score or np.all(np.isfinite(candidate_scores))))
    trained = indices[positions]
    if not did_score:
        return per_sample, trained, scores, finite, trained
    table_scores = candidate_scores.astype(np.float64)
    table_scores[positions] = scores
    return per_sample, indices, table_scores, finite, trained
