"""The generator's tf.data face: shapes, contents, and staleness of at most one step."""

import numpy as np
import pytest

from is_keras import ImportanceBatchGenerator


def _data(n=40):
    x = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1) * np.ones((1, 2, 2, 1), np.float32)
    y = np.arange(n) % 4
    return x, y


def test_dataset_yields_batches_that_match_their_indices():
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=8, method="is-probabilistic", seed=0)
    for x_batch, y_batch, idx in gen.as_dataset().take(12):
        idx = idx.numpy()
        assert x_batch.shape == (8, 2, 2, 1) and y_batch.shape == (8,)
        np.testing.assert_array_equal(x_batch.numpy()[:, 0, 0, 0], idx.astype(np.float32))
        np.testing.assert_array_equal(y_batch.numpy(), idx % 4)
        gen.update(idx, 1.0 + (idx % 3))


@pytest.mark.parametrize("prefetch, max_stale", [(0, 0), (1, 1)])
def test_batches_are_drawn_from_a_table_at_most_one_step_stale(prefetch, max_stale):
    x, y = _data()
    gen = ImportanceBatchGenerator(x, y, batch_size=8, seed=0)
    versions = []
    real_next = gen.next_indices

    def recording_next():
        versions.append(gen.num_updates)
        return real_next()

    gen.next_indices = recording_next
    for step, (_, _, idx) in enumerate(gen.as_dataset(prefetch=prefetch).take(15)):
        # batch `step` is consumed after `step` updates; it was drawn after versions[step] of them
        assert step - versions[step] <= max_stale
        gen.update(idx.numpy(), np.ones(8))
