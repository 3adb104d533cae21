"""Saving and resuming the generator (get_state / set_state / pickle) and the deterministic input pipeline."""

import pickle
import threading
import time

import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.methods import METHODS

N, BATCH = 60, 8


def _gen(method="is-probabilistic", seed=0, n=N, batch=BATCH, **kwargs):
    x = np.arange(n, dtype=np.float32).reshape(n, 1)
    return ImportanceBatchGenerator(x, np.zeros(n, np.int64), batch_size=batch, method=method, seed=seed, **kwargs)


def _losses(idx, step):
    return ((idx * 7919 + step * 104729) % 1000) / 250.0 + 0.01


def _run(gen, steps, start=0, skip=()):
    """Draw and write back ``steps`` batches; steps in ``skip`` raise (no update)."""
    out = []
    for step in range(start, start + steps):
        idx, weights = gen.next_batch()
        out.append((idx.copy(), weights.copy()))
        if step not in skip:
            gen.update(idx, _losses(idx, step))
    return out


def _assert_same(a, b):
    assert len(a) == len(b)
    for (ia, wa), (ib, wb) in zip(a, b):
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(wa, wb)


CASES = [(method, {}) for method in METHODS] + [
    ("is-probabilistic", {"unbiased": True, "uniform_mix": 0.2}),
    ("nis", {"unbiased": True}),
    ("is-randomsubset", {"subset_fraction": 0.3}),
    ("is-highsubset", {"subset_size": 10, "exponent": 2.0}),
]


@pytest.mark.parametrize("method, kwargs", CASES)
@pytest.mark.parametrize("cut", [3, 9, 20])  # inside the first pass (with a lost batch pending) and after it
def test_resuming_from_a_state_continues_bit_identically(method, kwargs, cut):
    total, skip = 40, {2}
    uninterrupted = _gen(method, **kwargs)
    expected = _run(uninterrupted, total, skip=skip)

    first = _gen(method, **kwargs)
    head = _run(first, cut, skip=skip)
    state = pickle.loads(pickle.dumps(first.get_state()))  # a state survives a file round trip
    resumed = _gen(method, seed=123, **kwargs)  # another seed: everything must come from the state
    _run(resumed, 2)  # and whatever it did before is replaced
    resumed.set_state(state)
    tail = _run(resumed, total - cut, start=cut, skip=skip)
    _assert_same(head + tail, expected)
    np.testing.assert_array_equal(resumed.loss_table, uninterrupted.loss_table)
    assert resumed.num_updates == uninterrupted.num_updates
    assert resumed.in_first_pass == uninterrupted.in_first_pass


@pytest.mark.parametrize("method", ["nis", "is-probabilistic", "is-randomsubset", "is-highsubset"])
def test_a_pickled_generator_continues_bit_identically(method):
    gen = _gen(method)
    _run(gen, 5)
    copy = pickle.loads(pickle.dumps(gen))
    _assert_same(_run(copy, 12, start=5), _run(gen, 12, start=5))
    np.testing.assert_array_equal(copy.loss_table, gen.loss_table)
    copy.update(np.array([0]), np.array([9.0]))  # the copy has its own table and lock
    assert gen.loss_table[0] != 9.0 or copy.loss_table[0] == 9.0
    assert isinstance(copy._lock, type(threading.RLock()))


def _corrupt(state, **changes):
    state = dict(state)
    state.update(changes)
    return state


@pytest.mark.parametrize("make_state, message", [
    (lambda s: _corrupt(s, num_samples=61), "saved for 61 samples; this generator has 60"),
    (lambda s: _corrupt(s, batch_size=4), "saved with batch_size 4"),
    (lambda s: _corrupt(s, sampler_config={**s["sampler_config"], "method": "nis"}), "saved for method 'nis'"),
    (lambda s: _corrupt(s, table=np.r_[s["table"][:-1], np.nan]), "loss table"),
    (lambda s: _corrupt(s, table=s["table"][:10]), "loss table"),
    (lambda s: _corrupt(s, rng={"bit_generator": "PCG64", "state": "garbage"}), "random-generator state"),
    (lambda s: _corrupt(s, first_pass={**s["first_pass"], "cursor": 10**6}), "first-pass state"),
    (lambda s: _corrupt(s, first_pass={**s["first_pass"], "order": np.arange(5)}), "first-pass state"),
    (lambda s: _corrupt(s, sampler={"exponent": 1.0, "tree": {"size": 3, "levels": []}}), "sum-tree state"),
    (lambda s: _corrupt(s, version=99), "unsupported generator state version"),
    (lambda s: {k: v for k, v in s.items() if k != "rng"}, "missing 'rng'"),
    (lambda s: [1, 2], "must be a dict"),
])
def test_a_mismatched_or_corrupt_state_is_refused_and_changes_nothing(make_state, message):
    source = _gen()
    _run(source, 4)
    target, twin = _gen(seed=5), _gen(seed=5)
    _run(target, 3)
    _run(twin, 3)
    with pytest.raises(ValueError, match=message):
        target.set_state(make_state(source.get_state()))
    _assert_same(_run(target, 10, start=3), _run(twin, 10, start=3))
    np.testing.assert_array_equal(target.loss_table, twin.loss_table)


def test_a_tree_that_does_not_match_the_table_is_refused():
    state = _gen().get_state()
    gen = _gen()
    state["table"] = np.full(N, 2.0)  # the saved tree still holds the unvisited (zero) weights
    with pytest.raises(ValueError, match="does not match the loss table"):
        gen.set_state(state)


def test_a_loss_table_can_be_set_in_the_middle_of_the_first_pass():
    gen, twin = _gen(), _gen()
    _run(gen, 2)
    _run(twin, 2)
    table = np.linspace(0.1, 2.0, N)
    gen.set_loss_table(table)
    np.testing.assert_array_equal(gen.loss_table, table)
    assert gen._rng.bit_generator.state == twin._rng.bit_generator.state  # the random stream is untouched
    assert gen.in_first_pass  # the pass continues over its order (every sample already has a loss)
    _run(gen, 10, start=2)
    assert not gen.in_first_pass and np.all(np.isfinite(gen.loss_table))
    with pytest.raises(ValueError, match="shape"):
        gen.set_loss_table(np.ones(3))


# ------------------------------------------------------- deterministic pipeline
def _dataset_indices(gen, prefetch, steps, update=True, jitter=None):
    out = []
    for step, (_, _, idx) in enumerate(gen.as_dataset(prefetch=prefetch).take(steps)):
        idx = idx.numpy()
        out.append(idx)
        if jitter is not None:
            time.sleep(jitter.random() * 0.003)  # a training step of varying length
        if update:
            gen.update(idx, _losses(idx, step))
    return np.stack(out)


@pytest.mark.parametrize("method", ["is-probabilistic", "is-randomsubset"])
def test_prefetch_never_changes_the_batches_of_an_unchanged_table(method):
    table = np.linspace(0.1, 3.0, N)
    runs = [_dataset_indices(_gen(method, initial_losses=table), prefetch, 12, update=False) for prefetch in (0, 1, 2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_the_same_seed_gives_the_same_batches_with_any_prefetch(prefetch):
    # two runs with the same updates in the same order, with steps of random length so that the
    # dataset's background thread races the updates differently each time
    steps = 3 * N // BATCH
    first = _dataset_indices(_gen(), prefetch, steps, jitter=np.random.default_rng(1))
    second = _dataset_indices(_gen(), prefetch, steps, jitter=np.random.default_rng(2))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("prefetch", [1, 2])
def test_a_dataset_batch_is_drawn_exactly_prefetch_steps_stale(prefetch):
    gen = _gen()
    versions = []
    real_next = gen.next_batch

    def recording_next():
        versions.append(gen.num_updates)
        return real_next()

    gen.next_batch = recording_next
    _dataset_indices(gen, prefetch, 15)
    assert versions[: 15] == [max(0, step - prefetch) for step in range(15)]


@pytest.mark.parametrize("prefetch", [0, 2])
@pytest.mark.parametrize("how", ["state", "pickle"])
def test_a_dataset_run_saved_mid_stream_resumes_bit_identically(prefetch, how):
    # like BackupAndRestore under fit: the state is taken after a step while the dataset iterator
    # holds prefetched batches; a new iterator on the restored generator must continue exactly
    steps, cut = 20, 7

    def losses_at(idx, step):
        return _losses(idx, step)

    gen = _gen()
    expected, saved = [], None
    for step, (_, _, idx) in enumerate(gen.as_dataset(prefetch=prefetch).take(steps)):
        idx = idx.numpy()
        expected.append(idx)
        gen.update(idx, losses_at(idx, step))
        if step == cut - 1:
            saved = gen.get_state() if how == "state" else pickle.dumps(gen)
    if how == "state":
        resumed = _gen(seed=9)
        resumed.set_state(saved)
    else:
        resumed = pickle.loads(saved)
    tail = []
    for step, (_, _, idx) in enumerate(resumed.as_dataset(prefetch=prefetch).take(steps - cut), start=cut):
        idx = idx.numpy()
        tail.append(idx)
        resumed.update(idx, losses_at(idx, step))
    np.testing.assert_array_equal(np.stack(tail), np.stack(expected[cut:]))
    np.testing.assert_array_equal(resumed.loss_table, gen.loss_table)


def test_samples_marked_unvisited_by_a_new_table_are_trained_first():
    gen = _gen("is-probabilistic", initial_losses=np.ones(N))
    table = np.ones(N)
    table[[5, 17, 33]] = np.inf
    gen.set_loss_table(table)
    assert gen.in_first_pass
    idx = gen.next_indices()
    assert {5, 17, 33} <= set(idx.tolist())
    gen.update(idx, np.ones(BATCH))
    assert not gen.in_first_pass and np.all(np.isfinite(gen.loss_table))
