"""Batch runner: Hydra-shaped points, worker processes, parquet stream, same numbers as sim.run."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.config import ROOT
from sim.errors import ConfigError
from sim.model.metrics import OBSERVABLES
from sim.studies.batch import (
    Axis,
    assign,
    evaluate_point,
    main,
    make_plan,
    parse_override,
    run_batch,
    split_path,
)
from sim.studies.sweep import replicate_seeds


def test_split_path_honours_quotes():
    assert split_path("scenario.countries.'United States'.hawkishness") == (
        "scenario", "countries", "United States", "hawkishness")
    assert split_path('scenario.labs."01.AI (Yi)".openness')[2] == "01.AI (Yi)"
    with pytest.raises(ConfigError):
        split_path("a.'b")
    with pytest.raises(ConfigError):
        split_path("a..b")


@pytest.mark.parametrize("text, values", [
    ("seed=range(0,3)", (0, 1, 2)),
    ("x=0.1,0.2", (0.1, 0.2)),
    ("x=linspace(0,1,3)", (0.0, 0.5, 1.0)),
    ("x=true", (True,)),
    ("x={a: 1}", ({"a": 1},)),
])
def test_parse_override_values(text, values):
    assert parse_override(text).values == values


@pytest.mark.parametrize("text", ["hydra/launcher=joblib", "hydra.sweep.dir=x", "novalue",
                                  "x=interval(0,1)", "~seed=1", "x=linspace(0,1,0)"])
def test_parse_override_rejects(text):
    with pytest.raises(ConfigError):
        parse_override(text)


def test_assign_copies_the_path_and_merges_dicts():
    base = {"a": {"b": {"value": 1, "source": "s"}, "c": 2}}
    out = assign(base, Axis("a.b.value", ("a", "b", "value"), ()), 5)
    assert out["a"]["b"] == {"value": 5, "source": "s"} and base["a"]["b"]["value"] == 1
    assert out["a"]["c"] is base["a"]["c"]
    merged = assign(base, Axis("a", ("a",), ()), {"b": {"value": 3}})
    assert merged["a"] == {"b": {"value": 3, "source": "s"}, "c": 2}
    with pytest.raises(ConfigError, match="no key"):
        assign(base, Axis("a.zz", ("a", "zz"), ()), 1)
    assert assign(base, Axis("a.zz", ("a", "zz"), (), add=True), 1)["a"]["zz"] == 1


def test_unknown_key_fails_before_running():
    with pytest.raises(ConfigError, match="no key"):
        make_plan(["scenario.uncertainties.no_such_thing=1"])
    with pytest.raises(ConfigError, match="scenario"):
        make_plan(["scenario=no_such_scenario"])


def test_plan_is_the_cartesian_product_in_hydra_order():
    plan = make_plan(["seed=0,1", "steps=5,6,7"])
    assert len(plan.points) == 6
    firsts = [tuple(v for _, v in assigns) for _, assigns in plan.points][:3]
    assert firsts == [(0, 5), (0, 6), (0, 7)]


def test_plan_points_are_made_on_demand_in_the_same_order():
    plan = make_plan(["seed=range(0,1000)", "steps=5,6", "scenario=baseline"],
                     points=[{"scenario.uncertainties.trust_gain": 0.1}, {"steps": 3}])
    points = list(plan.points)
    assert len(plan.points) == len(points) == 4000 and plan.runs == 4000
    assert [plan.points[i] for i in (0, 1, 2, 3999, -1)] == [points[i] for i in (0, 1, 2, 3999, -1)]
    assert plan.points[5:9] == points[5:9]
    sel, assigns = points[2]
    assert sel == (("scenario", "baseline"),)
    assert [v for _, v in assigns] == [0, 6, 0.1]  # last override fastest, then the points
    with pytest.raises(IndexError):
        plan.points[4000]


def test_configs_validated_once_per_seedless_point_equal_fresh_ones():
    plan = make_plan(["seed=0,1,2", "steps=4", "scenario.uncertainties.trust_gain=1,1.0,0.0,-0.0"])
    base, held = plan.bases[()], OrderedDict()
    for i, (sel, assigns) in enumerate(plan.points):
        fresh = evaluate_point(i, base, sel, assigns, 1)
        assert evaluate_point(i, base, sel, assigns, 1, held) == fresh
    assert len(held) == 4  # 1, 1.0, 0.0 and -0.0 are four configs (four hashes)
    hashes = {r["config_hash"] for i, (s, a) in enumerate(plan.points)
              for r in evaluate_point(i, base, s, a, 1) if r["job_seed"] == 0}
    assert len(hashes) == 4


def test_rows_go_to_few_row_groups(tmp_path):
    out = tmp_path / "b.parquet"
    res = run_batch(["seed=range(0,40)", "steps=1"], jobs=2, chunk=1, out=out)
    assert res.rows == 40 and pq.ParquetFile(out).num_row_groups == 1  # not one per chunk
    pd.testing.assert_frame_equal(pd.read_parquet(out), res.table, check_dtype=False)


def test_batch_equals_single_runs_and_streams_parquet(tmp_path):
    out = tmp_path / "b.parquet"
    res = run_batch(["seed=0,3", "steps=8", "scenario.uncertainties.trust_gain=0.02,0.1",
                     "steps=8,-1"], jobs=2, chunk=1, out=out)
    df = res.table
    assert res.rows == 8 and res.ok == 4 and res.failed == 4
    pd.testing.assert_frame_equal(pd.read_parquet(out), df.astype(
        {c: "int64" for c in ("point", "job_seed", "steps", "replicates")}), check_dtype=False)
    assert not list(tmp_path.glob(".*tmp"))
    assert list(df["point"]) == list(range(8))
    bad = df[df["status"] == "failed"]
    assert (bad["steps"] == -1).all() and bad["error"].str.contains("steps=-1").all()
    for rec in df[df["status"] == "ok"].to_dict("records"):
        tg = rec["scenario.uncertainties.trust_gain"]
        single = sim.run("baseline", [f"scenario.uncertainties.trust_gain={tg}"],
                         seed=int(rec["seed"]), steps=8).summary
        assert rec["outcome"] == single["outcome"]
        assert rec["config_hash"] == single["config_hash"]
        assert {k: rec[k] for k in OBSERVABLES} == single["final"]


def test_batch_quoted_key_equals_hydra_dict_override():
    res = run_batch(["seed=2", "steps=10",
                     "scenario.countries.'United States'.hawkishness=0.95"], jobs=1)
    rec = res.table.iloc[0]
    assert rec["scenario.countries.United States.hawkishness"] == 0.95
    single = sim.run("baseline", ["scenario.countries={United States: {hawkishness: 0.95}}"],
                     seed=2, steps=10).summary
    assert rec["config_hash"] == single["config_hash"]
    assert {k: rec[k] for k in OBSERVABLES} == single["final"]


def test_batch_replicates_use_the_sweep_seeds():
    res = run_batch(["seed=4", "steps=6", "replicates=3"], jobs=1)
    assert list(res.table["seed"]) == replicate_seeds(4, 3)
    one = sim.run("baseline", seed=replicate_seeds(4, 3)[2], steps=6).summary["final"]
    assert {k: res.table.iloc[2][k] for k in OBSERVABLES} == one


@pytest.mark.parametrize("args", [["hydra/launcher=joblib"], ["scenario=nope"], ["-j", "0"],
                                  ["--bogus"], ["seed=0", "--chunk", "0"]])
def test_cli_one_line_errors(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1, err


def test_cli_writes_table(tmp_path):
    out = tmp_path / "t.parquet"
    proc = subprocess.run([sys.executable, "-m", "sim.studies.batch", "-j", "1", "-q", "--csv",
                           "seed=0,1", "steps=4", "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "batch: 2 rows (2 ok, 0 failed)" in proc.stdout
    assert len(pd.read_parquet(out)) == 2 and len(pd.read_csv(out.with_suffix(".csv"))) == 2
