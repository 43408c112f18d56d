"""Bad input is refused with one message naming the key, the value and what is allowed."""

import pytest

import sim
from sim.config import MAX_STEPS, month_index, month_label, parse_month
from sim.errors import ConfigError


def err(scenario="baseline", overrides=(), **kw):
    with pytest.raises(ConfigError) as exc:
        sim.load_config(scenario, overrides, **kw)
    return str(exc.value)


def test_steps_must_be_positive():
    msg = err(steps=-3)
    assert msg.startswith("steps=-3") and ">= 1" in msg
    assert str(MAX_STEPS) in err(steps=MAX_STEPS + 1)


def test_seed_must_be_an_integer():
    assert err(overrides=["seed=abc"]).startswith("seed='abc'")
    assert "integer" in err(overrides=["seed=-1"])


def test_relation_weight_out_of_range():
    msg = err(overrides=["scenario.constants.relation_alliance=1.7"])
    assert "scenario.constants.relation_alliance=1.7" in msg and "[0" in msg
    assert "scenarios/baseline.yaml" in msg  # which scenario the override was applied to


def test_parameter_out_of_declared_range_names_the_range():
    msg = err(overrides=["scenario.uncertainties.trust_gain.value=0.9"])
    assert "trust_gain.value=0.9" in msg and "declared range" in msg
    msg = err(overrides=["scenario.uncertainties.trust_gain=1.5"])  # a bare override
    assert "trust_gain=1.5" in msg


def test_unknown_scenario_lists_the_available_ones():
    msg = err(scenario="atlantis")
    assert "atlantis" in msg and "baseline" in msg


def test_lab_home_must_be_in_roster():
    msg = err(overrides=["scenario.labs.OpenAI.home=Atlantis"])
    assert "scenario.labs.OpenAI.home='Atlantis'" in msg and "roster" in msg


def test_venue_inviting_unknown_actor():
    msg = err(overrides=["scenario.venues.seoul_2024.invite=[Korea,Atlantis]"])
    assert "scenario.venues.seoul_2024.invite='Atlantis'" in msg


def test_typo_key_is_refused():
    msg = err(overrides=["+typo=1"])
    assert msg.startswith("config.typo=1") and "allowed" in msg


def test_unknown_parameter_is_refused():
    msg = err(overrides=["+scenario.uncertainties.trust_gian=0.1"])
    assert "trust_gian" in msg and "unknown parameter" in msg


def test_every_parameter_needs_provenance():
    msg = err(overrides=["scenario.uncertainties.trust_gain.source=''"])
    assert "provenance" in msg


def test_missing_value_marker_is_refused():
    msg = err(overrides=["steps=???"])
    assert msg.startswith("steps=") and "required" in msg


def test_months():
    assert parse_month("k", "2024-05-14") == (2024, 5)
    assert month_index((2023, 7), (2024, 5)) == 10
    assert month_label((2023, 7), 10) == "2024-05"
    with pytest.raises(ConfigError):
        parse_month("k", "2024-13")
