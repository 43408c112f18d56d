"""The version-2 studies (docs/STUDIES.md): fast real versions of each, checking the machinery
and the shapes of what they return; the full-size checks of the properties are marked slow."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import PARAMETERS
from sim.model.ledger import CAUSES, DRIFT
from sim.studies import pathdep, tipping
from sim.studies.common import (
    OUTCOMES,
    THRESHOLDS,
    basis_of,
    classify,
    map_runs,
    paired_interval,
    run_config,
    scenario_dict,
    shares,
)
from sim.studies.phase import plain_label

ROOT = Path(__file__).resolve().parents[2]


def _robustness_module():
    spec = importlib.util.spec_from_file_location(
        "outcome_robustness", ROOT / "benchmarks" / "outcome_robustness.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _slow(request) -> None:
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("full-size version: select with -m slow")


# -- shared machinery ----------------------------------------------------------------------------


def _final_pol(run, seed):
    from sim.api import build_model
    return seed, float(build_model(run, seed=seed).run().obs["polarization"])


def test_map_runs_is_ordered_and_independent_of_workers():
    run = run_config(scenario_dict("baseline"), steps=3)
    tasks = [(run, s) for s in range(4)]
    one = map_runs(_final_pol, tasks, jobs=1)
    two = map_runs(_final_pol, tasks, jobs=2, chunk=1)
    assert one == two and [s for s, _ in one] == [0, 1, 2, 3]


def test_classify_a_stored_basis_reproduces_the_model(baseline_run):
    oc = baseline_run.outcome
    thresholds = {k: getattr(oc, k) for k in THRESHOLDS}
    for seed in (0, 1):
        model = sim.build_model(baseline_run, seed=seed, steps=24).run()
        basis = basis_of(model)
        assert classify(basis, thresholds) == basis["outcome"] == model.outcome()
    # moving camp_threshold past the leaders' alignments changes leaders_apart
    apart = {**basis, "leader_a_alignment": 0.3, "leader_b_alignment": -0.3,
             "a_own_regime": True, "b_own_regime": True, "polarization_mean": 0.5,
             "shared_depth": 0.0}
    assert classify(apart, thresholds) == "bifurcation"
    assert classify(apart, {**thresholds, "camp_threshold": 0.35}) == "fragmentation"


def test_paired_interval_and_shares():
    m, lo, hi = paired_interval(np.array([1.0, 2.0, 3.0]))
    assert m == 2.0 and lo < 2.0 < hi
    assert shares(["cooperation", "fragmentation"]) == {
        "cooperation": 0.5, "bifurcation": 0.0, "fragmentation": 0.5}


# -- tipping points ------------------------------------------------------------------------------


def test_pairs_lie_inside_declared_ranges():
    for pair in tipping.PAIRS.values():
        tipping.check_ranges(pair)
        for axis in (pair.x, pair.y):
            assert axis[1] in PARAMETERS  # so the figure names it by its declared meaning
            assert PARAMETERS[axis[1]].meaning in plain_label(pair.path(axis)).replace("\n", " ")


def test_tipping_fast_writes_figure_table_and_markdown(tmp_path, capsys):
    tipping.main(["--fast", "--pair", "rivalry", "--out", str(tmp_path), "-j", "1"])
    captured = capsys.readouterr()
    out = captured.out
    assert "rivalry: 4 cells x 2 seeds" in out
    assert "pair 1/1: rivalry, 4 cells x 2 seeds = 8 runs" in captured.err  # progress
    cells = pd.read_csv(tmp_path / "tipping_rivalry.csv")
    assert len(cells) == 4 and set(cells["majority"]) <= set(OUTCOMES)
    assert {"majority_share", *[f"share_{o}" for o in OUTCOMES]} <= set(cells.columns)
    assert cells["majority_share"].between(1 / 3, 1).all()
    assert (tmp_path / "tipping_rivalry.png").read_bytes()[:4] == b"\x89PNG"
    md = (tmp_path / "tipping_rivalry.md").read_text()
    assert md.count("\n") == 4 and "propensity_rivalry \\ rivalry_trust_cut" in md


def test_majority_figure_and_regions():
    cells = tipping.with_majority(pd.DataFrame({
        "x": [0.0, 1.0, 0.0, 1.0], "y": [0.0, 0.0, 2.0, 2.0], "runs": 4, "failed": 0,
        "share_cooperation": [1.0, 0.5, 0.0, 0.25], "share_bifurcation": [0.0, 0.0, 1.0, 0.25],
        "share_fragmentation": [0.0, 0.5, 0.0, 0.5]}))
    assert tipping.regions(cells) == {"cooperation": 1, "bifurcation": 1, "fragmentation": 0}
    png = tipping.majority_figure(cells, tipping.PAIRS["rivalry"], 4, base=(0.5, 1.0))
    assert png[:4] == b"\x89PNG" and len(png) > 10_000


def test_tipping_bad_pair_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        tipping.main(["--pair", "nope"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- path dependence, bistability, not absorbing -------------------------------------------------


def test_exclusion_episode_arms_differ_only_by_the_exclusion():
    cfg = pathdep.episode_configs("exclusion", sessions=2)
    ctl, trt = cfg["control"]["scenario"]["venues"], cfg["treated"]["scenario"]["venues"]
    assert ctl["summit_episode"]["calendar"] == ["2025-02", "2026-02"]
    assert ctl["summit_series"]["calendar"] == ["2027-02"]
    assert "China" not in ctl["summit_episode"].get("exclude", [])
    assert "China" in trt["summit_episode"]["exclude"]
    assert {k: v for k, v in ctl.items() if k != "summit_episode"} == \
        {k: v for k, v in trt.items() if k != "summit_episode"}
    assert (cfg["first"], cfg["end"], cfg["steps"]) == (19, 43, 43 + 60 + 1)


def test_exclusion_control_is_the_baseline_world():
    """Splitting the summit series into two venues changes nothing by itself."""
    cfg = pathdep.episode_configs("exclusion", years_after=0)
    steps = cfg["steps"]
    ctl = sim.build_model(run_config(cfg["control"], steps=steps), seed=3).run()
    base = sim.build_model("baseline", seed=3, steps=steps).run()
    assert ctl.obs == base.obs


def test_tariff_episode_reversal_cancels_the_rivalry():
    cfg = pathdep.episode_configs("tariff", months=6, delta=0.5, years_after=0)
    runs = {arm: run_config(cfg[arm], steps=cfg["steps"]) for arm in ("control", "treated")}
    models = {arm: sim.build_model(r, seed=0) for arm, r in runs.items()}
    us, cn = (models["control"].country_index[c] for c in ("United States", "China"))
    for arm, m in models.items():
        while m.steps < cfg["steps"]:
            m.step()
            if m.steps == cfg["first"] + 3 and arm == "treated":
                assert m.rivalry[us, cn] > models["control"].rivalry[us, cn] + 0.4
    assert models["treated"].rivalry[us, cn] == pytest.approx(
        models["control"].rivalry[us, cn], abs=1e-12)


def test_pathdep_fast_writes_every_study(tmp_path, capsys):
    pathdep.main(["--fast", "--out", str(tmp_path), "-j", "1", "--seeds", "2",
                  "--episode", "exclusion_un_led"])
    out = capsys.readouterr().out
    assert "exclusion_un_led: 2 paired seeds" in out and "bistability:" in out
    s = json.loads((tmp_path / "pathdep_exclusion_un_led.json").read_text())
    assert s["seeds"] == 2 and s["episode"] == ["2025-02", "2026-02"]
    assert set(s["ledger"]) == {*CAUSES, DRIFT} and s["low"] <= s["difference"] <= s["high"]
    table = pd.read_csv(tmp_path / "pathdep_exclusion_un_led.csv")
    assert len(table) == 2 and {f"ledger_{c}" for c in CAUSES} <= set(table.columns)
    b = json.loads((tmp_path / "bistability.json").read_text())
    assert set(b["shares_split"]) == set(OUTCOMES) and len(b["difference"]) == 3
    a = json.loads((tmp_path / "absorbing.json").read_text())
    assert a["seeds"] == 2 and a["separate_run_agrees"] is True
    for name in ("pathdep_exclusion_un_led", "bistability"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_bistability_starts_differ_at_the_start():
    res = pathdep.bistability_study(seeds=2, steps=2, jobs=1)
    assert res["series"]["split"].shape == (2, 3)
    assert (res["series"]["split"][:, 0] > res["series"]["united"][:, 0]).all()
    assert (res["series"]["united"][:, 0] == 0).all()


# -- robustness of the classes -------------------------------------------------------------------


def test_outcome_robustness_fast(tmp_path, capsys):
    mod = _robustness_module()
    mod.main(["--fast", "-j", "1", "--seeds", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "| baseline | 2 |" in out and "| un_led | 2 |" in out
    assert "requirement: at most 10 points" in out
    runs = pd.read_csv(tmp_path / "outcome_robustness_runs.csv")
    assert len(runs) == 4 and {"polarization_mean", "leader_a_alignment"} <= set(runs.columns)


@pytest.mark.parametrize("argv", [["--seeds", "0"], ["--scenarios", "nope"],
                                  ["--scenarios", "baseline,baseline"], ["--bogus"]])
def test_outcome_robustness_bad_args_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        _robustness_module().main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


# -- full size (slow) ----------------------------------------------------------------------------


@pytest.mark.slow
def test_full_exclusion_episode_leaves_a_difference(request):
    _slow(request)
    s = pathdep.episode_study("exclusion", seeds=100, scenario="un_led")["summary"]
    assert s["excludes_zero"] and s["difference"] > 0


@pytest.mark.slow
def test_full_bistability(request):
    _slow(request)
    scenario, overrides = pathdep.BISTABLE
    s = pathdep.bistability_study(scenario, overrides, seeds=50)["summary"]
    assert s["difference"][1] > 0  # split ends more polarized than united, interval above 0
    top = {k: max(s[f"shares_{k}"], key=s[f"shares_{k}"].get) for k in ("split", "united")}
    assert top["split"] != top["united"]


@pytest.mark.slow
def test_full_not_absorbing(request):
    _slow(request)
    s = pathdep.absorbing_study(seeds=100)["summary"]
    assert s["changed"] > 0 and s["separate_run_agrees"]


@pytest.mark.slow
def test_full_tipping_three_regions(request):
    _slow(request)
    # the requirement (docs/STUDIES.md, 1): at least two pairs with a region of each outcome
    counts = {name: tipping.regions(tipping.run_pair(pair, seeds=50))
              for name, pair in tipping.PAIRS.items()}
    assert sum(all(k > 0 for k in c.values()) for c in counts.values()) >= 2, counts
