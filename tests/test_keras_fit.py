"""Importance sampling through plain Keras fit (ImportanceSamplingModel)."""

import keras
import numpy as np
import pytest

from is_keras import ImportanceBatchGenerator, OneMinusAUC
from is_keras.data import load_digits
from is_keras.models import crapnet
from is_keras.training import ImportanceSamplingModel


def test_keras_fit_updates_the_table_every_step_and_learns():
    (x, y), (xv, yv) = load_digits()
    keras.utils.set_random_seed(0)
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="is-probabilistic", seed=0)
    wrapped = ImportanceSamplingModel(crapnet(x.shape[1:], 10, width=8), gen)
    wrapped.compile(optimizer="adam", metrics=["accuracy"])
    auc = OneMinusAUC(xv, yv, every_n_batches=11)
    history = wrapped.fit(gen.as_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=6, shuffle=False,
                          validation_data=(xv, yv), callbacks=[auc], verbose=0)
    steps = 6 * gen.steps_per_epoch
    assert gen.num_updates == steps
    assert int(wrapped.samples_seen.numpy()) == steps * 64
    assert np.all(np.isfinite(gen.loss_table))  # first pass complete: every sample has a loss
    assert auc.samples == [64 * 11 * (i + 1) for i in range(len(auc.samples))]
    assert max(auc.one_minus_auc[-3:]) < auc.one_minus_auc[0] / 1.5
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["accuracy"][-1] > 0.8
    assert "val_loss" in history.history


def test_keras_fit_refuses_batches_without_indices():
    (x, y), _ = load_digits()
    gen = ImportanceBatchGenerator(x, y, batch_size=64)
    wrapped = ImportanceSamplingModel(crapnet(x.shape[1:], 10, width=4), gen)
    wrapped.compile()
    with pytest.raises(ValueError, match="expects \\(x, y, indices\\) or"):
        wrapped.fit(x, y, epochs=1, verbose=0)
