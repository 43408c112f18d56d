"""Back-test (sim/studies/backtest/): scoring by hand, the schema reader, the history run, no
leak of endorsement data into the model, the command line and a tiny calibration."""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from sim.config import build_scenario, compose_config, load_config
from sim.errors import ConfigError
from sim.model.model import GovernanceModel
from sim.studies import backtest as bt

SYNTHETIC = """
schema: 1
outcomes:
  - id: talk_only
    date: 2024-02-10
    venue_type: bilateral
    host: Switzerland (location only)
    instrument: null
    present: [United States, China]
    endorsed: []
    not_endorsed: []
  - id: un_resolution
    date: 2023-09-12
    venue_type: un
    host: Brazil
    instrument: a resolution
    present: all UN members
    endorsed: all UN members
    not_endorsed: []
  - id: club_statement
    date: 2023-12-01
    venue_type: summit
    host: Korea and United Kingdom
    instrument: a statement
    present: [United States, China, United Kingdom, France, Narnia]
    endorsed: [United States, United Kingdom, France]
    not_endorsed: [China]
    labs_present: [OpenAI, Acme AI]
  - id: lab_pledge
    date: 2024-02-20
    venue_type: summit
    host: Korea
    instrument: company pledges
    present: labs invited to the summit
    endorsed: [OpenAI, Anthropic, Alibaba]
    not_endorsed: [Baidu, Acme AI]
export_controls:
  - id: controls_x
    date: 2023-10-17
    imposed_by: United States
    targets: [China, Narnia]
    measure: chips
    direction: tighten
  - id: tariffs_x
    date: 2024-01-05
    imposed_by: United States
    targets: China
    direction: rivalry
context:
  - id: concern_x
    date: 2023-11-01
    actor: United Kingdom
    variable: risk_concern
    direction: up
    note: a new policy line
"""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.yaml"
    path.write_text(SYNTHETIC)
    return path


@pytest.fixture(scope="module")
def baseline():
    return load_config("baseline")


@pytest.fixture(scope="module")
def roster(baseline) -> bt.Roster:
    return bt.Roster.of(baseline.scenario)


# -- scoring by hand --------------------------------------------------------------------------


@pytest.mark.parametrize(("predicted", "actual", "expected"), [
    ({"a", "b"}, {"b", "c"}, 0.5),            # 2*1 / (2 + 2)
    ({"a", "b", "c"}, {"a", "b"}, 0.8),       # 2*2 / (3 + 2)
    ({"a"}, {"a"}, 1.0),
    (set(), set(), 1.0),                      # no text, nobody signs: right
    ({"a"}, set(), 0.0),                      # someone signs a text that does not exist
    (set(), {"a", "b"}, 0.0),                 # nobody signs a real text
    ({"a", "x", "y", "z"}, {"a", "b"}, 2 / 6),
])
def test_f1_matches_hand_computation(predicted, actual, expected):
    assert bt.f1(frozenset(predicted), frozenset(actual)) == pytest.approx(expected)


def test_key_actor_hits_compare_yes_and_no():
    hits = bt.key_actor_hits({"US", "UK"}, {"US", "CN"}, ["US", "CN", "UK", "EU"])
    assert hits == {"US": True, "CN": False, "UK": False, "EU": True}


def test_objective_means_outcomes_first_and_counts_key_errors():
    scores = [bt.Score("a", 0, 1.0, {"US": True, "CN": False}, frozenset()),
              bt.Score("a", 1, 0.5, {"US": True, "CN": True}, frozenset()),
              bt.Score("b", 0, 0.0, {}, frozenset()),
              bt.Score("b", 1, 0.5, {}, frozenset())]
    mean_f1, err, obj = bt.objective(scores, penalty=2.0)
    assert mean_f1 == pytest.approx((0.75 + 0.25) / 2)
    assert err == pytest.approx(1 / 4)
    assert obj == pytest.approx(0.5 - 2.0 * 0.25)


# -- names and the schema reader --------------------------------------------------------------


def test_names_map_to_the_roster(roster):
    assert bt.roster_name("Alibaba", roster) == "Alibaba (Qwen)"
    assert bt.roster_name("01.AI", roster) == "01.AI (Yi)"
    assert bt.roster_name("korea", roster) == "Korea"
    assert bt.roster_name("France", roster) is None
    assert bt.host_actor("Korea and United Kingdom", roster) == "Korea"
    assert bt.host_actor("United Kingdom", roster) == "United Kingdom"
    assert bt.host_actor("Switzerland (location only)", roster) == ""
    assert bt.host_actor("private mediator (Geneva)", roster) == ""


def test_reader_plans_sessions_from_the_schema(synthetic, roster, baseline):
    ev = bt.read_events(synthetic)
    assert [o.id for o in ev.outcomes] == ["un_resolution", "club_statement", "talk_only",
                                           "lab_pledge"]  # by date, file order within a month
    plans = {o.id: bt.plan_session(o, roster, baseline.scenario.start) for o in ev.outcomes}
    assert plans["un_resolution"].invite == "all"
    assert plans["un_resolution"].host == "Brazil"
    club = plans["club_statement"]
    assert club.invite == ("United States", "China", "United Kingdom")
    assert club.host == "Korea" and club.labs == ("OpenAI",) and club.month == 5
    lab = plans["lab_pledge"]
    assert lab.template == bt.LAB_PLEDGE and lab.invite == ()
    assert set(lab.labs) == {"OpenAI", "Anthropic", "Alibaba (Qwen)", "Baidu"}
    assert plans["talk_only"].host == "" and not plans["talk_only"].has_instrument
    truths = {o.id: bt.truth(o, roster) for o in ev.outcomes}
    assert truths["un_resolution"] == frozenset(roster.countries)
    assert truths["club_statement"] == {"United States", "United Kingdom"}
    assert truths["lab_pledge"] == {"OpenAI", "Anthropic", "Alibaba (Qwen)"}


def test_shocks_become_signed_events_of_baseline_size(synthetic, roster, baseline):
    ev = bt.read_events(synthetic)
    size = bt.shock_magnitudes(baseline.scenario.events)
    controls = [abs(e.delta) for e in baseline.scenario.events if e.kind == "controls"]
    assert size["controls"] == pytest.approx(statistics.median(controls))
    attitudes = [abs(e.delta) for e in baseline.scenario.events
                 if e.kind in ("risk_concern", "hawkishness", "legitimacy")]
    assert size["risk_concern"] == pytest.approx(statistics.median(attitudes))
    events = {e.id: e for e in bt.file_events(ev.shocks, roster, baseline.scenario.start, size)}
    assert events["controls_x"].targets == ("China",)  # Narnia ignored
    assert events["controls_x"].delta == pytest.approx(size["controls"])
    assert size["controls"] > 0
    assert events["tariffs_x"].kind == "rivalry" and events["tariffs_x"].month == 6
    assert events["concern_x"].kind == "risk_concern" and events["concern_x"].delta > 0


def test_a_file_event_supersedes_the_scenarios_own(baseline, roster):
    own = baseline.scenario.events
    ev = bt.EventsFile(Path("x"), (), (
        bt.RealShock("us_tariffs_2024", (2024, 5), "rivalry", "United States", ("China",), 1.0,
                     None),
        bt.RealShock("gaigi_renamed", (2023, 10), "legitimacy", "China", (), 1.0, "un")))
    given = bt.file_events(ev.shocks, roster, baseline.scenario.start,
                           bt.shock_magnitudes(own))
    merged = bt.merge_events(own, given)
    assert [e.id for e in merged].count("us_tariffs_2024") == 1
    assert "china_gaigi_2023" not in {e.id for e in merged}  # same kind, actor and month
    assert len(merged) == len(own)


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d["outcomes"][0].pop("present"), "present"),
    (lambda d: d["outcomes"][1].update(venue_type="conclave"), "venue_type"),
    (lambda d: d["outcomes"][1].update(date="2023-13"), "date"),
    (lambda d: d["export_controls"][0].update(direction="sideways"), "direction"),
    (lambda d: d["outcomes"][2].update(id="un_resolution"), "un_resolution"),
    (lambda d: d["outcomes"][2].update(endorsed="everyone"), "endorsed"),
    (lambda d: d["outcomes"][1].update(asks="audits"), "asks"),
])
def test_reader_rejects_bad_files(tmp_path, edit, needle):
    data = yaml.safe_load(SYNTHETIC)
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=needle):
        bt.read_events(path)


# -- the optional `asks` field ------------------------------------------------------------------


def _asks_file(tmp_path: Path, asks: dict[str, str]) -> Path:
    data = yaml.safe_load(SYNTHETIC)
    for o in data["outcomes"]:
        if o["id"] in asks:
            o["asks"] = asks[o["id"]]
    path = tmp_path / "asks.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_asks_sets_a_texts_verification_and_its_absence_reads_the_title(
        synthetic, baseline, tmp_path):
    tmpl = bt.templates(baseline.scenario)
    plain, plans = bt.history_run(baseline, bt.read_events(synthetic))  # a file without `asks`
    by_id = {p.id: p for p in plans}
    assert by_id["club_statement"].asks == "none" and by_id["club_statement"].asks_inferred
    assert by_id["talk_only"].asks is None  # no text, nothing to read
    verif = {v.name: v.verification for v in plain.scenario.venues}
    assert verif["club_statement"] == tmpl["asks_none"][1] == bt.ASKS_BOUNDS["none"][0]
    asked = bt.read_events(_asks_file(tmp_path, {"club_statement": "testing",
                                                 "talk_only": "testing"}))
    run, plans = bt.history_run(baseline, asked)
    verif = {v.name: v.verification for v in run.scenario.venues}
    assert verif["club_statement"] == tmpl["asks_testing"][1] == bt.ASKS_PRIOR["testing"]
    assert not {p.id: p for p in plans}["club_statement"].asks_inferred
    assert verif["un_resolution"] == tmpl["asks_none"][1]  # "a resolution": names no step
    assert verif["talk_only"] == 0.0  # no text: `asks` has nothing to apply to
    free = {f.name for f in bt.free_parameters(baseline, plans)}
    assert "history_asks_testing.verification" in free
    assert "history_summit.verification" not in free  # every summit text has a level
    assert "history_asks_reporting.verification" not in free  # no text uses the level


@pytest.mark.parametrize(("title", "venue_type", "level"), [
    ("statement on pre-deployment safety testing (day 2)", "summit", "testing"),
    ("commitments to red-team frontier models", "summit", "testing"),
    ("pledges to publish safety frameworks", "summit", "reporting"),
    ("a code of conduct with transparency reports", "summit", "reporting"),
    ("Bletchley Declaration", "summit", "none"),
    ("A/RES/78/311, international cooperation on AI capacity-building", "un", "none"),
    ("contested attestation of the latest text", "un", "none"),  # no word of a step
    ("Framework Convention on Artificial Intelligence", "treaty", "reporting"),
])
def test_asks_level_is_read_from_the_title(title, venue_type, level):
    assert bt.infer_asks(title, venue_type) == level


def test_history_scenario_declares_one_verification_per_asks_level():
    """Each level has its value in its range; it is calibrated exactly when a country text of
    the real file asks it (and the level is not fixed by definition), else it is its prior."""
    run = load_config("history")
    named = {v.name: v for v in run.scenario.venues}
    declared = yaml.safe_load(bt.HISTORY_YAML.read_text())["venues"]
    ev = bt.read_events(bt.DEFAULT_EVENTS)
    assert all(o.asks in bt.ASKS_LEVELS for o in ev.outcomes if o.has_instrument)
    _, plans = bt.history_run(run, ev)
    fitted = {p.asks for p in plans if p.has_instrument and p.template != bt.LAB_PLEDGE}
    fitted -= set(bt.ASKS_FIXED)
    values = []
    for level in bt.ASKS_LEVELS:
        name = f"{bt.TEMPLATE_PREFIX}{bt.ASKS_PREFIX}{level}"
        lo, hi = bt.ASKS_BOUNDS[level]
        assert lo <= named[name].verification <= hi
        source = declared[name]["source"]
        assert f"range [{lo:g}, {hi:g}]" in source
        if level in fitted:
            assert source.startswith("calibrated: aigov-backtest")
        else:
            assert named[name].verification == bt.ASKS_PRIOR[level]
            assert source.startswith(("prior: ", "definition: "))
        values.append(named[name].verification)
    assert values == sorted(values)  # asking more never reads as less verifiable


def test_real_file_is_scored_the_same_without_the_field(tmp_path):
    """The scorer works on a file of the shared schema (no `asks`): every text then gets the
    level read from its title, which on the real file is the level the annotation gives."""
    data = yaml.safe_load(bt.DEFAULT_EVENTS.read_text())
    given = {o["id"]: o.get("asks") for o in data["outcomes"]}
    for o in data["outcomes"]:
        o.pop("asks", None)
        o.pop("asks_note", None)
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(data))
    run, ev, plans = bt.load_history("history", bt.read_events(path))
    assert {p.id: p.asks for p in plans} == given
    tmpl = bt.templates(load_config("history").scenario)
    verif = {v.name: v.verification for v in run.scenario.venues}
    assert verif["bletchley_safety_testing_statement_2023"] == tmpl["asks_testing"][1]
    report = bt.backtest(run, ev, plans, range(5))
    assert len(report["per_outcome"]) == 10 and report["mean_f1"] >= 0.9
    for r in report["per_outcome"]:
        assert all(r["key_actors_correct"].values()), r["id"]


LATER = """
schema: 1
outcomes:
  - id: convention_signing
    date: 2024-09-05
    venue_type: treaty
    host: Council of a region
    instrument: Framework Convention on a technology
    present: [United States, United Kingdom, EU, Canada, Japan]
    endorsed: [United States, United Kingdom, EU]
    not_endorsed: []
  - id: institutes_network
    date: 2024-11-20
    venue_type: summit
    host: United States
    instrument: mission statement of a network that tests and evaluates frontier models
    present: [United States, United Kingdom, EU, Canada, Japan, Korea, Singapore]
    endorsed: [United States, United Kingdom, EU, Canada, Japan, Korea, Singapore]
    not_endorsed: []
  - id: leaders_statement
    date: 2024-11-16
    venue_type: bilateral
    host: Peru (location only)
    instrument: joint statement on human control
    present: [United States, China]
    endorsed: [United States, China]
    not_endorsed: []
  - id: summit_declaration
    date: 2025-02-11
    venue_type: summit
    host: France
    instrument: a summit statement
    present: [United States, China, United Kingdom, EU, India, Canada, Japan, Brazil]
    endorsed: [China, EU, India, Canada, Japan, Brazil]
    not_endorsed: [United States, United Kingdom]
"""


def test_a_later_file_of_the_shared_schema_scores_without_asks(tmp_path):
    """A file of the shared schema (no `asks`) dated after the 2023-24 window, with a treaty, a
    second session of a bilateral channel and a host off the roster, is scored without error:
    levels read from the titles, F1 in [0, 1], key actors reported for every country text."""
    path = tmp_path / "later.yaml"
    path.write_text(LATER)
    run, ev, plans = bt.load_history("history", bt.read_events(path))
    levels = {p.id: p.asks for p in plans}
    assert levels == {"convention_signing": "reporting", "institutes_network": "testing",
                      "leaders_statement": "none", "summit_declaration": "none"}
    assert all(p.asks_inferred for p in plans)
    assert {v.name: v.decision for v in run.scenario.venues if v.months}["convention_signing"] \
        == "host_proposal"
    report = bt.backtest(run, ev, plans, range(3))
    assert [r["id"] for r in report["per_outcome"]] == [
        "convention_signing", "institutes_network", "leaders_statement", "summit_declaration"]
    for r in report["per_outcome"]:
        assert 0.0 <= r["f1"] <= 1.0 and set(r["key_actors_correct"]) == set(bt.KEY_ACTORS)


# -- the history run ---------------------------------------------------------------------------


def test_history_run_holds_one_session_per_outcome_at_its_month(synthetic, baseline):
    ev = bt.read_events(synthetic)
    run, plans = bt.history_run(baseline, ev)
    assert run.steps == 30  # July 2023 - December 2025
    model = GovernanceModel(run).run()
    got = [(s.venue, s.month) for s in model.sessions]
    assert got == [(o.id, f"{o.ym[0]}-{o.ym[1]:02d}") for o in ev.outcomes]
    by_id = {s.venue: s for s in model.sessions}
    assert by_id["lab_pledge"].decision == "pledge"
    assert set(by_id["lab_pledge"].labs_signed) <= set(plans[-1].labs)
    assert by_id["talk_only"].signatories == () and by_id["talk_only"].dialogue_only


def test_real_file_replays_its_ten_outcomes():
    run, ev, plans = bt.load_history("history")
    assert len(ev.outcomes) == 10
    model = GovernanceModel(run).run()
    assert [s.venue for s in model.sessions] == [o.id for o in ev.outcomes]
    assert [s.month for s in model.sessions] == [f"{o.ym[0]}-{o.ym[1]:02d}" for o in ev.outcomes]
    assert run.steps >= 30


def test_each_outcome_renews_its_own_regime_except_a_bilateral_channel():
    run, ev, _ = bt.load_history("history")
    series = {v.name: v.series for v in run.scenario.venues if v.months}
    channel = series["woodside_biden_xi_2023"]
    assert series["us_china_geneva_dialogue_2024"] == channel  # the dialogue Woodside opened
    others = [s for k, s in series.items() if s != channel]
    assert len(others) == len(set(others)) == 8  # Bletchley and Seoul, the two UNGA texts apart
    assert run.scenario.counter_forum is None  # the file is the calendar


def _shuffled(ev: bt.EventsFile, rng: random.Random, roster: bt.Roster) -> bt.EventsFile:
    """The same file with every outcome's endorsers redrawn from those at the table."""
    out = []
    for o in ev.outcomes:
        if o.endorsed == bt.ALL_UN:
            pool = list(roster.countries)
        else:
            pool = sorted(set(bt.at_table(o)))
        endorsed = tuple(x for x in pool if rng.random() < 0.5)
        rest = tuple(x for x in pool if x not in endorsed)
        if o.endorsed == bt.ALL_UN:
            rest = ()
        out.append(bt.RealOutcome(o.id, o.ym, o.venue_type, o.host, o.has_instrument,
                                  o.present, endorsed or pool[:1], rest, o.labs_present,
                                  o.asks))
    return bt.EventsFile(ev.path, tuple(out), ev.shocks)


def test_no_endorsement_data_reaches_the_model():
    run0 = load_config("history")
    ev = bt.read_events(bt.DEFAULT_EVENTS)
    roster = bt.Roster.of(run0.scenario)
    shuffled = _shuffled(ev, random.Random(7), roster)
    a, _ = bt.history_run(run0, ev)
    b, plans_b = bt.history_run(run0, shuffled)
    assert a.scenario.venues == b.scenario.venues and a.scenario.events == b.scenario.events
    goals_a = bt.targets(ev, plans_b, roster)
    goals_b = bt.targets(shuffled, plans_b, roster)
    assert [g.truth for g in goals_a] != [g.truth for g in goals_b]
    for seed in (0, 1):
        assert bt.simulate(a, seed) == bt.simulate(b, seed)


# -- command line ------------------------------------------------------------------------------


def test_json_report_keys(synthetic, tmp_path, capsys):
    bt.main(["--events", str(synthetic), "--seeds", "2", "--json", "--out", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"per_outcome", "mean_f1"}
    assert [r["id"] for r in report["per_outcome"]] == ["un_resolution", "club_statement",
                                                       "talk_only", "lab_pledge"]
    for r in report["per_outcome"]:
        assert {"id", "f1", "key_actors_correct"} <= set(r) and 0 <= r["f1"] <= 1
    assert report["per_outcome"][3]["key_actors_correct"] == {}  # lab pledge
    assert set(report["per_outcome"][1]["key_actors_correct"]) == set(bt.KEY_ACTORS)
    assert report["mean_f1"] == pytest.approx(sum(r["f1"] for r in report["per_outcome"]) / 4)
    assert (tmp_path / "backtest.csv").is_file() and (tmp_path / "backtest.png").is_file()


def test_missing_field_exits_2_with_one_line(tmp_path):
    data = yaml.safe_load(SYNTHETIC)
    del data["outcomes"][2]["not_endorsed"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    proc = subprocess.run([sys.executable, "-m", "sim.studies.backtest", "--events", str(bad),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "not_endorsed" in lines[0] and "club_statement" in lines[0]


@pytest.mark.parametrize(("argv", "needle"), [
    (["--seeds", "-3"], "-3"),
    (["--seeds", "two"], "two"),
    (["--events", "/nonexistent/events.yaml"], "not found"),
])
def test_bad_arguments_exit_2(argv, needle, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        bt.main([*argv, "--out", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and needle in err and "\n" not in err


# -- the history scenario and calibration ------------------------------------------------------


def test_history_scenario_is_silent_on_its_own_and_has_templates():
    run = load_config("history")
    assert all(not v.months for v in run.scenario.venues)
    assert GovernanceModel(run).run().sessions == []
    names = {v.name for v in run.scenario.venues}
    assert {bt.TEMPLATE_PREFIX + k for k in bt.VENUE_RULES} <= names


def test_history_calibrated_values_carry_provenance():
    run = load_config("history")
    base = load_config("baseline")
    changed = [n for n in bt.FREE_PARAMS if run.scenario.params[n] != base.scenario.params[n]]
    for name in changed:
        assert run.scenario.provenance[name]["source"].startswith("calibrated: aigov-backtest")
    kept = {n: v for n, v in run.scenario.params.items() if n not in bt.FREE_PARAMS}
    assert kept == {n: base.scenario.params[n] for n in kept}  # nothing else is refitted
    templates = [v for v in run.scenario.venues if v.name.startswith(bt.TEMPLATE_PREFIX)]
    assert templates


def test_tiny_calibration_improves_and_writes_a_valid_block(synthetic, baseline, tmp_path):
    ev = bt.read_events(synthetic)
    cal = bt.calibrate(baseline, ev, range(2), maxiter=1, popsize=1)
    assert cal.fit[2] >= cal.prior_fit[2]
    for f, v in zip(cal.free, cal.values, strict=True):
        assert f.lo <= v <= f.hi
    # the UN text is a consensus text (its ambition changes no signature); every text asks
    # `none`, read from its title, and `none` is fixed at 0
    assert {f.template for f in cal.free if f.template} == {"summit", bt.LAB_PLEDGE}
    target = tmp_path / "history.yaml"
    target.write_text("# header kept\ndefaults:\n  - baseline\n  - _self_\nname: history\n")
    block = bt.render_block(baseline, bt.templates(baseline.scenario), cal, "2026-11-22")
    bt.write_block(target, block)
    bt.write_block(target, block)  # rewriting replaces the block, it does not append
    text = target.read_text()
    assert text.startswith("# header kept") and text.count(bt.BLOCK_BEGIN) == 1
    data = yaml.safe_load(text)
    for name, node in {**data["uncertainties"], **data.get("constants", {})}.items():
        assert node["source"].startswith("calibrated: aigov-backtest --calibrate, mean F1 ")
        assert "over 2 seeds, 2026-11-22" in node["source"]
        assert node["value"] == pytest.approx(cal.values[[f.name for f in cal.free].index(name)])
    composed = OmegaConf.to_container(compose_config("baseline"), resolve=True)["scenario"]
    own = {k: v for k, v in data.items() if k != "defaults"}
    merged = OmegaConf.to_container(OmegaConf.merge(composed, own))
    sc = build_scenario(merged)
    assert bt.templates(sc)["summit"][0] == pytest.approx(
        cal.values[[f.name for f in cal.free].index("history_summit.ambition")])


def test_calibrated_values_sit_inside_their_ranges_away_from_the_edges():
    """Every value the calibration wrote is inside its declared range and not within 2% of the
    range's width of an end, unless its provenance states why (the word 'edge:')."""
    run = load_config("history")
    base = load_config("baseline")
    _, plans = bt.history_run(base, bt.read_events(bt.DEFAULT_EVENTS))
    free = bt.free_parameters(base, plans)
    x = bt.current_values(run, free, bt.templates(run.scenario))
    declared = yaml.safe_load(bt.HISTORY_YAML.read_text())
    sources = {**{k: v.get("source", "") for k, v in declared["venues"].items()},
               **{k: v["source"] for sec in ("levers", "uncertainties", "constants")
                  for k, v in declared.get(sec, {}).items()}}
    for f, v in zip(free, x, strict=True):
        source = sources[f.name.split(".")[0]]
        assert f.lo <= v <= f.hi, f.name
        margin = 0.02 * (f.hi - f.lo)
        if (v - f.lo < margin or f.hi - v < margin) and "edge:" not in source:
            pytest.fail(f"{f.name} = {v:g} at an end of [{f.lo:g}, {f.hi:g}] with no reason")


def test_prior_penalty_and_held_out_outcomes(synthetic, baseline):
    free = [bt.FreeParameter("a", 0.0, 2.0), bt.FreeParameter("b", 0.5, 1.0)]
    assert bt.prior_penalty(free, [1.0, 0.5], [0.0, 0.75], weight=0.1) == pytest.approx(
        0.1 * ((1.0 / 2.0) ** 2 + (0.25 / 0.5) ** 2))
    ev = bt.read_events(synthetic)
    _, plans = bt.history_run(baseline, ev)
    free = bt.free_parameters(baseline, plans)
    x0 = bt.current_values(baseline, free, bt.templates(baseline.scenario))
    loss = bt.Loss(baseline, free, ev, bt.templates(baseline.scenario), [0], prior=x0,
                   held_out={"club_statement"})
    loss(x0)
    assert [g.id for g in loss.goals] == ["un_resolution", "talk_only", "lab_pledge"]
    x1 = x0.copy()
    x1[0] = free[0].hi
    unpulled = bt.Loss(baseline, free, ev, bt.templates(baseline.scenario), [0],
                       held_out={"club_statement"})
    pull = bt.prior_penalty(free, x1, x0)
    assert pull > 0 and loss(x1) - unpulled(x1) == pytest.approx(pull)


def test_templates_fall_back_to_median_of_same_rule(baseline):
    tmpl = bt.templates(baseline.scenario)
    summits = [v.ambition for v in baseline.scenario.venues
               if v.decision == "host_proposal" and v.ambition > 0]
    assert tmpl["summit"][0] == pytest.approx(statistics.median(summits))
    assert tmpl["treaty"] == tmpl["summit"]  # same decision rule, no venue of its own
    with pytest.raises(ConfigError):
        bt.templates(dataclasses.replace(baseline.scenario, venues=()))


def test_calibrate_command_writes_the_history_file_it_is_given(synthetic, tmp_path, capsys):
    history = tmp_path / "history.yaml"
    bt.main(["--calibrate", "--events", str(synthetic), "--seeds", "1", "--maxiter", "1",
             "--popsize", "1", "--workers", "1", "--history", str(history), "--out",
             str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == 1 and len(report["per_outcome"]) == 4
    data = yaml.safe_load(history.read_text())
    assert data["constants"]["attend_cost"]["source"].startswith("calibrated: ")
    assert data["venues"]["history_summit"]["source"].startswith("calibrated: ")
    assert data["venues"]["history_treaty"]["source"].startswith("prior: ")  # not in the file


def test_calibrate_refuses_a_history_file_that_is_not_utf8(synthetic, tmp_path, capsys):
    """A --history file in another encoding: one line naming the key, the file and what is
    allowed, exit 2, before any fitting; the file is left as it was and nothing is written."""
    history = tmp_path / "history.yaml"
    latin1 = "# café\nname: history\n".encode("latin-1")
    history.write_bytes(latin1)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        bt.main(["--calibrate", "--events", str(synthetic), "--seeds", "1", "--maxiter", "1",
                 "--popsize", "1", "--workers", "1", "--history", str(history), "--out",
                 str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --history=") and "\n" not in err
    assert str(history)[:30] in err and "UTF-8" in err  # long values are shortened
    assert history.read_bytes() == latin1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.yaml"]


def test_block_is_yaml_with_one_line_per_entry(baseline):
    """The rendered block parses as YAML; every parameter and venue is one line in flow style
    between the markers, so a reader can diff a recalibration line by line."""
    _, plans = bt.history_run(baseline, bt.read_events(bt.DEFAULT_EVENTS))
    free = bt.free_parameters(baseline, plans)
    tmpl = bt.templates(baseline.scenario)
    x0 = bt.current_values(baseline, free, tmpl)
    cal = bt.Calibration(free, x0, x0, (0.9, 0.0, 0.9), (0.9, 0.0, 0.9), 2, "test", 0.0)
    block = bt.render_block(baseline, tmpl, cal, "2026-12-02")
    lines = block.splitlines()
    assert lines[0] == bt.BLOCK_BEGIN and lines[-1] == bt.BLOCK_END
    data = yaml.safe_load(block)
    names = [f.name for f in free if f.template is None]
    assert sorted(n for sec in ("levers", "uncertainties", "constants")
                  for n in data.get(sec, {})) == sorted(names)
    for key, node in data["venues"].items():
        [line] = [x for x in lines if x.startswith(f"  {key}: {{")]
        assert yaml.safe_load(line)[key] == node
