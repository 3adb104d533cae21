"""The learning tests of the trainer and of the Keras-fit wrapper fail when the sampler is broken.

Each run is audited step by step (tests/table_audit.py): the table must change only at the trained
indices, to exactly the losses of those samples; the first pass must train every sample; batches must
differ; after the first pass is-probabilistic must draw high-loss samples more often. The same audit is
run against deliberately broken samplers (monkeypatched) and must fail for each.
"""

import keras
import numpy as np
import pytest
from table_audit import TableAudit, mlp

from is_keras.callbacks import OneMinusAUC
from is_keras.data import load_digits
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceSamplingModel, ImportanceTrainer

EPOCHS = 3


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _break(gen, how):
    n = gen.num_samples
    if how == "same-batch":
        fixed = gen.next_batch()
        gen.next_batch = lambda: (fixed[0].copy(), fixed[1].copy())
    elif how == "ignores-table":
        gen.sampler.sample = lambda count, rng: rng.choice(n, size=count, replace=False)
        real = gen.next_batch

        def uniform_after_first_pass():
            if gen.in_first_pass:
                return real()
            idx = gen.sampler.sample(gen.batch_size, np.random.default_rng(gen.num_updates))
            return idx, np.ones(idx.size, np.float32)

        gen.next_batch = uniform_after_first_pass
    elif how == "wrong-losses":
        real = gen.update
        gen.update = lambda indices, losses: real(indices, np.asarray(losses) * 1.01)
    elif how == "wrong-indices":
        real = gen.update
        gen.update = lambda indices, losses: real(np.roll(np.asarray(indices), 1), losses)
    else:
        raise AssertionError(how)


def _trainer_run(digits, broken=None):
    (x, y), (xv, yv) = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="is-probabilistic", seed=0)
    if broken:
        _break(gen, broken)
    net = mlp(x.shape[1:], 10)
    audit = TableAudit(gen, net, x, y).install()
    auc = OneMinusAUC(xv, yv, eval_every=gen.steps_per_epoch)
    ImportanceTrainer(net, gen, learning_rate=3e-3).fit(epochs=EPOCHS, callbacks=[audit, auc])
    audit.verify(proportional=True)
    assert auc.one_minus_auc[-1] < auc.one_minus_auc[0] / 2 < 0.05  # it learns


def _wrapper_run(digits, broken=None):
    (x, y), (xv, yv) = digits
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="is-probabilistic", seed=0)
    if broken:
        _break(gen, broken)
    net = mlp(x.shape[1:], 10)
    audit = TableAudit(gen, net, x, y).install()
    wrapped = ImportanceSamplingModel(net, gen)
    wrapped.compile(optimizer=keras.optimizers.Adam(3e-3))
    auc = OneMinusAUC(xv, yv, eval_every=gen.steps_per_epoch)
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=EPOCHS, verbose=0,
                callbacks=[audit, auc])
    audit.verify(proportional=True)
    assert auc.one_minus_auc[-1] < auc.one_minus_auc[0] / 2 < 0.05


@pytest.mark.parametrize("run", [_trainer_run, _wrapper_run], ids=["trainer", "keras-fit"])
def test_learning_run_passes_the_table_audit(digits, run):
    run(digits)


BROKEN = {
    "same-batch": "first pass trained",
    "ignores-table": "table ignored",
    "wrong-losses": "table != losses of the trained samples",
    "wrong-indices": "table != losses of the trained samples",
}


@pytest.mark.parametrize("broken", list(BROKEN))
@pytest.mark.parametrize("run", [_trainer_run, _wrapper_run], ids=["trainer", "keras-fit"])
def test_learning_run_fails_with_a_broken_sampler(digits, run, broken):
    with pytest.raises(AssertionError, match=BROKEN[broken]):
        run(digits, broken)
