"""sim.app.levers: what the page changes equals the overrides it shows."""

import pytest

import sim
from sim.app import levers as lv


@pytest.fixture(scope="module")
def club():
    return sim.load_config("exclusive_club")


def test_levers_and_uncertainties_come_from_the_scenario_declarations(baseline_run):
    names = [p.name for p in lv.levers(baseline_run)]
    assert "safety_for_compute" in names and "trust_gain" not in names
    deal = next(p for p in lv.levers(baseline_run) if p.name == "safety_for_compute")
    assert deal.is_switch and deal.value is False and deal.source
    unc = {p.name: p for p in lv.uncertainties(baseline_run)}
    assert unc["trust_gain"].low == 0.01 and unc["trust_gain"].high == 0.15
    assert unc["trust_gain"].source.startswith("assumption")
    assert unc["trust_gain"].label[0].isupper()


def test_venue_levers_are_the_recurring_multilateral_venues(baseline_run, club):
    assert {v.name for v in lv.venue_levers(baseline_run)} == {"summit_series", "un_capacity"}
    summit = next(v for v in lv.venue_levers(club) if v.name == "summit_series")
    assert summit.excluded == ("China", "Russia")
    assert "United Kingdom" not in summit.candidates  # the host


@pytest.mark.parametrize("scenario, choice", [
    ("baseline", lv.Choice({"safety_for_compute": True, "deal_easing": 0.2})),
    ("baseline", lv.Choice(excluded={"summit_series": ("China",)})),
    ("baseline", lv.Choice(excluded={"summit_series": ("United States", "China")})),
    ("exclusive_club", lv.Choice(excluded={"summit_series": ("Russia",)})),
    ("exclusive_club", lv.Choice(excluded={"summit_series": ("Russia",)},
                                 invited={"summit_series": ("India", "China")})),
    ("baseline", lv.Choice(invited={"summit_series": ("Brazil",)})),
])
def test_apply_equals_the_shown_overrides(scenario, choice):
    run = sim.load_config(scenario)
    changed = lv.apply(run, choice)
    ov = lv.overrides(run, choice)
    assert ov
    assert sim.load_config(scenario, ov).config_hash == changed.config_hash
    assert changed.config_hash != run.config_hash


def test_a_choice_equal_to_the_scenario_changes_nothing(club):
    same = lv.Choice({"safety_for_compute": False}, {"summit_series": ("Russia", "China")})
    assert lv.overrides(club, same) == []
    assert lv.apply(club, same) is club


def test_unknown_names_are_refused(baseline_run):
    with pytest.raises(ValueError, match="not a lever"):
        lv.apply(baseline_run, lv.Choice({"trust_gain": 0.1}))
    with pytest.raises(ValueError, match="recurring multilateral venue"):
        lv.apply(baseline_run, lv.Choice(excluded={"woodside_2023": ("China",)}))
    with pytest.raises(ValueError, match="cannot be shut out"):
        lv.apply(baseline_run, lv.Choice(excluded={"summit_series": ("United Kingdom",)}))


def test_commands_reproduce_the_page(baseline_run):
    cmds = lv.commands("baseline", "baseline", baseline_run,
                       lv.Choice(excluded={"summit_series": ("China",)}), seeds=50, seed=3)
    assert cmds["run"] == ("aigov scenario=baseline seed=3 "
                           "'+scenario.venues.summit_series.exclude=[China]'")
    assert "seed=range(0,50)" in cmds["seeds"] and "note" in cmds and "compare" not in cmds
    plain = lv.commands("exclusive_club", "baseline", sim.load_config("exclusive_club"),
                        lv.Choice(), seeds=20, seed=0)
    assert plain["compare"] == "aigov-compare baseline exclusive_club --seeds 20"
    assert "note" not in plain


def test_slider_steps_land_on_the_declared_values(baseline_run):
    for p in lv.levers(baseline_run):
        if p.is_switch:
            continue
        lo, hi = p.slider_range()
        step = p.slider_step()
        assert (hi - lo) / step >= 20
        k = (p.value - lo) / step
        assert k == pytest.approx(round(k), abs=1e-6), p.name


def test_a_venue_lever_says_who_is_invited_besides_who_is_shut_out():
    import sim

    club = {v.name: v for v in lv.venue_levers(sim.load_config("exclusive_club"))}
    summits = club["summit_series"]
    assert summits.excluded == ("China", "Russia") and summits.invite == "like_minded"
    assert "China" not in summits.also_invite and "India" in summits.also_invite
    text = summits.invitation()
    assert "United Kingdom's side" in text and "always India" in text
    assert "does not invite it" in text


def test_letting_a_country_in_invites_it(club):
    """exclusive_club's summits ask only the host's side: taking China off the shut-out list
    leaves it uninvited; adding it to the always-invited list brings it to the table."""
    china_in = lv.apply(club, lv.Choice(excluded={"summit_series": ("Russia",)},
                                        invited={"summit_series": ("India", "China")}))
    only_unbarred = lv.apply(club, lv.Choice(excluded={"summit_series": ("Russia",)}))

    def invited(run):
        model = sim.run(run, seed=0, steps=36).model
        return [r.invitees for r in model.sessions if r.venue == "summit_series"]

    assert invited(china_in) and all("China" in who for who in invited(china_in))
    assert not any("China" in who for who in invited(only_unbarred))
    with pytest.raises(ValueError, match="cannot be invited to"):
        lv.apply(club, lv.Choice(invited={"summit_series": ("United Kingdom",)}))


def test_a_country_is_either_shut_out_or_always_invited():
    assert lv.keep_apart(("China",), ("India", "China", "Brazil")) == ("India", "Brazil")
    assert lv.keep_apart((), ("India",)) == ("India",)
