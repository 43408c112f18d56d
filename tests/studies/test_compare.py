"""aigov-compare: statistics, outputs, refusal to overwrite, bad input, and the expectations the
sources lead us to (checked on a few seeds here, on 100 seeds in the slow versions)."""

from __future__ import annotations

import contextlib
import io
import json
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.config import load_scenario
from sim.report.plots import OUTCOMES
from sim.studies.compare import (
    COLUMNS,
    REFERENCE_GREY,
    Results,
    line_looks,
    main,
    mean_interval,
    outcome_table,
    run_all,
    tick_label,
    wilson_interval,
)

FAST_SEEDS = 16
SLOW_SEEDS = 100
COL = {c: k for k, c in enumerate(COLUMNS)}


@cache
def results(name: str, n_seeds: int, steps: int | None = None) -> Results:
    run = load_scenario(name, steps=steps)
    return run_all({name: run}, n_seeds, jobs=1)


def final(name: str, n_seeds: int, col: str) -> np.ndarray:
    return results(name, n_seeds).series[name][:, -1, COL[col]]


def share(name: str, n_seeds: int, outcome: str) -> float:
    return float(np.mean(np.asarray(results(name, n_seeds).outcomes[name]) == outcome))


# -- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (26, 50), (1, 100), (57, 100)])
def test_wilson_interval_matches_scipy(k, n):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-12) and hi == pytest.approx(ref.high, abs=1e-12)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_mean_interval_is_the_student_t_interval():
    x = np.random.default_rng(1).normal(0.3, 0.1, 25)
    mean, lo, hi = mean_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx(ref)
    assert math.isnan(mean_interval(np.array([0.5]))[1])


def test_outcome_table_shares_and_paired_differences():
    outcomes = {"a": ["cooperation", "fragmentation", "fragmentation", "bifurcation"],
                "b": ["cooperation", "cooperation", "fragmentation", "fragmentation"]}
    tab = outcome_table(outcomes, "a").set_index(["scenario", "outcome"])
    for name in outcomes:
        assert tab.loc[name, "share"].sum() == pytest.approx(1.0)
    assert tab.loc[("b", "cooperation"), "share"] == 0.5
    assert tab.loc[("b", "cooperation"), "diff_vs_reference"] == pytest.approx(0.25)
    assert tab.loc[("b", "bifurcation"), "diff_vs_reference"] == pytest.approx(-0.25)
    assert (tab.loc["a", "diff_vs_reference"] == 0).all()


# -- the command -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One small comparison, run in this process: 2 scenarios x 3 seeds x 12 steps."""
    out = tmp_path_factory.mktemp("cmp") / "result"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        main(["baseline", "exclusive_club", "--seeds", "3", "--steps", "12", "--jobs", "1",
              "--out", str(out)])
    return out, stdout.getvalue().strip().splitlines()


def test_compare_writes_its_tables_summary_and_figure(compared):
    out, lines = compared
    assert lines[-1] == f"compare directory: {out}"
    names = {p.name for p in out.iterdir()}
    assert names == {"outcomes.csv", "observables.csv", "bands.csv", "runs.csv",
                     "summary.json", "table.txt", "compare.png", "story.md"}
    outcomes = pd.read_csv(out / "outcomes.csv")
    assert len(outcomes) == 2 * len(OUTCOMES)
    assert outcomes.groupby("scenario")["share"].sum().to_numpy() == pytest.approx([1, 1])
    assert (outcomes["ci_low"] <= outcomes["share"]).all()
    obs = pd.read_csv(out / "observables.csv")
    assert len(obs) == 2 * len(COLUMNS)
    assert (obs[obs["scenario"] == "baseline"]["diff_vs_reference"] == 0).all()
    bands = pd.read_csv(out / "bands.csv")
    assert len(bands) == 2 * 13 * len(COLUMNS)
    assert (bands["p10"] <= bands["p50"] + 1e-12).all()
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and set(runs["outcome"]) <= set(OUTCOMES)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reference"] == "baseline" and summary["seeds"] == [0, 1, 2]
    assert summary["steps"] == {"baseline": 12, "exclusive_club": 12}
    assert set(summary["outcomes"]["exclusive_club"]) == set(OUTCOMES)
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "table.txt").read_text().strip() in "\n".join(lines)


def test_compare_refuses_to_overwrite(compared, capsys):
    out, _ = compared
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.raises(SystemExit) as exc:
        main(["baseline", "un_led", "--seeds", "1", "--steps", "2", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --out=") and "not empty" in err[0]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


@pytest.mark.parametrize("argv, says", [
    (["baseline", "no_such_scenario"], "unknown scenario; available: baseline"),
    (["baseline"], "at least two"),
    (["baseline", "un_led", "--seeds", "0"], "--seeds=0"),
    (["baseline", "baseline"], "once"),
    (["baseline", "un_led", "--set", "trust_gain"], "KEY=VALUE"),
    (["baseline", "un_led", "--set", "scenario.uncertainties.trust_gain=1.5"],
     "command-line override 'scenario.uncertainties.trust_gain=1.5' on scenarios/"),
])
def test_bad_input_fails_with_one_line_before_running(argv, says, tmp_path, capsys):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--steps", "2", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and says in err
    assert "running" not in err and not out.exists()


def test_processes_give_the_same_runs_as_one_process():
    runs = {n: load_scenario(n, steps=12) for n in ("baseline", "tariff_shock")}
    serial = run_all(runs, 3, jobs=1)
    parallel = run_all(runs, 3, jobs=2)
    for name in runs:
        np.testing.assert_array_equal(serial.series[name], parallel.series[name])
        assert serial.outcomes[name] == parallel.outcomes[name]


def test_same_seed_same_stream_across_scenarios():
    """Common random numbers: uk_bridge differs from the baseline only from the Seoul summit
    (May 2024, step 11), so every seed's path is identical before it and differs after."""
    base = results("baseline", 4, 24).series["baseline"]
    bridge = results("uk_bridge", 4, 24).series["uk_bridge"]
    np.testing.assert_array_equal(base[:, :11], bridge[:, :11])
    assert not np.array_equal(base[:, 11:], bridge[:, 11:])


# -- what the sources lead us to expect ------------------------------------------------------


def check_exclusive_club(n: int, strict: bool) -> None:
    """001/000: exclusive circles split the world. Polarization and the share of bifurcation
    outcomes are higher in exclusive_club than in un_led and uk_bridge (paired seeds)."""
    excl = final("exclusive_club", n, "polarization")
    for other in ("un_led", "uk_bridge"):
        diff = excl - final(other, n, "polarization")
        mean, lo, _ = mean_interval(diff)
        assert mean > 0 and (lo > 0 if strict else True), other
        more = share("exclusive_club", n, "bifurcation") - share(other, n, "bifurcation")
        assert more > 0 if strict else more >= 0, other


def check_safety_for_compute(n: int, strict: bool) -> None:
    """002: with the deal and a verified channel, US controls on China fall against the baseline
    (paired seeds) and the deal fires. Version 2: China's implemented safety no longer rises
    with the deal, because in both arms China commits to the depth of the forum it convenes
    after Seoul (docs/ODD.md 6.8); it must not fall either (within 0.02)."""
    controls = final("safety_for_compute", n, "us_china_controls") - final(
        "baseline", n, "us_china_controls")
    mean, lo, _ = mean_interval(-controls)
    assert mean > 0 and (lo > 0 if strict else True)
    safety = final("safety_for_compute", n, "china_implemented") - final(
        "baseline", n, "china_implemented")
    assert safety.mean() > -0.02
    assert final("safety_for_compute", n, "us_china_deals").max() > 0


def check_tariff_shock(n: int, strict: bool) -> None:
    """002: a rivalry shock keeps the deal from firing even in months when China's verified
    safety passes the deal's threshold; the deal does fire without the shock."""
    shock = results("tariff_shock", n).series["tariff_shock"]
    calm = results("safety_for_compute", n).series["safety_for_compute"]
    threshold = load_scenario("tariff_shock").scenario.params["deal_safety_threshold"]
    passes = shock[:, :, COL["china_verified_by_us"]] >= threshold
    assert passes.any(), "China's verified safety passes the threshold in some months"
    assert (shock[:, -1, COL["us_china_deals"]] == 0).all()
    assert (calm[:, -1, COL["us_china_deals"]] > 0).any()
    trust = shock[:, -1, COL["us_china_trust"]] - calm[:, -1, COL["us_china_trust"]]
    mean, _, hi = mean_interval(trust)
    assert mean < 0 and (hi < 0 if strict else True)
    # Rivalry is a US-China shock: trust across the camps, a mean over all cross-camp pairs,
    # moves less than US-China trust.
    cross = shock[:, -1, COL["cross_camp_trust"]] - calm[:, -1, COL["cross_camp_trust"]]
    assert abs(cross.mean()) < abs(trust.mean())


def test_exclusive_club_splits_more_than_inclusive_venues():
    check_exclusive_club(FAST_SEEDS, strict=False)


def test_safety_for_compute_eases_controls_and_raises_china_safety():
    check_safety_for_compute(FAST_SEEDS, strict=False)


def test_tariff_shock_blocks_the_deal():
    check_tariff_shock(FAST_SEEDS, strict=False)


@pytest.mark.slow
def test_exclusive_club_splits_more_than_inclusive_venues_100_seeds():
    check_exclusive_club(SLOW_SEEDS, strict=True)


@pytest.mark.slow
def test_safety_for_compute_eases_controls_and_raises_china_safety_100_seeds():
    check_safety_for_compute(SLOW_SEEDS, strict=True)


@pytest.mark.slow
def test_tariff_shock_blocks_the_deal_100_seeds():
    check_tariff_shock(SLOW_SEEDS, strict=True)


def test_compare_story_tells_the_shares_and_the_ledger(compared):
    out, _ = compared
    story = (out / "story.md").read_text(encoding="utf-8")
    outcomes = pd.read_csv(out / "outcomes.csv")
    assert story.startswith("# exclusive_club against baseline")
    for r in outcomes[outcomes["scenario"] == "exclusive_club"].itertuples():
        assert f"{r.outcome} {100 * r.diff_vs_reference:+.0f} points" in story
    assert "## Continuous measures at the end (2024-06)" in story
    assert "| Polarization (Esteban-Ray) | baseline |" in story
    assert "- exclusive_club: " in story.split("## What moved trust differently")[1]


def test_constant_panels_are_dropped_and_the_window_is_named():
    from sim.studies.compare import FIGURE_COLUMNS, constant_columns, window_text

    arr = np.zeros((3, 5, len(FIGURE_COLUMNS)))
    arr[:, :, 0] = np.arange(5)  # the first column varies, the rest are 0
    arr[:, :, 1] = np.nan  # all missing
    other = arr.copy()
    other[1, 2, 2] = 1.0  # varies in one arm only: kept
    dropped = constant_columns({"a": arr, "b": other})
    assert FIGURE_COLUMNS[0] not in dropped and FIGURE_COLUMNS[2] not in dropped
    assert FIGURE_COLUMNS[1] in dropped and FIGURE_COLUMNS[3] in dropped
    assert window_text({"a": 12, "b": 12}) == "its last 12 months"
    assert window_text({"a": 6, "b": 12}) == "its last months (a: 6, b: 12)"


def test_every_scenario_of_a_large_comparison_has_its_own_line():
    names = ["baseline", *[f"what_if_{i}" for i in range(12)]]
    looks = line_looks(names, "baseline")
    assert looks["baseline"] == (REFERENCE_GREY, "--")
    assert len(set(looks.values())) == len(names)


def test_long_scenario_names_wrap_at_words_on_the_share_axis():
    label = tick_label("us_new_administration", "baseline")
    assert label.split("\n") == ["us new", "administration"]
    assert tick_label("baseline", "baseline").endswith("\n(reference)")
