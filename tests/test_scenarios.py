"""The scenario library: every scenario builds and runs, inherits from the baseline, changes only
what its header says, and a bad scenario file fails before anything runs, with one line naming
the file, the key and what is allowed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.config import LIBRARY, ROOT, load_scenario, merge_order, month_index, scenario_file
from sim.model.model import GovernanceModel
from sim.report.plots import OUTCOMES

CHILDREN = LIBRARY[1:]
GOVERNMENT_VENUES = ("unsc_2023", "bletchley_2023", "bletchley_testing_2023", "woodside_2023",
                     "unga_2024", "geneva_dialogue_2024", "seoul_2024", "un_capacity",
                     "summit_series")
PARENT = {"tariff_shock": "safety_for_compute"}

# What each child is about: the paths (in the composed scenario) where it may differ from its
# parent. Anything else that differs is a change the scenario does not own up to.
EXPECTED_CHANGES = {
    "un_led": {"venues.un_capacity.label", "venues.un_capacity.ambition",
               "venues.un_capacity.every", "venues.un_capacity.source",
               "venues.summit_series.ambition", "venues.summit_series.source"},
    "uk_bridge": {"venues.seoul_2024.invite", "venues.seoul_2024.source"},
    "exclusive_club": {"venues.summit_series.label", "venues.summit_series.also_invite",
                       "venues.summit_series.exclude", "venues.summit_series.source"},
    "safety_for_compute": {"levers.safety_for_compute.value", "levers.safety_for_compute.source",
                           "levers.deal_rivalry_gate.value", "levers.deal_rivalry_gate.range",
                           "levers.deal_rivalry_gate.source", "venues.us_china_safety_dialogue"},
    "tariff_shock": {"events.us_tariffs_2024.delta", "events.us_tariffs_2024.source"},
    "track2_only": {"venues.geneva_track2.every", "venues.geneva_track2.source",
                    *(f"venues.{v}.{k}" for v in GOVERNMENT_VENUES for k in ("calendar",
                                                                             "source"))},
    "open_source_commons": {"venues.uk_china_open_source"},
    "us_new_administration": {"events.us_new_government_2025"},
}


@cache
def run_config(name: str):
    return load_scenario(name)


def composed(name: str) -> dict:
    return run_config(name).raw["scenario"]


@cache
def finished(name: str, seed: int = 0) -> GovernanceModel:
    return GovernanceModel(sim.with_seed(run_config(name), seed)).run()


def diff_paths(a, b, prefix: str = "") -> set[str]:
    """Dotted paths where two nested dicts differ (lists compare whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[str] = set()
        for k in a.keys() | b.keys():
            path = f"{prefix}.{k}" if prefix else str(k)
            if k not in a or k not in b:
                out.add(path)
            else:
                out |= diff_paths(a[k], b[k], path)
        return out
    return set() if a == b else {prefix}


def sessions(model: GovernanceModel, venue: str) -> list:
    return [s for s in model.sessions if s.venue == venue]


# -- the library as a whole -----------------------------------------------------------------


def test_the_library_is_complete():
    assert set(LIBRARY) <= set(sim.available_scenarios())


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_builds_and_runs(name):
    res = sim.run(run_config(name), seed=3)
    assert res.summary["scenario"] == name
    assert res.outcome in OUTCOMES
    assert len(res.timeseries) == run_config(name).steps + 1
    assert not res.timeseries.drop(columns=["month"]).isna().any().any()


@pytest.mark.parametrize("name", CHILDREN)
def test_child_opens_with_its_question_and_seeds(name):
    head = []
    for line in scenario_file(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        head.append(line)
    text = " ".join(head)
    assert len(head) >= 3, "a few plain comment lines open the file"
    assert head[0].startswith(f"# {name}:")
    assert "Question:" in text
    assert re.search(r"\b00[0-4]\b", text), "the header names the seed documents behind it"


@pytest.mark.parametrize("name", CHILDREN)
def test_child_inherits_from_baseline(name):
    order = merge_order(name)
    assert order[0] == "baseline" and order[-1] == name
    assert order[-2] == PARENT.get(name, "baseline")
    assert composed(name)["name"] == name


@pytest.mark.parametrize("name", CHILDREN)
def test_child_changes_only_what_it_says(name):
    parent = composed(PARENT.get(name, "baseline"))
    ignore = {"name", "description"}
    changed = {p for p in diff_paths(composed(name), parent) if p.split(".")[0] not in ignore}
    assert changed == EXPECTED_CHANGES[name]


@pytest.mark.parametrize("name", CHILDREN)
def test_every_changed_value_carries_its_own_source(name):
    """A child that changes a value must also say where the new value comes from."""
    parent = composed(PARENT.get(name, "baseline"))
    mine = composed(name)
    for path in EXPECTED_CHANGES[name]:
        section, key = path.split(".")[:2]
        new, old = mine[section][key], parent.get(section, {}).get(key)
        assert new["source"].strip()
        if old is not None:
            assert new["source"] != old["source"], f"{section}.{key} keeps the parent's source"


# -- each scenario does what it says ---------------------------------------------------------


def test_exclusive_club_shuts_china_out_and_no_forum_is_scripted():
    """The club leaves China and Russia out; a China-led forum is not in the scenario: when one
    meets, it was convened by the model (endogenous convening) and invites China's side."""
    assert "china_forum" not in composed("exclusive_club")["venues"]
    model = finished("exclusive_club")
    club = sessions(model, "summit_series")
    assert club
    for s in club:
        assert "China" not in s.invitees and "Russia" not in s.invitees
    for s in sessions(model, "forum_China"):
        assert s.host == "China" and "United States" not in s.invitees


def test_uk_bridge_invites_china_to_every_summit():
    model = finished("uk_bridge")
    summits = [s for s in model.sessions if s.type == "summit"]
    assert any(s.venue == "seoul_2024" for s in summits)
    assert all("China" in s.invitees for s in summits)
    assert not all("China" in s.invitees
                   for s in finished("baseline").sessions if s.type == "summit")


def test_un_led_meets_twice_a_year_and_aims_higher():
    def un_months(name):
        return [s.month for s in sessions(finished(name), "un_capacity")]

    led, base = un_months("un_led"), un_months("baseline")
    start = run_config("un_led").scenario.start
    idx = [month_index(start, (int(m[:4]), int(m[5:]))) for m in led]
    assert np.all(np.diff(idx) == 6) and len(led) > len(base)

    def ambition(name):
        return {v.name: v.ambition for v in run_config(name).scenario.venues}

    assert ambition("un_led")["un_capacity"] > ambition("baseline")["un_capacity"]
    assert ambition("un_led")["summit_series"] < ambition("baseline")["summit_series"]


def test_safety_for_compute_enables_the_deal_and_a_verified_dialogue():
    sc = run_config("safety_for_compute").scenario
    assert sc.params["safety_for_compute"] == 1.0
    dialogue = sessions(finished("safety_for_compute"), "us_china_safety_dialogue")
    assert dialogue and dialogue[0].month == "2024-11"
    assert all(s.verification > 0 for s in dialogue)
    assert all(set(s.invitees) == {"United States", "China"} for s in dialogue)


def rivalry_path(name: str) -> tuple[np.ndarray, float, int]:
    """US-China rivalry after each month, the deal's gate, and the month index of the tariffs."""
    run = run_config(name)
    model = GovernanceModel(sim.with_seed(run, 0))
    us, cn = model.country_index["United States"], model.country_index["China"]
    path = []
    while model.steps < model.n_steps:
        model.step()
        path.append(model.rivalry[us, cn])
    tariffs = next(e for e in run.scenario.events if e.id == "us_tariffs_2024").month
    return np.array(path), run.scenario.params["deal_rivalry_gate"], tariffs


def test_tariff_shock_keeps_rivalry_above_the_gate_from_may_2024():
    shock, gate, month = rivalry_path("tariff_shock")
    assert (shock[month:] >= gate).all()
    assert (shock[:month] < gate).all()
    calm, gate_calm, _ = rivalry_path("safety_for_compute")
    assert gate_calm == gate and (calm < gate).all()


def test_track2_only_has_lab_talks_and_no_government_venue():
    model = finished("track2_only")
    assert model.sessions and {s.type for s in model.sessions} == {"track2"}
    assert len(sessions(model, "geneva_track2")) > 2
    assert not any(s.signatories for s in model.sessions)


def test_open_source_commons_brings_open_labs_together():
    venue = composed("open_source_commons")["venues"]["uk_china_open_source"]
    labs = set(venue["labs"])
    assert {"Stability AI", "Alibaba (Qwen)", "01.AI (Yi)"} <= labs
    signed = set()
    for seed in range(4):
        for s in sessions(finished("open_source_commons", seed), "uk_china_open_source"):
            assert set(s.labs_attended) <= labs and not s.invitees
            signed |= set(s.labs_signed)
    assert signed, "some open lab takes the pledge in a few seeds"


def test_cli_runs_a_library_scenario(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", "scenario=exclusive_club", "steps=3",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith(str(out))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "exclusive_club" and summary["steps"] == 3


# -- bad scenario files ----------------------------------------------------------------------

BAD = {
    "zz_unknown_param": """
        defaults: [baseline, _self_]
        name: zz_unknown_param
        uncertainties:
          trust_gian: {value: 0.1, range: [0.0, 0.2], source: "assumption: typo"}
        """,
    "zz_out_of_range": """
        defaults: [baseline, _self_]
        name: zz_out_of_range
        uncertainties:
          trust_gain: {value: 1.5, source: "assumption: too large"}
        """,
    "zz_missing_parent": """
        defaults: [no_such_parent, _self_]
        name: zz_missing_parent
        """,
    "zz_grandchild": """
        defaults: [zz_out_of_range, _self_]
        name: zz_grandchild
        """,
    "zz_malformed": """
        defaults: [baseline, _self_
        name: zz_malformed
        """,
}
# (file named, key named, what is allowed)
EXPECTED = {
    "zz_unknown_param": ("scenarios/zz_unknown_param.yaml", "scenario.uncertainties.trust_gian",
                         "unknown parameter"),
    "zz_out_of_range": ("scenarios/zz_out_of_range.yaml", "scenario.uncertainties.trust_gain",
                        "must be in [0, 1]"),
    "zz_missing_parent": ("scenarios/zz_missing_parent.yaml", "defaults='no_such_parent'",
                          "parent scenario not found; available: "),
    "zz_grandchild": ("scenarios/zz_out_of_range.yaml", "scenario.uncertainties.trust_gain",
                      "must be in [0, 1]"),
    "zz_malformed": ("scenarios/zz_malformed.yaml", "yaml=", "malformed YAML at line 3"),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A private copy of the project (code, conf, scenarios) holding the bad scenario files, so
    that the shared scenarios/ folder is never touched."""
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "sim", root / "sim", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "conf", root / "conf", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "scenarios", root / "scenarios")
    for name, text in BAD.items():
        (root / "scenarios" / f"{name}.yaml").write_text(textwrap.dedent(text))
    return root


def in_tree(tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=180)


def test_bad_scenario_files_fail_with_one_line_naming_the_file(tree):
    """load_scenario names the file at fault; aigov-compare prints that one line and exits 2
    before running anything (both in one interpreter to keep the test quick)."""
    out = tree / "outputs" / "bad"
    script = textwrap.dedent(f"""
        import contextlib, io, json, sim
        from sim.studies.compare import main
        from sim.config import load_scenario
        assert sim.__file__.startswith({str(tree)!r}), sim.__file__
        out = {{}}
        for name in {sorted(BAD)!r}:
            try:
                load_scenario(name)
                out[name] = None
            except sim.ConfigError as exc:
                out[name] = str(exc)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                main(["baseline", "zz_out_of_range", "--seeds", "2", "--out", {str(out)!r}])
                out["compare"] = [0, err.getvalue()]
            except SystemExit as exc:
                out["compare"] = [exc.code, err.getvalue()]
        print(json.dumps(out))
        """)
    proc = in_tree(tree, "-c", script)
    assert proc.returncode == 0, proc.stderr
    messages = json.loads(proc.stdout)
    for name, (file, key, allowed) in EXPECTED.items():
        msg = messages[name]
        assert msg is not None, f"{name} loaded without error"
        assert "\n" not in msg
        assert msg.startswith(f"{file}: ") and key in msg and allowed in msg, msg
    code, stderr = messages["compare"]
    lines = stderr.strip().splitlines()
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error: scenarios/zz_out_of_range.yaml: ")
    assert "running" not in stderr and not out.exists()
