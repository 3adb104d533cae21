"""method="auto": an alias of the benchmark's configuration; builds its sampler and runs end to end."""

import subprocess
import sys

import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling import methods as methods_module
from is_keras.sampling.auto import AUTO_CONFIG
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.methods import get_method_spec, register_alias


def test_auto_is_the_configured_sampler():
    config = SamplerConfig(method="auto")
    assert config.method == "auto" and config.label == "auto" and config.to_dict()["method"] == "auto"
    assert config.resolved == SamplerConfig.from_dict(AUTO_CONFIG)
    sampler, expected = config.build_sampler(), SamplerConfig.from_dict(AUTO_CONFIG).build_sampler()
    assert type(sampler) is type(expected)
    table = np.array([0.5, 1.0, 2.0, 4.0])
    sampler.bind(table.copy())
    expected.bind(table.copy())
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(4)), expected.draw_probabilities(np.arange(4)))
    np.testing.assert_array_equal(sampler.sample(64, np.random.default_rng(0)),
                                  expected.sample(64, np.random.default_rng(0)))
    spec, target = get_method_spec("auto"), get_method_spec(AUTO_CONFIG["method"])
    assert spec.alias_of == AUTO_CONFIG and spec.options == ()
    assert (spec.has_draw_probabilities, spec.selects_candidates) == (target.has_draw_probabilities,
                                                                      target.selects_candidates)
    assert ("alias of method=adaptive, selectivity=3.0, uniform_mix=0.2, switch_on_at=2.0, switch_on_within=0.0"
            in spec.description)


def test_auto_keeps_its_name_in_the_generator_and_refuses_options_it_does_not_read():
    x, y = np.zeros((10, 1), np.float32), np.zeros(10, np.int64)
    gen = ImportanceBatchGenerator(x, y, batch_size=2, method="auto", unbiased=True)
    assert gen.method == "auto" and gen.sampler_config == SamplerConfig(method="auto", unbiased=True)
    assert type(gen.sampler) is type(SamplerConfig.from_dict(AUTO_CONFIG).build_sampler())
    with pytest.raises(ValueError, match="uniform_mix applies to .*; 'auto' does not read it"):
        SamplerConfig(method="auto", uniform_mix=0.1)


@pytest.fixture
def scratch_registry(monkeypatch):
    """Aliases registered in a test are gone after it."""
    monkeypatch.setattr(methods_module, "METHOD_SPECS", dict(methods_module.METHOD_SPECS))
    monkeypatch.setattr(methods_module, "METHODS", methods_module.METHODS)


def test_an_alias_builds_its_configuration_with_progress_and_weights(scratch_registry):
    register_alias("switch-test", {"method": "is-switch", "switch_fraction": 0.5}, description="a test")
    sampler = SamplerConfig(method="switch-test").build_sampler()
    sampler.bind(np.array([0.0, 1.0, 3.0]))
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(3)), [0.0, 0.25, 0.75])
    sampler.set_progress(0.5)
    np.testing.assert_allclose(sampler.draw_probabilities(np.arange(3)), [1 / 3] * 3)
    register_alias("prune-test", {"method": "infobatch", "prune_ratio": 0.5}, description="a test")
    pruning = SamplerConfig(method="prune-test").build_sampler()
    pruning.bind(np.array([0.1, 0.1, 0.1, 5.0]))
    batch = pruning.sample(2, np.random.default_rng(0))
    np.testing.assert_allclose(pruning.batch_weights(batch), np.where(batch < 3, 2.0, 1.0))
    assert not get_method_spec("prune-test").has_draw_probabilities


def test_an_alias_of_an_alias_or_a_bad_configuration_is_refused(scratch_registry):
    with pytest.raises(ValueError, match="cannot stand for another alias \\('auto'\\)"):
        register_alias("again", {"method": "auto"}, description="x")
    with pytest.raises(ValueError, match="unknown sampler option 'exponnent'"):
        register_alias("typo", {"method": "nis", "exponnent": 1.0}, description="x")
    with pytest.raises(ValueError, match="prune_ratio must be in \\[0, 1\\), got 1.0"):
        register_alias("bad", {"method": "infobatch", "prune_ratio": 1.0}, description="x")


@pytest.mark.parametrize("module", ["is_keras.sampling.auto", "is_keras.sampling.methods"])
def test_each_sampling_module_imports_first_in_a_fresh_process(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_auto_runs_end_to_end():
    from is_keras.experiments.run import run_training

    rng = np.random.default_rng(0)
    data = (rng.random((64, 8, 8, 1), dtype=np.float32), np.arange(64) % 2)
    result = run_training(data, data, method="auto", epochs=2, batch_size=16, eval_every=4,
                          model_kwargs={"width": 1})
    assert result.samples.tolist() == [64, 128]
    assert np.all(np.isfinite(result.one_minus_auc))
