"""IS-rank (draws by the loss's rank in the table) and adaptive (uniform until the loss is concentrated).

Draw frequencies are compared with the formulas by a chi-square bound; the bound is wide for a correct sampler
(expected ~degrees of freedom) and far below what a sampler that ignores the ranks, or the table, gives.
"""

import keras
import numpy as np
import pytest

from is_keras.sampling.adaptive import ACTIVATE_AT, DEACTIVATE_BELOW, AdaptiveSampler, loss_concentration
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.rank import REFRESHES_PER_EPOCH, RankSampler, rank_probabilities


def _chi_square(indices, probabilities):
    counts = np.bincount(indices, minlength=probabilities.size)
    expected = probabilities * indices.size
    return float(np.sum((counts - expected) ** 2 / expected))


def _bound(n):  # mean n - 1, standard deviation sqrt(2 (n - 1)): 8 standard deviations above
    return n - 1 + 8 * np.sqrt(2 * (n - 1))


@pytest.mark.parametrize("selectivity, uniform_mix", [(1.0, 0.0), (2.0, 0.2), (0.0, 0.0)])
def test_rank_probabilities_follow_the_formula(selectivity, uniform_mix):
    n = 10
    p = rank_probabilities(n, selectivity, uniform_mix)
    ranks = np.arange(1, n + 1) / n
    expected = (1 - uniform_mix) * ranks**selectivity / np.sum(ranks**selectivity) + uniform_mix / n
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert p.sum() == pytest.approx(1.0) and np.all(np.diff(p) >= 0)


def test_rank_sampler_draws_by_rank_not_by_value_or_index():
    rng = np.random.default_rng(0)
    table = rng.permutation(20) ** 3.0 + 0.5  # distinct values, order unrelated to the index
    sampler = RankSampler(selectivity=2.0, uniform_mix=0.1)
    sampler.bind(table)
    ranks = np.argsort(np.argsort(table))  # 0 = lowest loss
    expected = rank_probabilities(20, 2.0, 0.1)[ranks]
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(20)), expected)
    draws = np.concatenate([sampler.sample(1, rng) for _ in range(40000)])
    assert _chi_square(draws, expected) < _bound(20)
    by_index = rank_probabilities(20, 2.0, 0.1)  # a sampler that ranked by index instead
    assert _chi_square(draws, by_index) > 10 * _bound(20)


def test_the_ranks_follow_table_updates_after_a_refresh():
    n = 64
    table = np.arange(1.0, n + 1)
    sampler = RankSampler(selectivity=1.0, uniform_mix=0.0)
    sampler.bind(table)
    assert sampler.draw_probabilities(np.array([n - 1]))[0] == pytest.approx(rank_probabilities(n, 1.0, 0.0)[-1])
    table[n - 1] = 0.0  # the highest loss was trained and is now the lowest
    sampler.on_update(np.array([n - 1]), np.array([0.0]))
    sampler.sample(n // REFRESHES_PER_EPOCH, np.random.default_rng(0))  # the snapshot serves N / 16 draws
    sampler.sample(1, np.random.default_rng(0))  # then it is rebuilt
    assert sampler.draw_probabilities(np.array([n - 1]))[0] == pytest.approx(rank_probabilities(n, 1.0, 0.0)[0])


def test_rank_sampler_state_round_trip_gives_the_same_draws():
    table = np.random.default_rng(1).random(50)
    first = RankSampler(selectivity=1.0, uniform_mix=0.2)
    first.bind(table)
    first.sample(7, np.random.default_rng(0))
    second = RankSampler(selectivity=1.0, uniform_mix=0.2)
    second.bind(table.copy())
    second.set_state(first.get_state())
    for _ in range(5):
        a, b = first.sample(4, np.random.default_rng(3)), second.sample(4, np.random.default_rng(3))
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="corrupt is-rank sampler state"):
        second.set_state({"order": np.zeros(50, np.int64), "draws": 0})


def test_loss_concentration_by_hand():
    assert loss_concentration(np.full(8, 3.0)) == pytest.approx(1.0)
    assert loss_concentration(np.array([1.0, 0.0, 0.0, 0.0])) == pytest.approx(4.0)
    assert loss_concentration(np.array([1.0, 3.0, np.inf])) == pytest.approx(2 * 10 / 16)
    assert np.isnan(loss_concentration(np.array([np.inf, 0.0])))


def test_adaptive_is_uniform_on_a_flat_table_and_rank_based_on_a_concentrated_one():
    n, rng = 32, np.random.default_rng(0)
    table = np.ones(n)
    sampler = AdaptiveSampler(selectivity=2.0, uniform_mix=0.1)
    sampler.bind(table)
    draws = np.concatenate([sampler.sample(n, rng) for _ in range(200)])
    assert not sampler.active and sampler.take_active_share() == 0.0
    assert np.all(np.bincount(draws, minlength=n) == 200)  # nis: every sample once per epoch
    table[:] = np.exp(np.random.default_rng(2).normal(0, 2, n))  # concentrated: τ² well above 1.5
    assert loss_concentration(table) > 3 * ACTIVATE_AT
    sampler.on_update(np.arange(n), table.copy())
    draws = np.concatenate([sampler.sample(1, rng) for _ in range(20000)])
    assert sampler.active and sampler.take_active_share() > 0.99
    expected = rank_probabilities(n, 2.0, 0.1)[np.argsort(np.argsort(table))]
    assert _chi_square(draws, expected) < _bound(n)
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(n)), expected)


def test_adaptive_switches_with_hysteresis():
    n = 40
    sampler = AdaptiveSampler()
    sampler.bind(np.ones(n))
    rng = np.random.default_rng(0)

    def set_concentration(target):  # two loss levels giving τ² = target
        a = np.sqrt(target - 1)
        sampler.table[:] = np.where(np.arange(n) < n // 2, 1 + a, 1 - a)
        assert loss_concentration(sampler.table) == pytest.approx(target)
        for _ in range(2):
            sampler.sample(n, rng)  # past one check
        return sampler.active

    between = (ACTIVATE_AT + DEACTIVATE_BELOW) / 2
    assert not set_concentration(between)  # not yet on: below the activation level
    assert set_concentration(ACTIVATE_AT + 0.05)
    assert set_concentration(between)  # stays on between the two levels
    assert not set_concentration(DEACTIVATE_BELOW - 0.05)



CONCENTRATED = 1.9  # above the switch-on level; two positive loss levels give it


def _two_levels(n, target):  # a table of two loss levels with τ² = target
    a = np.sqrt(target - 1)
    return np.where(np.arange(n) < n // 2, 1 + a, 1 - a)


def test_adaptive_switches_on_only_within_its_window_then_switches_as_usual():
    n, rng = 40, np.random.default_rng(0)
    late = AdaptiveSampler(switch_on_within=1.0)
    late.bind(np.ones(n))
    for _ in range(3):
        late.sample(n, rng)  # three flat passes: past the window
    late.table[:] = _two_levels(n, CONCENTRATED)
    for _ in range(3):
        late.sample(n, rng)
    assert not late.active and late.take_active_share() == 0.0  # concentrated too late: the run stays uniform
    anytime = AdaptiveSampler()  # no window: the same history switches on
    anytime.bind(np.ones(n))
    for _ in range(3):
        anytime.sample(n, rng)
    anytime.table[:] = _two_levels(n, CONCENTRATED)
    anytime.sample(n, rng)
    assert anytime.active

    early = AdaptiveSampler(switch_on_within=1.0)
    early.bind(_two_levels(n, CONCENTRATED))
    early.sample(n, rng)
    assert early.active  # concentrated within the window
    early.table[:] = 1.0
    for _ in range(2):
        early.sample(n, rng)
    assert not early.active  # flat: off
    state = early.get_state()
    early.table[:] = _two_levels(n, CONCENTRATED)
    early.sample(n, rng)
    assert early.active  # was on before: past the window it may switch on again
    restored = AdaptiveSampler(switch_on_within=1.0)
    restored.bind(np.ones(n))
    restored.set_state(state)
    restored.table[:] = _two_levels(n, CONCENTRATED)
    restored.sample(n, rng)
    restored.sample(n, rng)
    assert restored.active  # the window's history is part of the state

def _problem(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype("int64")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    return x, y, model


#: switch_on_at with switch_on_within=0 (auto's window: decided at the end of the first pass): far below and far
#: above the τ² of _problem's table then, so the first switches selection on and the second keeps the run nis's
DECIDED_ON, DECIDED_OFF = {"switch_on_at": 1.0001, "switch_on_within": 0.0}, {"switch_on_at": 50.0,
                                                                                "switch_on_within": 0.0}


def test_auto_is_the_adaptive_method_and_logs_sampling_active_in_the_trainer():
    from is_keras.training import ImportanceTrainer

    x, y, model = _problem()
    assert type(ImportanceBatchGenerator(x, y, batch_size=16, method="auto").sampler).__name__ == "AdaptiveSampler"
    generator = ImportanceBatchGenerator(x, y, batch_size=16, method="adaptive", seed=0, **DECIDED_ON)
    history = ImportanceTrainer(model, generator, learning_rate=3e-2).fit(epochs=6)
    active = history.history["sampling_active"]
    assert active[0] == 0.0  # the first epoch is the uniform first pass
    assert min(active[1:]) == 1.0  # on from the end of the first pass: a fitted classifier's losses stay concentrated


def test_adaptive_decided_off_at_the_end_of_the_first_pass_is_nis_value_for_value():
    from is_keras.training import ImportanceTrainer

    histories = {}
    for method, options in (("nis", {}), ("adaptive", DECIDED_OFF)):
        x, y, model = _problem()
        generator = ImportanceBatchGenerator(x, y, batch_size=16, method=method, seed=0, **options)
        histories[method] = ImportanceTrainer(model, generator, learning_rate=3e-2).fit(epochs=4).history
    assert histories["adaptive"]["sampling_active"] == [0.0] * 4
    np.testing.assert_array_equal(histories["adaptive"]["loss"], histories["nis"]["loss"])


def test_the_fit_wrapper_logs_sampling_active_too():
    from is_keras.training import ImportanceSamplingModel

    x, y, model = _problem()
    generator = ImportanceBatchGenerator(x, y, batch_size=16, method="adaptive", seed=0)
    wrapped = ImportanceSamplingModel(model, generator, backend="host")
    wrapped.compile(optimizer=keras.optimizers.Adam(3e-2))
    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=generator.steps_per_epoch, epochs=6, verbose=0)
    active = history.history["sampling_active"]
    assert active[0] == 0.0 and max(active[1:]) == 1.0


# ------------------------------------------------------------------ the in-graph backend (the same rule and draws)
def _in_graph(n, table, *, jit=False, **options):
    import tensorflow as tf

    from is_keras.sampling.in_graph_sampler import InGraphSampler

    sampler = InGraphSampler(n, batch_size=1, method="adaptive", seed=0, **options)
    sampler.set_losses(table)
    sampler.update(tf.constant([0]), tf.constant([float(table[0])]))  # a table write: the rule decides
    return sampler, tf.function(sampler.next_batch, jit_compile=jit)


@pytest.mark.parametrize("jit", [False, True])
def test_in_graph_adaptive_draws_by_rank_on_a_concentrated_table(jit):
    n = 24
    table = np.exp(np.random.default_rng(2).normal(0, 2, n)).astype(np.float32)
    sampler, draw = _in_graph(n, table, jit=jit, selectivity=2.0, uniform_mix=0.1, unbiased=True)
    assert bool(sampler.selection_active.numpy())
    expected = rank_probabilities(n, 2.0, 0.1)[np.argsort(np.argsort(table, kind="stable"), kind="stable")]
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(n)).numpy(), expected, rtol=1e-6)
    batches = [draw() for _ in range(6000)]
    draws = np.array([int(i[0]) for i, _ in batches])
    assert _chi_square(draws, expected) < _bound(n)
    weights = np.array([float(w[0]) for _, w in batches])
    np.testing.assert_allclose(weights, 1 / (n * expected[draws]), rtol=1e-5)  # unbiased: 1 / (N p)
    assert sampler.take_active_share() == 1.0


def test_in_graph_adaptive_is_nis_on_a_flat_table_and_switches_with_hysteresis():
    import tensorflow as tf

    n = 40
    sampler, draw = _in_graph(n, np.ones(n, np.float32))
    assert not bool(sampler.selection_active.numpy())
    first = sorted(int(draw()[0][0]) for _ in range(n))
    assert first == list(range(n))  # nis's permutation
    assert sampler.take_active_share() == 0.0

    def write(target):  # two loss levels giving τ² = target, then one table write decides
        a = np.sqrt(target - 1)
        losses = np.where(np.arange(n) < n // 2, 1 + a, 1 - a).astype(np.float32)
        sampler.update(tf.range(n), tf.constant(losses))
        return bool(sampler.selection_active.numpy())

    between = (ACTIVATE_AT + DEACTIVATE_BELOW) / 2
    assert not write(between)
    assert write(ACTIVATE_AT + 0.05)
    assert write(between)
    assert not write(DEACTIVATE_BELOW - 0.05)
    state = sampler.get_state()
    write(ACTIVATE_AT + 0.05)
    sampler.set_state(state)
    assert not bool(sampler.selection_active.numpy())  # the decision is part of the state


@pytest.mark.parametrize("options, expected", [(DECIDED_ON, 1.0), (DECIDED_OFF, 0.0)])
def test_adaptive_decides_at_the_end_of_the_first_pass_in_graph_and_logs_sampling_active(options, expected):
    from is_keras.training import ImportanceSamplingModel

    x, y, model = _problem()
    generator = ImportanceBatchGenerator(x, y, batch_size=16, method="adaptive", seed=0, **options)
    wrapped = ImportanceSamplingModel(model, generator, backend="in-graph")
    wrapped.compile(optimizer=keras.optimizers.Adam(3e-2), jit_compile=True)
    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=generator.steps_per_epoch, epochs=6, verbose=0)
    active = history.history["sampling_active"]
    assert active[0] == 0.0 and active[1:] == [expected] * 5
    np.testing.assert_array_equal(generator.loss_table, wrapped.loss_table)


def test_in_graph_adaptive_switches_on_only_within_its_window():
    import tensorflow as tf

    n = 40
    late, draw = _in_graph(n, np.ones(n, np.float32), switch_on_within=1.0)
    for _ in range(2 * n):
        draw()  # two passes of draws on a flat table: past the window
    late.update(tf.range(n), tf.constant(_two_levels(n, CONCENTRATED), tf.float32))
    assert not bool(late.selection_active.numpy())
    anytime, draw = _in_graph(n, np.ones(n, np.float32))
    for _ in range(2 * n):
        draw()
    anytime.update(tf.range(n), tf.constant(_two_levels(n, CONCENTRATED), tf.float32))
    assert bool(anytime.selection_active.numpy())

    early, draw = _in_graph(n, _two_levels(n, CONCENTRATED).astype(np.float32), switch_on_within=1.0)
    assert bool(early.selection_active.numpy())
    early.update(tf.range(n), tf.ones(n))
    for _ in range(2 * n):
        draw()
    state = early.get_state()
    early.update(tf.range(n), tf.constant(_two_levels(n, CONCENTRATED), tf.float32))
    assert bool(early.selection_active.numpy())  # was on before: may switch on again past the window
    late.set_state(state)  # the same configuration: the window's history comes with the state
    late.update(tf.range(n), tf.constant(_two_levels(n, CONCENTRATED), tf.float32))
    assert bool(late.selection_active.numpy())
