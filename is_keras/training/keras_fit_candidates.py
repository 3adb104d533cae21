"""The ``fit`` wrapper's step for the candidate methods (``selective-backprop``, ``vr-switch``).

The batch holds C candidates; the step forwards them (``training=False``; vr-switch only
while its selector wants scores), the :class:`~is_keras.training.candidate_selection.CandidateSelector`
picks B of them and their weights, the step trains on those B, and the table gets the C
fresh candidate scores with the trained samples' losses written over them (only the B
trained losses when the candidates were not scored).
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

from is_keras.training.candidate_step import select_from_candidates
from is_keras.training.keras_fit_data import seed_of


def make_selector(generator):
    """The :class:`CandidateSelector` of a candidate method (kept in the generator's state), else None.

    Args:
        generator: the generator; its selector is attached to it so that its state is saved with it.

    Returns:
        A ``CandidateSelector`` or ``None``.

    Example:
        >>> import numpy as np
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> x, y = np.zeros((16, 2), "float32"), np.arange(16) % 2
        >>> make_selector(ImportanceBatchGenerator(x, y, batch_size=4, method="nis")) is None
        True
        >>> gen = ImportanceBatchGenerator(x, y, batch_size=4, method="selective-backprop", seed=0)
        >>> make_selector(gen).batch_size
        4
    """
    if not getattr(generator, "selects_candidates", False):
        return None
    from is_keras.training.candidate_selection import CandidateSelector

    selector = CandidateSelector(batch_size=generator.batch_size, sampler_config=generator.sampler_config,
                                 seed=seed_of(generator), num_candidates=generator.candidates_per_step)
    generator.attach_selector(selector)
    return selector


def candidate_train_step(wrapped, x, y, indices) -> dict:
    """Score the C candidates, select B with ``wrapped.selector``, train on them; runs inside the train step.

    Args:
        wrapped: the :class:`~is_keras.training.keras_fit.ImportanceSamplingModel`.
        x, y: the C candidates' inputs and targets.
        indices: their dataset indices (C,).

    Returns:
        The step's logs (as ``ImportanceSamplingModel.train_step``).
    """
    selector = wrapped.selector
    did_score, candidate_scores, positions, weights, candidates_finite = select_from_candidates(
        selector, x, y, score=lambda candidates_x, candidates_y: wrapped.per_sample_loss(
            candidates_y, wrapped(candidates_x, training=False)))
    trained_x, trained_y = tf.gather(x, positions), tf.gather(y, positions)
    table = wrapped.candidate_table

    def on_success(per_sample):
        if selector.switches:
            tf.cond(did_score, lambda: _observed(selector, candidate_scores),
                    lambda: _observed(selector, per_sample))
        else:
            selector.observe(candidate_scores)

    def in_graph_write(per_sample, finite):
        # one unconditional write of the C candidates (no tf.cond: under XLA a cond that writes the table copies
        # it every step): their fresh scores if scored, else their table entries, with the trained losses over
        # them (a sample repeated among the trained, as vr-switch draws with replacement, has one loss);
        # nothing changes unless the step is finite
        indices64 = tf.cast(indices, tf.int64)
        current = tf.gather(table, indices64)
        values = tf.tensor_scatter_nd_update(tf.where(did_score, candidate_scores, current), positions[:, None],
                                             per_sample)
        table.scatter_update(tf.IndexedSlices(tf.where(finite, values, current), indices64))

    def host_write(per_sample, finite):
        return tf.numpy_function(functools.partial(update_candidate_table, wrapped),
                                 [indices, did_score, candidate_scores, positions, per_sample, finite],
                                 tf.int64, stateful=True)

    in_graph = table is not None
    loss, per_sample, y_pred, done = wrapped._guarded_update(
        trained_x, trained_y, weights, on_success, also_finite=candidates_finite,
        host_write=None if in_graph else host_write, guarded_write=in_graph_write if in_graph else None)
    return wrapped._step_logs(trained_x, trained_y, y_pred, weights, loss, done)


def update_candidate_table(wrapped, indices, did_score, candidate_scores, positions, losses, done):
    """Host backend: write a candidate step's scores into the generator's table (numpy, in ``tf.numpy_function``).

    Args:
        wrapped: the ``ImportanceSamplingModel``.
        indices: the C candidates' indices.
        did_score: whether the candidates were scored.
        candidate_scores: their fresh scores (C,).
        positions: the positions (in the C) of the B trained samples.
        losses: the B trained losses.
        done: whether the step's losses were all finite.

    Returns:
        The number of trained samples (``np.int64``).

    Raises:
        FloatingPointError: the step was not finite (nothing is written).
    """
    if not done:
        return wrapped._update_table(indices, losses, done)  # raises
    wrapped.last_trained_indices = np.array(indices[positions])
    if did_score:
        table_scores = candidate_scores.astype(np.float64)
        table_scores[positions] = losses
        wrapped.generator.update(indices, table_scores)
    else:
        wrapped.generator.update(indices[positions], losses)
    return np.int64(positions.size)


def _observed(selector, scores):
    selector.observe(scores)
    return tf.constant(0)
