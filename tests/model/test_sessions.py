"""The model builds each venue's session setting once, its decision rule from the registry."""

import numpy as np

import sim
from sim.model import venues
from sim.model.decision_rules import RULES


def test_each_venue_setting_takes_its_rule_from_the_registry():
    model = sim.build_model("baseline", steps=2)
    venues = {v.name: v for v in model.run_config.scenario.venues}
    assert set(model._venues) == set(venues)
    for name, setting in model._venues.items():
        assert setting.rule is RULES[venues[name].decision]


def test_a_bilateral_setting_names_the_two_parties_whose_rivalry_narrows_the_bargain():
    model = sim.build_model("baseline", steps=2)
    bilateral = [(n, s) for n, s in model._venues.items() if s.rule.rivalry_narrows]
    assert bilateral
    us, cn = model.country_index["United States"], model.country_index["China"]
    for _, setting in bilateral:
        assert setting.parties == tuple(sorted((us, cn)))
        assert np.array_equal(setting.invited, setting.invite)  # both invited, nobody else
    others = [s for s in model._venues.values() if not s.rule.rivalry_narrows]
    assert all(s.parties is None for s in others)


def test_a_bargaining_venue_listing_fewer_than_two_countries_has_no_parties():
    model = sim.build_model("baseline", ["scenario.venues.woodside_2023.type=summit",
                                         "scenario.venues.woodside_2023.invite=[United States]"],
                            steps=2)
    assert model._venues["woodside_2023"].parties is None


def _run_with_form(dense: bool, steps: int = 60):
    model = sim.build_model("baseline", steps=steps)
    model._dense_sessions = dense
    return model.run()


def test_session_effects_on_the_whole_matrix_are_the_effects_on_the_rows():
    dense, rows = _run_with_form(True), _run_with_form(False)
    assert dense.sessions == rows.sessions and len(dense.sessions) > 10
    assert np.array_equal(dense.trust, rows.trust)
    assert dense.ledger.rows == rows.ledger.rows
    for cause in ("cosigning", "dialogue", "exclusion", "bounds"):
        assert np.array_equal(dense.ledger.cumulative[cause], rows.ledger.cumulative[cause])


def test_both_forms_clip_the_rows_a_session_changes_and_only_those():
    models = [sim.build_model("baseline", steps=2) for _ in range(2)]
    venue = next(v for v in models[0].run_config.scenario.venues
                 if RULES[v.decision].excludes and v.invite != "all")
    n, labs = models[0].n, len(models[0].lab_names)
    rng = np.random.default_rng(2)
    wild = rng.uniform(-0.2, 1.2, (n, n))
    signed = np.zeros(n, bool)
    signed[:4] = True
    excluded = np.zeros(n, bool)
    excluded[-3:] = True
    res = venues.SessionResult(
        depth=0.4, invited=~excluded, attended=~excluded, signed=signed, excluded=excluded,
        labs_invited=np.zeros(labs, bool), labs_attended=np.zeros(labs, bool),
        labs_signed=np.zeros(labs, bool), dialogue_only=False)
    for model, dense in zip(models, (True, False), strict=True):
        model._dense_sessions = dense
        model.trust = wild.copy()
        model._apply_session(venue, res)
    dense_m, rows_m = models
    assert np.array_equal(dense_m.trust, rows_m.trust)
    changed = signed | excluded
    assert np.array_equal(dense_m.trust[~changed], wild[~changed])  # untouched rows as they were
    assert dense_m.trust[changed].min() >= 0 and dense_m.trust[changed].max() <= 1
    assert dense_m.ledger._month == rows_m.ledger._month
    assert dense_m.ledger._month["bounds"] != 0
