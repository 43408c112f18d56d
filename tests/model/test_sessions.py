"""The model builds each venue's session setting once, its decision rule from the registry."""

import numpy as np

import sim
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
