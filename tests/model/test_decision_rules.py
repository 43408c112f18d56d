"""Each decision rule does what docs/ODD.md 6.8 says it does; the registry is the one list."""

import re

import numpy as np
import pytest

import sim
from sim import config
from sim.errors import ConfigError
from sim.model import decision_rules, venues
from sim.model.decision_rules import RULES, Bargaining, Consensus, HostProposal, Pledge

RNG = np.random.default_rng(20260)


def _worlds(k=200, n=6):
    """Random ideal depths in [0, 1] and attendance masks with at least one attendee."""
    for _ in range(k):
        ideal = RNG.random(n)
        attended = RNG.random(n) < 0.6
        attended[RNG.integers(n)] = True
        yield ideal, attended, float(RNG.uniform(0.01, 1.0))


# -- consensus ------------------------------------------------------------------------------

def test_consensus_text_is_no_deeper_than_the_least_ambitious_attendee():
    rule = RULES["consensus"]
    for ideal, attended, ambition in _worlds():
        depth = rule.depth(ambition, ideal, attended, host=0)
        assert depth <= ideal[attended].min() and depth <= ambition
        assert depth == min(ambition, ideal[attended].min())  # and no shallower than that


def test_consensus_ignores_the_absent_and_every_attendee_signs():
    rule = RULES["consensus"]
    ideal = np.array([0.6, 0.05, 0.5])
    present = np.array([True, False, True])
    assert rule.depth(0.9, ideal, present, host=0) == 0.5  # the absent 0.05 does not count
    assert not rule.free_choice
    signed, dialogue = rule.signatories(present.copy(), present, host=0)
    assert signed.tolist() == present.tolist() and not dialogue


# -- host proposal --------------------------------------------------------------------------

def test_host_proposal_tables_the_hosts_ideal_capped_by_ambition():
    rule = RULES["host_proposal"]
    for ideal, attended, ambition in _worlds():
        host = int(np.flatnonzero(attended)[0])
        assert rule.depth(ambition, ideal, attended, host) == min(ambition, ideal[host])


def test_host_proposal_without_its_host_tables_the_deepest_attendees_ideal():
    rule = RULES["host_proposal"]
    ideal = np.array([0.2, 0.7, 0.4])
    assert rule.depth(0.9, ideal, np.array([False, True, True]), host=0) == 0.7  # host absent
    assert rule.depth(0.9, ideal, np.array([True, False, True]), host=-1) == 0.4  # lab host


def test_the_host_signs_its_own_text_and_the_rest_choose():
    rule = RULES["host_proposal"]
    attended = np.array([True, True, True])
    willing = np.array([False, True, False])
    signed, dialogue = rule.signatories(willing, attended, host=0)
    assert signed.tolist() == [True, True, False] and not dialogue
    assert rule.free_choice and rule.excludes


# -- bargaining -----------------------------------------------------------------------------

def test_bargain_is_the_lower_ideal_and_narrows_with_rivalry():
    rule = RULES["bargaining"]
    ideal = np.array([0.6, 0.5, 0.9])
    pair = np.array([True, True, False])
    depths = [rule.depth(0.9, ideal, pair, host=-1, narrowing=x) for x in (0.0, 0.1, 0.3, 0.7)]
    assert depths[0] == 0.5  # the lower of the two ideals
    assert depths == sorted(depths, reverse=True) and depths[1] > depths[2]
    assert depths[-1] == 0.0  # a zone of agreement shrunk to nothing


def test_bargaining_needs_exactly_two_parties_and_both_signatures():
    rule = RULES["bargaining"]
    ideal = np.array([0.6, 0.5, 0.9])
    assert rule.depth(0.9, ideal, np.array([True, True, True]), host=-1) == 0.0
    attended = np.array([True, True, False])
    signed, dialogue = rule.signatories(np.array([True, False, False]), attended, host=-1)
    assert not signed.any() and dialogue  # one signature: a dialogue only
    signed, dialogue = rule.signatories(attended.copy(), attended, host=-1)
    assert signed.tolist() == [True, True, False] and not dialogue
    assert rule.parties_meet and rule.dialogue and rule.rivalry_narrows


# -- pledge ---------------------------------------------------------------------------------

def test_pledge_binds_labs_not_countries():
    """A track-two session puts the ambition to the labs: the labs present sign by their own
    utility, no country signs even when every country attends and wants the text."""
    n, n_labs = 3, 2
    setting = venues.Setting(
        rule=RULES["pledge"], host=-1, lab_host_home=-1, invite="all",
        also=np.zeros(n, bool), exclude=np.zeros(n, bool), lab_invite=np.ones(n_labs, bool),
        type=3, ambition=0.2, verification=0.0)
    params = venues.Params(cost=-10.0, sensitivity=5.0, sign_noise=0.01, verification_cost=0.0,
                           like_minded=0.0, lab_follow=0.0, rivalry_narrowing=0.0)
    state = venues.State(
        trust=np.full((n, n), 0.8), legitimacy=np.ones((n, 4)), ideal=np.full(n, 0.9),
        alignment=np.zeros(n), rivalry=np.zeros((n, n)), lab_home=np.array([0, 1]),
        lab_safety=np.array([0.6, 0.6]), lab_propensity=np.ones(n_labs))
    draws = np.concatenate([np.zeros(n), np.zeros(n), np.zeros(n_labs), np.full(n_labs, 0.5)])
    res = venues.hold_session(setting, params, state, draws)
    assert res.attended.all() and not res.signed.any()
    assert res.depth == 0.2 and res.labs_signed.all()


def test_pledge_tables_its_ambition_whoever_comes():
    rule = RULES["pledge"]
    nobody = np.zeros(3, bool)
    assert rule.depth(0.35, np.zeros(3), nobody, host=-1) == 0.35
    assert not rule.countries_sign and rule.track_two


# -- every rule: nothing on the table -------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in RULES if n != "pledge"])
def test_no_ambition_or_nobody_present_tables_nothing(name):
    rule = RULES[name]
    ideal = np.array([0.5, 0.6])
    assert rule.depth(0.0, ideal, np.ones(2, bool), host=0) == 0.0
    assert rule.depth(0.5, ideal, np.zeros(2, bool), host=0) == 0.0


# -- the registry ---------------------------------------------------------------------------

def test_the_registry_holds_one_instance_of_each_rule_under_its_name():
    assert [type(r) for r in RULES.values()] == [Consensus, HostProposal, Bargaining, Pledge]
    assert all(name == r.name for name, r in RULES.items())
    assert config.DECISION_RULES == tuple(RULES)  # the configuration's allowed values
    assert decision_rules.FORUM_RULES == ("consensus", "host_proposal")


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_states_its_source(name):
    """Each class docstring names its form and a source: a seed (000-004), the
    governance_events data or a publication year."""
    doc = type(RULES[name]).__doc__
    assert f"``{name}``" in doc and "ODD 6.8" in doc
    assert re.search(r"\b00[0-4]\b|governance_events|\b(19|20)\d\d\b", doc)


def test_the_registry_rejects_an_unknown_rule_in_one_line():
    with pytest.raises(ConfigError) as exc:
        decision_rules.rule("vote", "scenario.venues.x.decision")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("scenario.venues.x.decision='vote'")
    assert "consensus, host_proposal, bargaining, pledge" in msg


def test_a_scenario_with_an_unknown_rule_is_refused():
    with pytest.raises(ConfigError) as exc:
        sim.load_config("baseline", ["scenario.venues.seoul_2024.decision=vote"])
    msg = str(exc.value)
    assert "scenario.venues.seoul_2024.decision='vote'" in msg and "bargaining" in msg
    with pytest.raises(ConfigError) as exc:  # a counter forum must be multilateral
        sim.load_config("baseline", ["scenario.counter_forum.decision=bargaining"])
    assert "counter_forum.decision='bargaining'" in str(exc.value)
