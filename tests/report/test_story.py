"""sim/report/story.py: the story of a run and of a comparison, from their data."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import metrics as M
from sim.report import story as S
from sim.report.io import RUN_FILES, write_run

THRESHOLDS = dict(depth_threshold=0.4, coverage_threshold=0.5, polarization_high=0.35)


# -- the outcome test is the rule itself --------------------------------------------------------


def test_conditions_give_the_classification_everywhere_on_a_grid():
    grid = itertools.product((0.0, 0.4, 0.6), (0.3, 0.5, 0.9), (0.1, 0.25, 0.3, 0.35, 0.6),
                             (False, True), (False, True), (False, True))
    for depth, cov, pol, apart, a_own, b_own in grid:
        kw = dict(shared_depth=depth, shared_coverage=cov, polarization=pol,
                  leaders_apart=apart, a_own=a_own, b_own=b_own, **THRESHOLDS)
        conditions = M.outcome_conditions(**kw)
        assert M.verdict(conditions) == M.classify_outcome(**kw)
        assert len(conditions) == 8 and all(isinstance(c.met, bool) for c in conditions)


@pytest.mark.parametrize("scenario, seed", [("baseline", 0), ("baseline", 3),
                                            ("exclusive_club", 82), ("uk_bridge", 5)])
def test_summary_outcome_test_is_the_models_verdict(scenario, seed):
    res = sim.run(scenario, seed=seed)
    test = res.summary["outcome_test"]
    assert S.stored_verdict(test) == res.outcome == res.model.outcome()
    basis = res.model.outcome_basis()
    for c in test:  # every value is read from the model's own basis, not recomputed
        assert c["value"] == basis[c["key"]]
    # the story states every condition with its value and threshold
    section = res.story.split("## The sessions")[0]
    for c in test:
        if c["relation"] != "is":
            assert f"**{c['value']:.3f}**" in section
            assert f"{S.RELATION_WORDS[c['relation']]} {c['threshold']:g}" in section
    assert f"ended in {res.outcome}" in res.story.splitlines()[0]


def test_a_stored_test_that_contradicts_the_outcome_is_refused():
    summary = _summary()
    summary["outcome"] = "cooperation"
    with pytest.raises(ValueError, match="gives bifurcation"):
        S.outcome_section(summary)


# -- a run's story from hand-made data ----------------------------------------------------------


def _summary(outcome="bifurcation"):
    conditions = M.outcome_conditions(
        shared_depth=0.15, shared_coverage=1.0, polarization=0.5, leaders_apart=True,
        a_own=True, b_own=True, **THRESHOLDS)
    return {
        "scenario": "toy", "seed": 7, "steps": 3, "start": "2023-07", "end": "2023-09",
        "outcome": outcome,
        "outcome_basis": {"leaders": ["Aland", "Bland"], "leader_alignment": [0.9, -0.8],
                          "window": 12},
        "outcome_settings": {**THRESHOLDS, "camp_threshold": 0.25, "window": 12},
        "outcome_test": [c._asdict() for c in conditions],
        "camps": {"A": ["Aland", "Cland"], "B": ["Bland"], "nonaligned": ["Dland"]},
    }


def _sessions():
    rows = []

    def add(sid, month, label, depth, actors):
        for name, kind, came, signed in actors:
            rows.append({"session": sid, "step": sid + 1, "month": month, "venue": label,
                         "label": label, "type": "summit", "host": "Cland",
                         "decision": "consensus", "depth": depth, "verification": 0.0,
                         "dialogue_only": depth == 0, "actor": name, "actor_kind": kind,
                         "attended": came, "signed": signed})
    add(0, "2023-07", "Small talk", 0.0, [("Aland", "country", True, False),
                                          ("Bland", "country", True, False),
                                          ("Cland", "country", True, False),
                                          ("Dland", "country", True, False)])
    add(1, "2023-08", "Club summit", 0.5, [("Aland", "country", True, True),
                                           ("Cland", "country", True, True),
                                           ("Dland", "country", False, False),
                                           ("LabX", "lab", True, True)])
    add(2, "2023-09", "Lab talks", 0.1, [("LabX", "lab", True, True),
                                         ("LabY", "lab", True, False)])
    return pd.DataFrame(rows)


def _ledger():
    causes = {c: [0.0, 0.0, 0.0] for c in (*S.TRUST_CAUSES, "drift")}
    causes["cosigning"] = [0.0, 0.02, 0.0]
    causes["exclusion"] = [0.0, -0.05, 0.0]
    causes["rivalry"] = [-0.001, -0.001, -0.001]
    return pd.DataFrame({"step": [1, 2, 3], "month": ["2023-07", "2023-08", "2023-09"],
                         **causes})


def test_run_story_tells_who_came_signed_and_was_left_out():
    text = S.run_story(_summary(), _sessions(), _ledger(), replicates=None)
    club = next(ln for ln in text.splitlines() if "Club summit" in ln)
    assert "2 of 3 invited countries came (stayed away: Dland), with 1 lab" in club
    assert "2 signed (Aland, Cland)" in club and "left out: Bland" in club
    # the talk without a leader missing and without a text is not a session that mattered
    listed = text.split("## What moved trust")[0].split("binding and verified).")[-1]
    assert "Small talk" not in listed


def test_trust_section_names_the_largest_cause_and_its_month():
    text = S.run_story(_summary(), _sessions(), _ledger())
    trust = text.split("## What moved trust")[1].split("##")[0]
    total = -0.05 + 0.02 - 0.003
    assert f"**{total:+.3f}**" in trust
    by_cause = trust.split("largest first: ")[1]
    assert (by_cause.index(S.CAUSE_WORDS["exclusion"])
            < by_cause.index(S.CAUSE_WORDS["cosigning"]))
    assert "- 2023-08: -0.0310, mostly " + S.CAUSE_WORDS["exclusion"] in trust
    assert "(sessions that month: Club summit)" in trust


def test_pairs_and_leaders_are_told_apart():
    pairs = pd.DataFrame([
        {"truster": "Cland", "trusted": "Aland", "start": 0.3, "end": 0.6, "net": 0.3,
         **dict.fromkeys(S.TRUST_CAUSES, 0.0), "cosigning": 0.3, "drift": 0.0},
        {"truster": "Aland", "trusted": "Bland", "start": 0.2, "end": 0.1, "net": -0.1,
         **dict.fromkeys(S.TRUST_CAUSES, 0.0), "exclusion": -0.12, "cosigning": 0.02,
         "drift": 0.0}])
    text = S.run_story(_summary(), _sessions(), _ledger(), pairs=pairs)
    largest, between = text.split("Between the two leading powers:")
    assert "Cland's trust in Aland: 0.30 -> 0.60 (+0.30)" in largest
    assert "Aland's trust in Bland: 0.20 -> 0.10 (-0.10), mostly being left out" in between


def test_history_section_gives_shares_with_intervals_when_replicates_ran():
    without = S.history_section(_summary())
    assert "replicates=20" in " ".join(without)
    text = " ".join(S.history_section(_summary(), ["bifurcation"] * 3 + ["fragmentation"]))
    assert "bifurcation 3 of 4 (75%, 95% interval 30-95%)" in text
    assert "cooperation 0 of 4 (0%" in text


def test_head_stops_before_the_second_section():
    text = S.run_story(_summary(), _sessions(), _ledger())
    head = S.head(text)
    assert head.splitlines()[0] == "Why this run ended in bifurcation"
    assert "needs at least 0.35: holds" in head and "sessions that mattered" not in head
    assert "**" not in head and "`" not in head


def test_possessive_and_names():
    assert S.possessive("United States") == "United States'"
    assert S.possessive("China") == "China's"
    assert S.names_text(list("abcdefgh"), first=["h"], limit=3) == "h, a, b and 5 more"
    assert S.names_text([]) == "none"


# -- written by every run -----------------------------------------------------------------------


def test_write_run_writes_the_story_listed_in_run_files(tmp_path):
    assert "story.md" in RUN_FILES
    model = sim.build_model("baseline", seed=2, steps=12).run()
    paths = write_run(model, tmp_path, figure=False)
    story = paths["story"].read_text(encoding="utf-8")
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert story == S.run_story(summary, pd.read_csv(paths["sessions"]),
                                pd.read_csv(paths["ledger"]),
                                pairs=sim.report.io.pair_changes(model))
    assert f"ended in {summary['outcome']}" in story


def test_pair_changes_add_up_to_the_change_of_trust():
    model = sim.build_model("baseline", seed=1, steps=24)
    start = model.trust.copy()
    model.run()
    pairs = sim.report.io.pair_changes(model, top=4)
    idx = model.country_index
    a, b = (model.country_names[k] for k in model.poles)
    assert {(a, b), (b, a)} <= set(zip(pairs["truster"], pairs["trusted"], strict=True))
    for r in pairs.to_dict("records"):
        i, j = idx[r["truster"]], idx[r["trusted"]]
        assert r["start"] == pytest.approx(start[i, j], abs=1e-9)
        assert r["net"] == pytest.approx(sum(r[c] for c in S.TRUST_CAUSES), abs=1e-12)
    top = pairs["net"].abs().iloc[:4].to_numpy()
    assert np.all(np.diff(top) <= 0)


def test_cli_prints_the_opening_of_the_story(tmp_path):
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "sim", "steps=12", "replicates=3",
                        f"hydra.run.dir={out}"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    story = (out / "story.md").read_text(encoding="utf-8")
    assert S.head(story) in r.stdout
    assert "Over a quick replicate set of 3 other seeds" in story
    assert r.stdout.strip().splitlines()[-1] == f"run directory: {out}"


# -- a comparison's story -----------------------------------------------------------------------


def test_compare_story_gives_shares_measures_and_ledger_differences():
    from sim.studies.compare import outcome_table

    outcomes = outcome_table({"ref": ["bifurcation"] * 8 + ["fragmentation"] * 2,
                              "alt": ["bifurcation"] * 2 + ["fragmentation"] * 8}, "ref")
    rng = np.random.default_rng(0)
    cols = ("polarization", "ledger_exclusion", "ledger_cosigning")
    base = rng.normal(0.5, 0.01, size=(10, 3))
    alt = base + np.array([0.0, -0.05, 0.001])
    obs = _toy_observables({"ref": base, "alt": alt}, cols)  # observable_table's columns
    text = S.compare_story(outcomes, obs, "ref", 10, "2028-06", measures=["polarization"],
                           ledger=["ledger_exclusion", "ledger_cosigning"],
                           labels={"polarization": "Polarization"})
    assert "| ref (reference) | 0% [0%, 28%] | 80% [49%, 94%] | 20% [6%, 51%] |" in text
    assert "bifurcation -60 points" in text and "(clear)" in text
    assert "| Polarization | alt |" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("- alt:") and "left out" in ln)
    assert line.index("left out") < line.index("signing")  # the larger difference first


def _toy_observables(finals, cols):
    from sim.studies.compare import mean_interval

    rows = []
    for name, arr in finals.items():
        for k, col in enumerate(cols):
            mean, lo, hi = mean_interval(arr[:, k])
            diff, dlo, dhi = mean_interval(arr[:, k] - finals["ref"][:, k])
            rows.append({"scenario": name, "observable": col, "mean": mean, "ci_low": lo,
                         "ci_high": hi, "diff_vs_reference": diff, "diff_ci_low": dlo,
                         "diff_ci_high": dhi})
    return pd.DataFrame(rows)


def test_a_meeting_of_labs_leaves_no_country_out():
    table = S.session_rows(_sessions(), ["Aland", "Bland", "Cland", "Dland"],
                           ["Aland", "Bland"])
    labs = table[table["label"] == "Lab talks"].iloc[0]
    assert labs["invited"] == [] and labs["left_out"] == [] and labs["leaders_left_out"] == []
    assert labs["labs"] == 2 and labs["labs_signed"] == 1
    club = table[table["label"] == "Club summit"].iloc[0]
    assert club["leaders_left_out"] == ["Bland"] and club["leaders_away"] == []
    assert list(S.mattered(table)["label"]) == ["Club summit"]
