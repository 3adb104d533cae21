"""method="auto": delegates to the benchmark's configuration and runs end to end."""

import numpy as np
import pytest

from is_keras.sampling.auto import AUTO_CONFIG, AutoSampler
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.methods import get_method_spec


def test_auto_is_the_configured_sampler():
    sampler = SamplerConfig(method="auto").build_sampler()
    expected = SamplerConfig.from_dict(AUTO_CONFIG).build_sampler()
    assert isinstance(sampler, AutoSampler) and type(sampler.inner) is type(expected)
    table = np.array([0.5, 1.0, 2.0, 4.0])
    sampler.bind(table.copy())
    expected.bind(table.copy())
    p, q = sampler.draw_probabilities(np.arange(4)), expected.draw_probabilities(np.arange(4))
    assert (p is None) == (q is None)
    if p is not None:
        np.testing.assert_allclose(p, q)
    assert sampler.has_batch_weights == expected.has_batch_weights
    a = sampler.sample(64, np.random.default_rng(0))
    b = expected.sample(64, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    wa, wb = sampler.batch_weights(a), expected.batch_weights(b)
    assert (wa is None) == (wb is None)
    if wa is not None:
        np.testing.assert_array_equal(wa, wb)
    spec = get_method_spec("auto")
    assert spec.has_draw_probabilities == get_method_spec(AUTO_CONFIG["method"]).has_draw_probabilities


def test_auto_forwards_progress_and_weights():
    sampler = AutoSampler(config={"method": "is-switch", "switch_fraction": 0.5})
    sampler.bind(np.array([0.0, 1.0, 3.0]))
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(3)), [0.0, 0.25, 0.75])
    sampler.set_progress(0.5)
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(3)), [1 / 3] * 3)
    pruning = AutoSampler(config={"method": "infobatch", "prune_ratio": 0.5})
    pruning.bind(np.array([0.1, 0.1, 0.1, 5.0]))
    batch = pruning.sample(2, np.random.default_rng(0))
    np.testing.assert_allclose(pruning.batch_weights(batch), np.where(batch < 3, 2.0, 1.0))
    with pytest.raises(ValueError, match="cannot itself be 'auto'"):
        AutoSampler(config={"method": "auto"})


def test_auto_runs_end_to_end():
    from is_keras.experiments.run import run_training

    rng = np.random.default_rng(0)
    data = (rng.random((64, 8, 8, 1), dtype=np.float32), np.arange(64) % 2)
    result = run_training(data, data, method="auto", epochs=2, batch_size=16, eval_every=4,
                          model_kwargs={"width": 1})
    assert result.samples.tolist() == [64, 128]
    assert np.all(np.isfinite(result.one_minus_auc))
