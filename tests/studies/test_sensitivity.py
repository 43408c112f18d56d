"""Sensitivity (SALib Sobol/Morris over declared ranges) and PRIM scenario discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.studies.discovery import box_stats, cases_of_interest, describe_box, lhs, prim_box
from sim.studies.sensitivity import (
    analyze,
    main,
    point_outputs,
    salib_problem,
    sample,
    uncertainty_ranges,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_ranges_come_from_the_scenario():
    ranges = uncertainty_ranges("baseline")
    assert ranges["trust_gain"] == (0.01, 0.15) and len(ranges) >= 6
    assert all(lo < hi for lo, hi in ranges.values())


def test_sobol_recovers_a_known_function():
    """Y = 4 a + b, c inert: S1(a) ~ 16/17, ST(c) ~ 0."""
    problem = salib_problem({"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    x = sample("sobol", problem, 512, seed=1)
    df = analyze("sobol", problem, x, 4 * x[:, 0] + x[:, 1], seed=1).set_index("parameter")
    assert list(df.index) == ["a", "b", "c"]
    assert df.loc["a", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert abs(df.loc["c", "ST"]) < 0.01 and df.loc["a", "ST_conf"] > 0


def test_morris_ranks_a_known_function():
    problem = salib_problem({"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    x = sample("morris", problem, 20, seed=1)
    df = analyze("morris", problem, x, 4 * x[:, 0] + x[:, 1], seed=1)
    assert list(df["parameter"]) == ["a", "b", "c"]
    assert df["mu_star"].iloc[0] == pytest.approx(4, rel=1e-6)


def test_point_outputs_mean_and_probability():
    t = pd.DataFrame({"point": [0, 0, 1, 1], "status": ["ok"] * 4,
                      "outcome": ["cooperation", "bifurcation", "cooperation", "cooperation"],
                      "polarization": [0.1, 0.3, 0.2, 0.2], "error": [None] * 4})
    assert list(point_outputs(t, "p_cooperation", 2)) == [0.5, 1.0]
    assert point_outputs(t, "polarization", 2) == pytest.approx([0.2, 0.2])
    t.loc[2:, "status"] = "failed"
    with pytest.raises(Exception, match="no successful run"):
        point_outputs(t, "p_cooperation", 2)


def test_tiny_sobol_run_writes_indices_and_figure(tmp_path, capsys):
    main(["--params", "trust_gain,trust_loss,rivalry_trust_cut", "-N", "4", "-R", "1",
          "--steps", "12", "-j", "1", "-q", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "4 points" not in out and "20 points x 1 replicates = 20 runs (0 failed)" in out
    df = pd.read_csv(tmp_path / "sobol_polarization.csv")
    assert sorted(df["parameter"]) == ["rivalry_trust_cut", "trust_gain", "trust_loss"]
    assert list(df.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert df[["S1", "ST"]].notna().all().all()
    assert (tmp_path / "sobol_polarization.png").read_bytes()[:8] == PNG
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 20


@pytest.mark.parametrize("args", [["--output", "nonsense"], ["--params", "trust_gain,bogus"],
                                  ["--method", "fast99"], ["-N", "1"], ["--scenario", "nope"]])
def test_bad_input_is_one_line_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*args, "-q", "-j", "1"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1, err


def test_subcommands_dispatch(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["phase", "--x", "seed=1", "--y", "seed=2", "-q"])
    assert exc.value.code == 2 and "must differ" in capsys.readouterr().err


def test_prim_finds_a_planted_box():
    x = lhs({"a": (0, 1), "b": (0, 1), "c": (0, 1)}, 600, seed=3)
    y = ((x["a"] > 0.7) & (x["b"] < 0.5)).to_numpy()
    res = prim_box(x, y, min_coverage=0.8)
    lim = res.limits.set_index("input")
    assert lim.loc["a", "box_min"] == pytest.approx(0.7, abs=0.05)
    assert lim.loc["b", "box_max"] == pytest.approx(0.5, abs=0.05)
    assert lim.loc["a", "kept"] and lim.loc["b", "kept"]
    assert "c" not in lim.index or not lim.loc["c", "kept"]
    assert res.stats["coverage"] >= 0.8 and res.stats["density"] > 0.8
    assert describe_box(res, "test")[0].startswith("PRIM box for test: coverage")


def test_prim_without_cases_is_a_config_error():
    x = lhs({"a": (0, 1), "b": (0, 1)}, 50, seed=0)
    with pytest.raises(Exception, match="no case of interest"):
        prim_box(x, np.zeros(50, bool))


def test_cases_of_interest_by_point_and_by_row():
    t = pd.DataFrame({"point": [0, 0, 1, 1], "status": ["ok"] * 4,
                      "outcome": ["bifurcation", "bifurcation", "cooperation", "bifurcation"],
                      "polarization": [0.3, 0.1, 0.0, 0.25]})
    assert list(cases_of_interest(t, "bifurcation", min_share=0.6)) == [True, False]
    assert list(cases_of_interest(t, "index", threshold=0.2)) == [True, False]
    assert list(cases_of_interest(t, "index", threshold=0.21)) == [False, False]
    assert list(cases_of_interest(t, "index", by=None, threshold=0.2)) == [True, False, False,
                                                                           True]


def test_prim_selects_the_densest_box_with_enough_coverage():
    x = lhs({"a": (0, 1), "b": (0, 1)}, 800, seed=5)
    rng = np.random.default_rng(5)
    y = ((x["a"] > 0.4) & (rng.random(800) < 0.7)).to_numpy() | (rng.random(800) < 0.05)
    res = prim_box(x, y, min_coverage=0.95)
    traj = res.trajectory
    assert res.stats["prim_coverage"] >= 0.95
    assert res.stats["prim_density"] == traj[traj["coverage"] >= 0.95]["density"].max()
    assert traj["coverage"].iloc[-1] < 0.95  # the last (densest) box would not do
    assert res.limits.set_index("input").loc["a", "box_min"] == pytest.approx(0.4, abs=0.1)


def test_box_stats_and_quasi_p_pruning():
    x = pd.DataFrame({"a": [0.1, 0.2, 0.8, 0.9], "b": [0.5, 0.5, 0.5, 0.1]})
    y = np.array([False, False, True, True])
    lims = pd.DataFrame([{"input": "a", "box_min": 0.5, "box_max": 1.0}])
    assert box_stats(x, y, lims) == {"coverage": 1.0, "density": 1.0, "mass": 0.5}
    lims = pd.DataFrame([{"input": "b", "box_min": 0.4, "box_max": 0.6}])
    assert box_stats(x, y, lims) == pytest.approx({"coverage": 0.5, "density": 1 / 3,
                                                   "mass": 0.75})
    big = lhs({"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 1)}, 400, seed=4)
    yy = ((big["a"] > 0.6) & (np.random.default_rng(4).random(400) < 0.7)).to_numpy()
    kept_all = prim_box(big, yy, qp_alpha=1.0)
    pruned = prim_box(big, yy, qp_alpha=0.05)
    assert kept_all.limits["kept"].all() and len(kept_all.limits) == 4  # PRIM chases noise
    assert list(pruned.limits[pruned.limits["kept"]]["input"]) == ["a"]
    assert pruned.stats["restricted"] == 1
    assert pruned.stats["coverage"] > kept_all.stats["coverage"]
    lim_a = pruned.limits.set_index("input").loc["a"]
    own = box_stats(big, yy, pd.DataFrame([{"input": "a", "box_min": lim_a["box_min"],
                                            "box_max": lim_a["box_max"]}]))
    assert {k: pruned.stats[k] for k in own} == pytest.approx(own)
