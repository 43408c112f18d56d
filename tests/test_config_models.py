"""The pydantic documents of sim.config.models: each refusal is one line naming the key, the
value and what is allowed, with the dotted path of the key in the composed config."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim.config import (
    MAX_SEED,
    PARAMETERS,
    build_run_config,
    build_scenario,
    compose_config,
    load_config,
)
from sim.config.fields import Num, adapter
from sim.config.messages import check
from sim.errors import ConfigError


@pytest.fixture(scope="module")
def base() -> dict:
    """The composed baseline as plain data."""
    return OmegaConf.to_container(compose_config("baseline"), resolve=True)


def refused(data: dict) -> str:
    with pytest.raises(ConfigError) as exc:
        build_run_config(data)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def edited(base: dict, path: str, value, *, delete: bool = False) -> dict:
    data = copy.deepcopy(base)
    *head, last = path.split("/")
    node = data
    for part in head:
        node = node[part]
    if delete:
        del node[last]
    else:
        node[last] = value
    return data


CHINA = "scenario/countries/China"


def test_the_documents_build_the_same_settings_as_the_composed_config(base):
    run = build_run_config(base)
    assert run == load_config("baseline")
    assert run.config_hash == load_config("baseline").config_hash


@pytest.mark.parametrize(("path", "value", "expected"), [
    (f"{CHINA}/hawkishness", "high",
     "scenario.countries.China.hawkishness='high': must be a number in [0.0, 1.0]"),
    (f"{CHINA}/hawkishness", True,
     "scenario.countries.China.hawkishness=True: must be a number in [0.0, 1.0]"),
    (f"{CHINA}/capability", math.inf,
     "scenario.countries.China.capability=inf: must be a finite number in [0.0, 1000.0]"),
    (f"{CHINA}/un_ideal_point", -5,
     "scenario.countries.China.un_ideal_point=-5: must be in [-4.0, 4.0]"),
    (f"{CHINA}/legitimacy/summit", 1.5,
     "scenario.countries.China.legitimacy.summit=1.5: must be in [0.0, 1.0]"),
    (f"{CHINA}/bloc", 3, "scenario.countries.China.bloc=3: must name a bloc"),
    (f"{CHINA}/source", {"*": " "},
     "scenario.countries.China.source.capability=' ': every value needs its provenance"),
    ("scenario/countries", [1, 2], "scenario.countries=[1, 2]: must be a mapping"),
    ("scenario/venues/seoul_2024/type", "conclave",
     "scenario.venues.seoul_2024.type='conclave': must be one of un, summit, bilateral, track2"),
    ("scenario/venues/seoul_2024/invite", ["Korea", 7],
     "scenario.venues.seoul_2024.invite=['Korea', 7]: must be a list of actor names"),
    ("scenario/venues/seoul_2024/every", 1.0,
     "scenario.venues.seoul_2024.every=1.0: must be an integer >= 0"),
    ("scenario/initial_alignment", "random",
     "scenario.initial_alignment='random': must be one of relations, united, split"),
    ("seed", MAX_SEED + 1, f"seed={MAX_SEED + 1}: must be an integer in [0, {MAX_SEED}]"),
    ("steps", True, "steps=True: must be an integer >= 1"),
    ("steps", 601, "steps=601: must be an integer in [1, 600] (months)"),
    ("outcome/window", 0, "outcome.window=0: must be an integer >= 1"),
    ("outcome/depth_threshold", None, "outcome.depth_threshold=None: must be a number in "
     "[0.0, 1.0]"),
])
def test_a_bad_value_names_its_key_value_and_what_is_allowed(base, path, value, expected):
    assert refused(edited(base, path, value)) == expected


def test_a_missing_value_is_required(base):
    msg = refused(edited(base, f"{CHINA}/commitment", None, delete=True))
    assert msg == "scenario.countries.China.commitment=None: is required"


def test_an_unknown_key_is_named_before_what_it_leaves_missing(base):
    data = edited(base, f"{CHINA}/commitment", None, delete=True)
    data["scenario"]["countries"]["China"]["commitmnet"] = 0.2  # the typo explains the gap
    msg = refused(data)
    assert msg.startswith("scenario.countries.China.commitmnet=0.2: unknown key; allowed: ")
    assert "commitment" in msg and "legitimacy" in msg
    assert refused(edited(base, "typo", 1)).startswith("config.typo=1: unknown key; allowed: ")


def test_a_bilateral_venue_invites_two_countries(base):
    venue = next(n for n, v in base["scenario"]["venues"].items() if v["type"] == "bilateral")
    msg = refused(edited(base, f"scenario/venues/{venue}/invite", ["China"]))
    assert msg == (f"scenario.venues.{venue}.invite=('China',): a bilateral venue invites two "
                   "countries")


def government(base: dict, **event) -> dict:
    doc = {"date": "2024-01", "kind": "government", "actor": "China",
           "source": "assumption: a test", **event}
    return edited(base, "scenario/events/new_government", doc)


def test_a_change_of_government_keeps_the_order_written_and_names_an_unknown_attribute(base):
    changes = {"legitimacy": {"summit": -0.2, "un": -0.1}, "risk_concern": 0.1}
    run = build_run_config(government(base, changes=changes))
    event = next(e for e in run.scenario.events if e.id == "new_government")
    assert event.changes == (("legitimacy.summit", -0.2), ("legitimacy.un", -0.1),
                             ("risk_concern", 0.1))
    msg = refused(government(base, changes={"charisma": 0.3}))
    assert msg.startswith("scenario.events.new_government.changes.charisma=0.3: unknown "
                          "attribute; allowed: risk_concern, hawkishness, legitimacy.un")
    msg = refused(government(base, changes={"legitimacy": {"un": -2}}))
    assert msg == "scenario.events.new_government.changes.legitimacy.un=-2: must be in [-1.0, 1.0]"
    assert "changes something or withdraws" in refused(government(base))
    assert refused(government(base, withdraw="yes")) == (
        "scenario.events.new_government.withdraw='yes': must be true or false")


def test_only_a_government_event_takes_changes(base):
    doc = {"date": "2024-01", "kind": "rivalry", "actor": "China", "targets": ["Japan"],
           "delta": 0.1, "withdraw": True, "source": "assumption: a test"}
    msg = refused(edited(base, "scenario/events/odd", doc))
    assert msg == ("scenario.events.odd.changes=True: only a 'government' event takes changes "
                   "or withdraw")
    del doc["withdraw"], doc["delta"]
    assert refused(edited(base, "scenario/events/odd", doc)) == (
        "scenario.events.odd.delta=None: must be a number in [-1.0, 1.0]")


def test_synthetic_states_need_ordered_ranges_within_bounds(base):
    sc = copy.deepcopy(base["scenario"])
    sc["synthetic_states"] = {"count": 3, "seed": 1, "source": "assumption: a test",
                              "legitimacy": {"un": 0.5, "summit": 0.5, "bilateral": 0.5,
                                             "track2": 0.5},
                              "capability": [0.01, 0.05], "hawkishness": [0.2, 0.4],
                              "risk_concern": [0.3, 0.5], "commitment": [0.1, 0.2],
                              "un_ideal_point": [-1.0, 1.0]}
    assert len(build_scenario(sc).countries) == len(base["scenario"]["countries"]) + 3
    for value, allowed in (([0.4, 0.2], "low must not exceed high"),
                           ([0.1, 0.2, 0.3], "must be a range [low, high]"),
                           ([0.1, 2.0], "must be in [0.0, 1.0]")):
        sc["synthetic_states"]["hawkishness"] = value
        with pytest.raises(ConfigError) as exc:
            build_scenario(sc)
        assert str(exc.value).startswith("scenario.synthetic_states.hawkishness=")
        assert str(exc.value).endswith(allowed)


def test_counter_forum_decision_is_one_of_two_rules(base):
    forum = {"type": "summit", "decision": "bargaining", "ambition": 0.4, "verification": 0.2,
             "every": 6, "source": "assumption: a test"}
    assert refused(edited(base, "scenario/counter_forum", forum)) == (
        "scenario.counter_forum.decision='bargaining': must be one of consensus, host_proposal")


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**30, 10**30))
def test_a_number_is_accepted_exactly_when_finite_and_within_bounds(x):
    spec = PARAMETERS["trust_gain"]
    ok = math.isfinite(x) and spec.lo <= x <= spec.hi
    if ok:
        assert check(adapter(Num(spec.lo, spec.hi)), "k", x) == float(x)
    else:
        with pytest.raises(ConfigError) as exc:
            check(adapter(Num(spec.lo, spec.hi)), "k", x)
        assert str(exc.value).startswith("k=") and "[0, 1]" in str(exc.value)
