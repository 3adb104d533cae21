"""The host-gather path (memmaps): the next batch is read in a background thread while the
current step trains, with draws at most one step stale and in a deterministic order."""

import threading

import keras
import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training.trainer import ImportanceTrainer


@pytest.fixture(scope="module")
def memmap_data(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("memmap") / "x.npy"
    x = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(96, 8, 8, 1))
    x[:] = rng.normal(size=x.shape)
    x.flush()
    y = rng.integers(0, 4, size=96)
    return np.load(path, mmap_mode="r"), y


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(4, activation="softmax")])


def _spy(gen, events):
    draw, update, gather = gen.next_indices, gen.update, gen.gather

    def spy_draw():
        events.append(("draw", None))
        return draw()

    def spy_update(indices, losses):
        events.append(("update", None))
        return update(indices, losses)

    def spy_gather(indices):
        events.append(("gather", threading.current_thread().name))
        return gather(indices)

    gen.next_indices, gen.update, gen.gather = spy_draw, spy_update, spy_gather


def test_memmap_batches_are_read_in_the_background_one_step_ahead(memmap_data):
    x, y = memmap_data
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    trainer = ImportanceTrainer(_model(), gen)
    assert not trainer.data_on_device and trainer.prefetch
    events = []
    _spy(gen, events)
    logs = [trainer.train_step() for _ in range(8)]
    kinds = [kind for kind, _ in events if kind != "gather"]
    # step t draws batch t + 1 before writing step t's losses: at most one step stale
    assert kinds == ["draw", "draw", "update"] + ["draw", "update"] * 7
    threads = [name for kind, name in events if kind == "gather"]
    assert threads[0] == threading.current_thread().name  # the very first batch: nothing to overlap with
    assert all(name.startswith("is_keras_gather") for name in threads[1:])
    # the table holds exactly the steps' losses: 6 first-pass steps visited all 96 samples
    assert np.all(np.isfinite(gen.loss_table))
    assert [log["samples_seen"] for log in logs] == [16 * (i + 1) for i in range(8)]


def test_prefetching_reads_the_same_rows_as_reading_in_step(memmap_data):
    # NIS draws do not depend on the table, so both paths train on the same batches
    # and must end with the same table and weights.
    x, y = memmap_data
    tables, weights = [], []
    for prefetch in (False, True):
        gen = ImportanceBatchGenerator(x, y, batch_size=16, method="nis", seed=0)
        model = _model()
        trainer = ImportanceTrainer(model, gen, prefetch=prefetch)
        trainer.fit(epochs=2)
        tables.append(np.array(gen.loss_table))
        weights.append(np.concatenate([np.ravel(v) for v in model.get_weights()]))
    assert np.all(np.isfinite(tables[0]))
    np.testing.assert_allclose(tables[1], tables[0], rtol=1e-6)
    np.testing.assert_allclose(weights[1], weights[0], rtol=1e-6)
