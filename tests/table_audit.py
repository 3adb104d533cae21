"""A test helper: audits, step by step, that the loss table holds exactly the losses of the trained samples.

Used by the trainer's and the Keras-fit wrapper's learning tests (tests/test_sampler_guard.py). The model
must have no dropout or batch normalisation, so that an inference forward pass before the step gives the
losses the training forward pass computes.
"""

from __future__ import annotations

import keras
import numpy as np


def mlp(input_shape, num_classes, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])


class TableAudit(keras.callbacks.Callback):
    """Checks every step: the table changed only at the step's indices, to the losses of those samples.

    Call :meth:`install` before training (it wraps ``generator.next_batch`` to see the draws) and
    :meth:`verify` after it.
    """

    def __init__(self, generator, net, x, y):
        super().__init__()
        self.generator = generator
        self.net = net  # the inner model (the wrapper's `wrapped`)
        self.x, self.y = x, y
        self.drawn = []
        self.steps = 0
        self.gains = []  # after the first pass: (drawn mean, uniform mean, mean expected under p ∝ table)
        self.trained_in_first_pass = set()

    def install(self):
        real = self.generator.next_batch

        def spy():
            batch = real()
            self.drawn.append(np.array(batch[0]))
            return batch

        self.generator.next_batch = spy
        return self

    def _losses(self):
        p = np.asarray(self.net(self.x, training=False), dtype=np.float64)
        return -np.log(np.clip(p[np.arange(len(self.y)), self.y], 1e-7, 1 - 1e-7))  # as keras clips

    def on_train_batch_begin(self, batch, logs=None):
        self.before = np.array(self.generator.loss_table)
        self.reference = self._losses()

    def on_train_batch_end(self, batch, logs=None):
        after = np.array(self.generator.loss_table)
        idx = self.drawn[self.steps]
        self.steps += 1
        changed = np.flatnonzero(after != self.before)
        outside = np.setdiff1d(changed, idx)
        assert outside.size == 0, f"step {self.steps}: table written at {outside[:5]}, not in the batch"
        np.testing.assert_allclose(after[idx], self.reference[idx], rtol=2e-4, atol=1e-5,
                                   err_msg=f"step {self.steps}: table != losses of the trained samples")
        finite = np.isfinite(self.before)
        if finite.all():
            b = self.before
            self.gains.append((b[idx].mean(), b.mean(), np.sum(b**2) / np.sum(b)))
        else:
            self.trained_in_first_pass.update(idx.tolist())

    def verify(self, *, proportional=False):
        n = self.generator.num_samples
        assert self.steps > 0
        assert len(self.trained_in_first_pass) == n, (
            f"the first pass trained {len(self.trained_in_first_pass)} of {n} samples")
        distinct = {tuple(np.sort(i)) for i in self.drawn[: self.steps]}
        assert len(distinct) == self.steps, "some batches were drawn more than once"
        if proportional:  # draws with p ∝ table: the drawn mean moves from the uniform mean to sum L² / sum L
            assert len(self.gains) >= 10, "too few steps after the first pass"
            drawn, uniform, expected = np.array(self.gains).T
            gain = float(np.mean(drawn - uniform) / np.mean(expected - uniform))
            assert 0.7 < gain < 1.3, f"draws moved {gain:.2f} of the way to p ∝ table (1 expected): table ignored"
