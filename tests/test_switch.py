"""IS→uniform switch and IS-annealed: draw statistics against their formulas."""

import numpy as np
import pytest

from is_keras.sampling.annealed import AnnealedSampler
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.switch import SwitchSampler

LOSSES = np.array([0.5, 1.0, 2.0, 4.0, 0.0, 3.0])


def _frequencies(sampler, draws, seed=0):
    idx = sampler.sample(draws, np.random.default_rng(seed))
    return np.bincount(idx, minlength=LOSSES.size) / draws


def _assert_close(freq, p, draws):
    tolerance = 5 * np.sqrt(p * (1 - p) / draws) + 1e-12
    assert np.all(np.abs(freq - p) <= tolerance), (freq, p)


@pytest.mark.parametrize("exponent,mix", [(1.0, 0.0), (0.5, 0.2), (2.0, 0.0)])
def test_switch_before_is_probabilistic(exponent, mix):
    sampler = SwitchSampler(exponent=exponent, uniform_mix=mix, switch_fraction=0.5)
    sampler.bind(LOSSES.copy())
    sampler.set_progress(0.49)
    w = LOSSES**exponent
    p = (1 - mix) * w / w.sum() + mix / LOSSES.size
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), p, rtol=1e-12)
    _assert_close(_frequencies(sampler, 200_000), p, 200_000)


def test_switch_after_is_uniform_permutations_and_tree_catches_up():
    table = LOSSES.copy()
    sampler = SwitchSampler(exponent=1.0, switch_fraction=0.5)
    sampler.bind(table)
    sampler.set_progress(0.5)
    assert sampler.switched
    rng = np.random.default_rng(1)
    for _ in range(20):  # each block of N draws is a permutation
        assert sorted(np.concatenate([sampler.sample(4, rng), sampler.sample(2, rng)]).tolist()) == list(range(6))
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), np.full(6, 1 / 6))
    # updates while switched are not tracked by the tree; going back rebuilds it from the table
    table[:] = [1.0, 1.0, 1.0, 1.0, 1.0, 5.0]
    sampler.on_update(np.arange(6), table.copy())
    sampler.set_progress(0.1)
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), table / table.sum())


@pytest.mark.parametrize("t", [0.0, 0.2, 0.5, 0.7])
def test_annealed_exponent_and_probabilities(t):
    sampler = AnnealedSampler(exponent=2.0, switch_fraction=0.8)
    sampler.bind(LOSSES.copy())
    sampler.set_progress(t)
    omega = 2.0 * (1 - t / 0.8)
    assert sampler.current_exponent == pytest.approx(omega)
    w = LOSSES**omega
    w[LOSSES == 0] = 0.0  # an exponent > 0 leaves zero losses at weight 0
    p = w / w.sum()
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), p, rtol=1e-9)
    _assert_close(_frequencies(sampler, 100_000, seed=3), p, 100_000)


def test_annealed_reaches_uniform_and_setter_reapplies():
    sampler = AnnealedSampler(exponent=1.0, switch_fraction=0.5)
    sampler.bind(LOSSES.copy())
    sampler.set_progress(0.25)
    sampler.exponent = 4.0
    assert sampler.current_exponent == pytest.approx(2.0)
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), LOSSES**2 / (LOSSES**2).sum())
    sampler.set_progress(0.5)
    assert sampler.switched and sampler.current_exponent == 0.0
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(6)), np.full(6, 1 / 6))


def test_state_round_trip():
    sampler = AnnealedSampler(exponent=1.5, switch_fraction=0.6)
    sampler.bind(LOSSES.copy())
    sampler.set_progress(0.3)
    state = sampler.get_state()
    other = AnnealedSampler(exponent=1.0, switch_fraction=0.6)
    other.bind(LOSSES.copy())
    other.set_state(state)
    assert other.exponent == 1.5 and other.current_exponent == pytest.approx(sampler.current_exponent)
    np.testing.assert_allclose(other.draw_probabilities(np.arange(6)), sampler.draw_probabilities(np.arange(6)))


def test_config_builds_and_validates():
    config = SamplerConfig(method="is-switch", exponent=0.5, switch_fraction=0.3, unbiased=True)
    sampler = config.build_sampler()
    assert isinstance(sampler, SwitchSampler) and sampler.switch_fraction == 0.3 and sampler.exponent == 0.5
    assert isinstance(SamplerConfig(method="is-annealed").build_sampler(), AnnealedSampler)
    assert SamplerConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="switch_fraction must be in"):
        SamplerConfig(method="is-switch", switch_fraction=0.0)
    with pytest.raises(ValueError, match="switch_fraction must be in"):
        SwitchSampler(switch_fraction=1.5)


def test_trainer_and_keras_fit_report_progress():
    import keras

    from is_keras.sampling.generator import ImportanceBatchGenerator
    from is_keras.training.keras_fit import ImportanceSamplingModel
    from is_keras.training.trainer import ImportanceTrainer

    rng = np.random.default_rng(0)
    x = rng.random((32, 3), dtype=np.float32)
    y = np.arange(32) % 2

    def model():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])

    config = SamplerConfig(method="is-switch", switch_fraction=0.5)
    gen = ImportanceBatchGenerator(x, y, batch_size=8, sampler_config=config)
    ImportanceTrainer(model(), gen).fit(epochs=4)
    assert gen.sampler.progress == 0.75 and gen.sampler.switched  # the last epoch started at 3/4
    gen = ImportanceBatchGenerator(x, y, batch_size=8, sampler_config=config)
    ImportanceTrainer(model(), gen).fit(epochs=2)
    assert gen.sampler.progress == 0.5 and gen.sampler.switched
    gen = ImportanceBatchGenerator(x, y, batch_size=8, sampler_config=SamplerConfig(method="is-annealed",
                                                                                    exponent=2.0))
    wrapped = ImportanceSamplingModel(model(), gen)
    wrapped.compile(optimizer="adam")
    wrapped.fit(gen.as_dataset(), steps_per_epoch=4, epochs=4, verbose=0)
    assert gen.sampler.progress == 0.75 and gen.sampler.switched
