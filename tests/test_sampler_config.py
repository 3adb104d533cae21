"""SamplerConfig validation and round trip, and the method registry."""

import dataclasses
import json
import pickle

import numpy as np
import pytest

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.sampling.config import SamplerConfig
from is_keras.sampling.methods import (
    METHOD_SPECS,
    METHODS,
    MethodSpec,
    get_method_spec,
    methods_with,
    register_method,
    reweightable_methods,
)
from is_keras.sampling.options import SAMPLER_OPTIONS, Option, OptionError
from is_keras.sampling.reweighting import REWEIGHTABLE_METHODS, check_reweightable
from is_keras.sampling.uniform import UniformSampler


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "is-magic"}, "unknown sampling method 'is-magic'; valid methods are: nis, is-probabilistic"),
    ({"exponent": -1.0}, "exponent must be a finite number >= 0"),
    ({"exponent": float("nan")}, "exponent must be a finite number >= 0"),
    ({"exponent": float("inf")}, "exponent must be a finite number >= 0"),
    ({"exponent": "1"}, "exponent must be a finite number >= 0, got '1'"),
    ({"subset_fraction": 0.0}, r"subset_fraction must be in \(0, 1\], got 0.0"),
    ({"subset_fraction": 1.5}, r"subset_fraction must be in \(0, 1\]"),
    ({"subset_size": 0}, "subset_size must be an integer >= 1"),
    ({"subset_size": 2.5}, "subset_size must be an integer >= 1"),
    ({"subset_size": float("inf")}, "subset_size must be an integer >= 1"),
    ({"uniform_mix": -0.1}, r"uniform_mix must be in \[0, 1\]"),
    ({"uniform_mix": 1.5}, r"uniform_mix must be in \[0, 1\]"),
    ({"method": "nis", "uniform_mix": 0.1},
     "uniform_mix applies to 'is-probabilistic' only and to is-switch, .*; 'nis' does not read it"),
    ({"vr_threshold": -1.0}, "vr_threshold must be a finite number >= 0 or None, got -1.0"),
    ({"prune_ratio": 1.0}, r"prune_ratio must be in \[0, 1\), got 1.0"),
    ({"method": "is-randomsubset", "unbiased": True}, "unbiased=True needs .*'is-randomsubset'"),
    ({"method": "is-highsubset", "unbiased": True}, "unbiased=True needs .*'is-highsubset'"),
    ({"unbiased": 1}, "unbiased must be True or False"),
])
def test_invalid_configs_are_refused_with_a_named_error(kwargs, message):
    with pytest.raises(OptionError, match=message) as error:
        SamplerConfig(**kwargs)
    assert error.value.option == list(kwargs)[-1]  # the field at fault (the CLI names its flag from it)


def test_every_config_field_is_declared_once_in_the_options_table():
    assert [field.name for field in dataclasses.fields(SamplerConfig)] == list(SAMPLER_OPTIONS)
    assert all(option.help for option in SAMPLER_OPTIONS.values())
    for name, option in SAMPLER_OPTIONS.items():  # every default passes its own rule
        default = next(field.default for field in dataclasses.fields(SamplerConfig) if field.name == name)
        assert option.check(name, default) == default


@pytest.mark.parametrize("option, value, rule", [
    (Option(float, low=0), 0, "a finite number >= 0"),
    (Option(float, low=0, closed="right"), 1e-9, "a finite number > 0"),
    (Option(float, high=1), -5, "a finite number <= 1"),
    (Option(int, 1, 3, closed="neither"), 2.0, "an integer in (1, 3)"),
    (Option(str, choices=("a", "b")), "b", "one of 'a', 'b'"),
    (Option(bool), False, "True or False"),
    (Option(float, low=0, none_ok=True), None, "a finite number >= 0 or None"),
])
def test_an_option_states_its_rule_and_checks_it(option, value, rule):
    assert option.rule == rule
    assert option.check("x", value) == value
    for bad in (True, "1", float("nan"), float("inf"), -10.0, 10.0, "c", None, 1.5):
        try:
            option.check("x", bad)
        except OptionError as error:
            assert error.option == "x" and str(error) == f"x must be {rule}, got {bad!r}"
    assert pickle.loads(pickle.dumps(OptionError("x", "m"))).option == "x"


def test_valid_values_are_normalised_and_the_config_is_frozen():
    config = SamplerConfig(method="is-highsubset", exponent=np.float32(2), subset_size=5.0)
    assert config.exponent == 2.0 and type(config.exponent) is float
    assert config.subset_size == 5 and type(config.subset_size) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.exponent = 3.0


@pytest.mark.parametrize("config", [
    SamplerConfig(),
    SamplerConfig(method="nis", unbiased=True),
    SamplerConfig(method="is-probabilistic", exponent=0.5, uniform_mix=0.2, unbiased=True),
    SamplerConfig(method="is-randomsubset", subset_fraction=0.25),
    SamplerConfig(method="is-highsubset", subset_size=7, exponent=2.0),
])
def test_to_dict_from_dict_round_trip_through_json(config):
    data = config.to_dict()
    assert set(data) == {f.name for f in dataclasses.fields(SamplerConfig)}
    assert SamplerConfig.from_dict(json.loads(json.dumps(data))) == config


def test_from_dict_refuses_unknown_keys_and_fills_defaults():
    with pytest.raises(ValueError, match="unknown sampler configuration key.*'exponnent'"):
        SamplerConfig.from_dict({"method": "nis", "exponnent": 2.0})
    with pytest.raises(ValueError, match="must be a dict"):
        SamplerConfig.from_dict([("method", "nis")])
    assert SamplerConfig.from_dict({"method": "nis"}) == SamplerConfig(method="nis")


def test_labels_name_the_method_and_the_options_it_reads():
    assert SamplerConfig(method="nis").label == "NIS"
    assert SamplerConfig(exponent=0.5).label == "IS-probabilistic (w=0.5)"
    assert SamplerConfig(uniform_mix=0.2, unbiased=True).label == "IS-probabilistic (w=1, λ=0.2) unbiased"
    assert SamplerConfig(method="is-randomsubset", subset_fraction=0.2).label == "IS-randomsubset (f=0.2)"
    assert SamplerConfig(method="is-highsubset", subset_size=9, exponent=2).label == "IS-highsubset (w=2, k=9)"


# ------------------------------------------------------------------ registry
@pytest.mark.parametrize("name", METHODS)
def test_every_registered_method_builds_its_sampler_under_its_own_name(name):
    spec = get_method_spec(name)
    assert spec.name == name and METHOD_SPECS[name] is spec
    sampler = SamplerConfig(method=name).build_sampler()
    assert isinstance(sampler, spec.sampler_class)
    assert sampler.name == (spec.alias_of or {"method": name})["method"]  # an alias builds its configuration's
    # the options the spec lists are the ones its sampler receives
    custom = SamplerConfig(method=name, exponent=0.5, subset_fraction=0.5, subset_size=3).build_sampler()
    for option, value in [("exponent", 0.5), ("subset_fraction", 0.5), ("subset_size", 3)]:
        if option in spec.options:
            assert getattr(custom, option) == value
    # and it draws valid batches through the generator, with a per-draw probability iff the spec says so
    gen = ImportanceBatchGenerator(np.zeros((20, 1)), np.zeros(20, np.int64), batch_size=4,
                                   sampler_config=SamplerConfig(method=name), initial_losses=np.arange(1.0, 21.0))
    idx = gen.next_indices()
    assert idx.shape == (gen.candidates_per_step,) and idx.min() >= 0 and idx.max() < 20  # C for candidate methods
    assert (gen.sampler.draw_probabilities(idx) is not None) == spec.has_draw_probabilities


def test_registry_facts():
    thesis = ("nis", "is-probabilistic", "is-randomsubset", "is-highsubset")
    assert METHODS == tuple(METHOD_SPECS) and METHODS[:4] == thesis  # (new methods are registered after these)

    def thesis_only(names):
        return tuple(name for name in names if name in thesis)

    assert thesis_only(methods_with("exponent")) == ("is-probabilistic", "is-highsubset")
    assert thesis_only(methods_with("uniform_mix")) == ("is-probabilistic",)
    assert thesis_only(methods_with("subset_fraction")) == ("is-randomsubset",)
    assert thesis_only(methods_with("subset_size")) == ("is-highsubset",)
    assert reweightable_methods() == REWEIGHTABLE_METHODS
    assert thesis_only(reweightable_methods()) == ("nis", "is-probabilistic")
    assert [get_method_spec(m).label for m in thesis] == ["NIS", "IS-probabilistic", "IS-randomsubset",
                                                            "IS-highsubset"]
    assert len({get_method_spec(m).label for m in METHODS}) == len(METHODS)  # labels tell methods apart
    check_reweightable("nis")
    with pytest.raises(ValueError, match="unbiased=True needs"):
        check_reweightable("is-randomsubset")
    with pytest.raises(ValueError, match="unknown sampling method 'x'"):
        get_method_spec("x")


def test_a_spec_must_carry_the_name_its_sampler_declares_and_known_options():
    with pytest.raises(ValueError, match="differs from UniformSampler.name 'nis'"):
        MethodSpec(name="uniform", sampler_class=UniformSampler, options=(), has_draw_probabilities=True,
                   label="U", description="")
    with pytest.raises(ValueError, match="unknown option"):
        MethodSpec(name="nis", sampler_class=UniformSampler, options=("temperature",), has_draw_probabilities=True,
                   label="U", description="")
    other = MethodSpec(name="nis", sampler_class=UniformSampler, options=(), has_draw_probabilities=True,
                       label="Uniform", description="")
    with pytest.raises(ValueError, match="already registered as 'nis'"):
        register_method(other)
    assert get_method_spec("nis").label == "NIS"


def test_generator_takes_a_config_or_the_convenience_options_not_both():
    x, y = np.zeros((10, 1)), np.zeros(10, np.int64)
    config = SamplerConfig(method="is-randomsubset", subset_fraction=0.5)
    gen = ImportanceBatchGenerator(x, y, batch_size=2, sampler_config=config)
    assert gen.sampler_config is config and gen.method == "is-randomsubset" and not gen.unbiased
    gen = ImportanceBatchGenerator(x, y, batch_size=2, method="nis", unbiased=True)
    assert gen.sampler_config == SamplerConfig(method="nis", unbiased=True) and gen.unbiased
    with pytest.raises(ValueError, match="either sampler_config or exponent"):
        ImportanceBatchGenerator(x, y, batch_size=2, sampler_config=config, exponent=2.0)
    with pytest.raises(ValueError, match="must be a SamplerConfig"):
        ImportanceBatchGenerator(x, y, batch_size=2, sampler_config={"method": "nis"})
    with pytest.raises(TypeError):
        ImportanceBatchGenerator(x, y, 2)  # options after the data are keyword-only


def test_setting_the_exponent_updates_the_config():
    gen = ImportanceBatchGenerator(np.zeros((10, 1)), np.zeros(10, np.int64), batch_size=2,
                                   initial_losses=np.ones(10))
    gen.exponent = 2.0
    assert gen.exponent == 2.0 and gen.sampler_config.exponent == 2.0
    nis = ImportanceBatchGenerator(np.zeros((10, 1)), np.zeros(10, np.int64), batch_size=2, method="nis")
    with pytest.raises(ValueError, match="has no loss exponent"):
        nis.exponent = 2.0


# ------------------------------------------------------- loose generator options
#: A valid value other than the default for every SamplerConfig field (read with method is-probabilistic,
#: which also accepts the fields it ignores).
LOOSE_VALUES = {"method": "is-annealed", "exponent": 0.5, "subset_fraction": 0.3, "subset_size": 7, "uniform_mix": 0.2,
                "unbiased": True, "switch_fraction": 0.3, "prune_ratio": 0.25, "prune_until": 0.6,
                "candidate_factor": 2.0, "selectivity": 1.5, "switch_on_at": 2.0, "switch_on_within": 0.0,
                "vr_threshold": 0.7, "score_smoothing": 0.1}


def test_the_loose_values_cover_every_field_with_a_non_default():
    fields = dataclasses.fields(SamplerConfig)
    assert sorted(LOOSE_VALUES) == sorted(field.name for field in fields)
    assert all(LOOSE_VALUES[field.name] != field.default for field in fields)


@pytest.mark.parametrize("name", sorted(LOOSE_VALUES))
def test_every_config_field_is_a_generator_keyword_giving_the_same_config(name):
    x, y = np.zeros((10, 1), np.float32), np.zeros(10, np.int64)
    options = {"method": "is-probabilistic", name: LOOSE_VALUES[name]}  # (name "method" overrides it)
    loose = ImportanceBatchGenerator(x, y, batch_size=2, **options)
    given = ImportanceBatchGenerator(x, y, batch_size=2, sampler_config=SamplerConfig(**options))
    assert loose.sampler_config == given.sampler_config == SamplerConfig(**options)
    assert getattr(loose.sampler_config, name) == LOOSE_VALUES[name]


def test_the_issue_example_is_annealed_with_a_switch_fraction():
    x, y = np.zeros((10, 1), np.float32), np.zeros(10, np.int64)
    gen = ImportanceBatchGenerator(x, y, batch_size=2, method="is-annealed", switch_fraction=0.3)
    assert gen.sampler_config == SamplerConfig(method="is-annealed", switch_fraction=0.3)
    gen = ImportanceBatchGenerator(x, y, batch_size=2, method="infobatch", prune_ratio=0.2, prune_until=0.5)
    assert (gen.sampler_config.prune_ratio, gen.sampler_config.prune_until) == (0.2, 0.5)


@pytest.mark.parametrize("kwargs", [{"switch_fraction": 0.0}, {"prune_ratio": 1.0}, {"prune_until": 1.5},
                                    {"score_smoothing": -1.0}, {"candidate_factor": 0.5}, {"vr_threshold": "x"},
                                    {"switch_on_at": 0.5}, {"switch_on_within": -1.0}])
def test_loose_options_are_validated_like_the_config(kwargs):
    x, y = np.zeros((10, 1), np.float32), np.zeros(10, np.int64)
    with pytest.raises(ValueError) as from_config:
        SamplerConfig(**kwargs)
    with pytest.raises(ValueError) as loose:
        ImportanceBatchGenerator(x, y, batch_size=2, **kwargs)
    assert str(loose.value) == str(from_config.value)


def test_an_unknown_keyword_is_a_type_error_naming_it():
    x, y = np.zeros((10, 1), np.float32), np.zeros(10, np.int64)
    with pytest.raises(TypeError, match="unexpected keyword argument 'switch_fraktion'.*switch_fraction"):
        ImportanceBatchGenerator(x, y, batch_size=2, method="is-switch", switch_fraktion=0.3)


def test_sampler_config_is_importable_from_the_top_level_package():
    import is_keras
    from is_keras import SamplerConfig as TopLevel

    assert TopLevel is SamplerConfig and "SamplerConfig" in is_keras.__all__ and "SamplerConfig" in dir(is_keras)
