"""Scenario discovery: which combinations of uncertainties lead to bifurcation? (PRIM)

Latin hypercube samples over the ranges a scenario declares for its uncertainties, R replicates
per point (batch runner), a binary output per point (the share of replicates ending in an
outcome at least ``--min-share``, or the mean polarization at least ``--threshold``), then
the Patient Rule Induction Method (Friedman and Fisher 1999; ``ema_workbench.analysis.prim``)
peels the input space down to a box where that output is dense. The reported box is the densest
one on PRIM's peeling trajectory whose coverage (share of all cases of interest inside it) is at
least ``--min-coverage``. PRIM can also read an existing table (``--table``: a sweep.parquet or
batch parquet, one row per run).

    aigov-sensitivity discover --samples 400 --replicates 3 --target bifurcation -j 2
    aigov-sensitivity discover --table outputs/sweeps/.../sweep.parquet \\
        --inputs scenario.uncertainties.trust_gain,scenario.uncertainties.trust_loss
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import MAX_JOBS, MAX_RUNS, MAX_STEPS
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least, number_in
from sim.studies.batch import default_jobs, make_plan, run_plan
from sim.studies.sensitivity import (
    FLAGS,
    MAX_SAMPLE_SEED,
    check_fixed,
    check_plan,
    uncertainty_ranges,
)
from sim.studies.sweep import OUTCOMES

TARGETS = (*OUTCOMES, "index")


def lhs(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> pd.DataFrame:
    """``n`` Latin hypercube points over ``ranges`` ({name: (low, high)}), one column each."""
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    lo = np.array([r[0] for r in ranges.values()])
    hi = np.array([r[1] for r in ranges.values()])
    return pd.DataFrame(lo + u * (hi - lo), columns=list(ranges))


def cases_of_interest(table: pd.DataFrame, target: str, *, by: str | None = "point",
                      min_share: float = 0.5, threshold: float = 0.2) -> pd.Series:
    """Boolean output per point (``by``) or per row (``by=None``): outcome share >= min_share
    for an outcome target; mean polarization >= threshold for ``index``."""
    ok = table[table["status"] == "ok"]
    value = (ok["polarization"].astype(float) if target == "index"
             else (ok["outcome"] == target).astype(float))
    if by is not None:
        value = value.groupby(ok[by]).mean()
    return value >= (threshold if target == "index" else min_share)


@dataclass
class PrimResult:
    """The selected box: statistics, limits per restricted input, and the trajectory."""

    stats: dict
    limits: pd.DataFrame
    trajectory: pd.DataFrame


def box_stats(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame) -> dict:
    """Coverage (share of all cases inside), density (share of cases among points inside) and
    mass (share of points inside) of the box ``limits`` (rows: input, box_min, box_max)."""
    inside = np.ones(len(x), bool)
    for r in limits.to_dict("records"):
        v = x[r["input"]].to_numpy()
        inside &= (v >= r["box_min"]) & (v <= r["box_max"])
    cases = int(y.sum())
    return {"coverage": float(y[inside].sum() / cases) if cases else float("nan"),
            "density": float(y[inside].mean()) if inside.any() else float("nan"),
            "mass": float(inside.mean())}


def prim_box(x: pd.DataFrame, y: np.ndarray, *, min_coverage: float = 0.5,
             qp_alpha: float = 0.05, peel_alpha: float = 0.05,
             mass_min: float = 0.05) -> PrimResult:
    """Run PRIM on inputs ``x`` and boolean ``y``; select the densest box on the peeling
    trajectory with coverage at least ``min_coverage`` (else the box of largest coverage times
    density); then keep only restrictions whose quasi-p value (Bryant and Lempert 2010: chance
    that the restriction's gain in density is noise) is at most ``qp_alpha`` (1: keep all), and
    recompute the box's statistics. ``limits`` lists every restriction PRIM made, with its
    quasi-p values and whether it was kept."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0:
        raise ConfigError("target", 0, "no case of interest in the sample: nothing to discover")
    x = x.reset_index(drop=True).astype(float)
    with warnings.catch_warnings():  # ema_workbench's import and pandas deprecation notices
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        logging.getLogger("EMA").setLevel(logging.WARNING)
        box = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min).find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    eligible = traj[traj["coverage"] >= min_coverage]
    i = int(eligible["density"].idxmax()) if len(eligible) else \
        int((traj["coverage"] * traj["density"]).idxmax())
    lims, initial, qps = box.box_lims[i], box.box_lims[0], box.p_values[i]
    rows = []
    for col in x.columns:
        lo, hi = float(lims.loc[0, col]), float(lims.loc[1, col])
        lo0, hi0 = float(initial.loc[0, col]), float(initial.loc[1, col])
        if lo > lo0 or hi < hi0:
            q = [np.nan if v is None or v < 0 else float(v) for v in qps.get(col, [-1, -1])]
            rows.append({"input": col, "box_min": lo, "box_max": hi, "sample_min": lo0,
                         "sample_max": hi0, "kept_share": (hi - lo) / (hi0 - lo0)
                         if hi0 > lo0 else 1.0, "qp_low": q[0], "qp_high": q[1],
                         "kept": bool(np.nanmin(q) <= qp_alpha) if not np.isnan(q).all()
                         else qp_alpha >= 1})
    limits = pd.DataFrame(rows, columns=["input", "box_min", "box_max", "sample_min",
                                         "sample_max", "kept_share", "qp_low", "qp_high",
                                         "kept"])
    limits = limits.sort_values("kept_share", kind="stable").reset_index(drop=True)
    rec = traj.iloc[i]
    stats = {"box": i, "prim_coverage": float(rec["coverage"]),
             "prim_density": float(rec["density"]), "prim_restricted": int(rec["res_dim"]),
             **box_stats(x, y, limits[limits["kept"]]), "restricted": int(limits["kept"].sum()),
             "points": int(len(y)), "cases": int(y.sum()), "base_rate": float(y.mean())}
    return PrimResult(stats=stats, limits=limits, trajectory=traj)


def describe_box(res: PrimResult, label: str) -> list[str]:
    """Printed lines: the box's statistics, then one line per kept restriction."""
    s = res.stats
    lines = [f"PRIM box for {label}: coverage {s['coverage']:.2f}, density {s['density']:.2f} "
             f"(base rate {s['base_rate']:.2f}), mass {s['mass']:.2f}, {s['restricted']} "
             f"restricted input(s); {s['points']} points, {s['cases']} cases of interest",
             f"  (PRIM's box {s['box']} restricted {s['prim_restricted']} inputs: coverage "
             f"{s['prim_coverage']:.2f}, density {s['prim_density']:.2f}; restrictions with "
             "quasi-p above the cut dropped)"]
    for r in res.limits[res.limits["kept"]].to_dict("records"):
        qp = np.nanmin([r["qp_low"], r["qp_high"]])
        lines.append(f"  {r['input']:<28} in [{r['box_min']:.4g}, {r['box_max']:.4g}]  "
                     f"(sampled [{r['sample_min']:.4g}, {r['sample_max']:.4g}], qp {qp:.2g})")
    return lines


def sample_and_run(*, scenario: str = "baseline", samples: int = 200, replicates: int = 2,
                   params: list[str] | None = None, seed: int = 0, steps: int = 60,
                   overrides: tuple[str, ...] = (), jobs: int = 2,
                   progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latin hypercube over the scenario's uncertainty ranges, run; returns (inputs, runs)."""
    if samples * replicates > MAX_RUNS:
        raise ConfigError("--samples", samples, f"{samples} points x {replicates} replicates is "
                          f"more than {MAX_RUNS:,} runs")
    check_fixed(overrides, FLAGS)
    ranges = uncertainty_ranges(scenario, overrides)
    if params:
        unknown = [p for p in params if p not in ranges]
        if unknown:
            raise ConfigError("--params", unknown[0], f"not an uncertainty with a range; "
                              f"available: {', '.join(ranges)}")
        ranges = {p: ranges[p] for p in params}
    x = lhs(ranges, samples, seed)
    points = [{f"scenario.uncertainties.{k}.value": float(v) for k, v in row.items()}
              for row in x.to_dict("records")]
    plan = make_plan([f"scenario={scenario}", f"seed={seed}", f"steps={steps}", *overrides],
                     points=points, replicates=replicates)
    check_plan(plan, "--samples")
    return x, run_plan(plan, jobs=jobs, progress=progress).table


def read_table(path: Path) -> pd.DataFrame:
    """A run table (parquet, one row per run with ``status``); anything else is one line."""
    try:
        runs = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        reason = " ".join(str(exc).split())[:120]
        raise ConfigError("--table", str(path), f"is not a readable parquet table ({reason})") \
            from None
    if "status" not in runs.columns:
        raise ConfigError("--table", str(path), "has no 'status' column: not a run table of "
                          "aigov -m or the batch runner")
    return runs


def _parser() -> OneLineParser:
    """The command line of :func:`main`."""
    parser = OneLineParser(prog="aigov-sensitivity discover", description=(
        "Scenario discovery with PRIM: the box of uncertainties where an outcome is likely."))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--samples", type=int_at_least(2), default=400,
                        help="Latin hypercube points")
    parser.add_argument("-R", "--replicates", type=int_at_least(1), default=2)
    parser.add_argument("--params", default=None, help="uncertainties (default: all)")
    parser.add_argument("--target", default="bifurcation", choices=TARGETS)
    parser.add_argument("--min-share", type=number_in(0, 1), default=0.5,
                        help="share of replicates with the outcome that makes a case")
    parser.add_argument("--threshold", type=number_in(0, 1), default=0.2,
                        help="polarization threshold for --target index")
    parser.add_argument("--min-coverage", type=number_in(0, 1), default=0.5)
    parser.add_argument("--qp-alpha", type=number_in(0, 1), default=0.05,
                        help="keep restrictions with quasi-p at most this (1: keep all)")
    parser.add_argument("--table", type=Path, default=None,
                        help="use an existing run table (parquet) instead of sampling")
    parser.add_argument("--inputs", default=None, help="input columns of --table")
    parser.add_argument("--seed", type=int_at_least(0, MAX_SAMPLE_SEED), default=0)
    parser.add_argument("--steps", type=int_at_least(1, MAX_STEPS), default=60)
    parser.add_argument("-j", "--jobs", type=int_at_least(1, MAX_JOBS), default=default_jobs())
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default outputs/discovery/DATE/TIME)")
    parser.add_argument("-q", "--quiet", action="store_true")
    return parser


def _cases_from_table(args) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and cases of interest from an existing run table (``--table``, ``--inputs``)."""
    if not args.table.is_file():
        raise ConfigError("--table", str(args.table), "no such file")
    if not args.inputs:
        raise ConfigError("--inputs", None, "name the input columns of --table")
    runs = read_table(args.table)
    inputs = [c.strip() for c in args.inputs.split(",")]
    missing = [c for c in inputs if c not in runs.columns]
    if missing:
        raise ConfigError("--inputs", missing[0], "not a column of the table")
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    x = ok[inputs].astype(float)
    y = cases_of_interest(ok, args.target, by=None, min_share=args.min_share,
                          threshold=args.threshold).to_numpy()
    return x, y


def _cases_from_runs(args) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and cases of interest from a fresh Latin-hypercube sample, run now."""
    params = [p.strip() for p in args.params.split(",")] if args.params else None
    x, runs = sample_and_run(scenario=args.scenario, samples=args.samples,
                             replicates=args.replicates, params=params,
                             seed=args.seed, steps=args.steps,
                             overrides=tuple(args.overrides), jobs=args.jobs,
                             progress=not args.quiet)
    y = cases_of_interest(runs, args.target, min_share=args.min_share,
                          threshold=args.threshold).reindex(range(len(x)),
                                                            fill_value=False)
    y = y.to_numpy()
    return x, y


def main(argv: list[str] | None = None) -> None:
    """``aigov-sensitivity discover [options] [KEY=VALUE...]``."""
    from sim.report.io import atomic_write_text

    args = _parser().parse_args(argv)
    out = args.out or Path("outputs/discovery") / datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
    label = (f"mean polarization >= {args.threshold}" if args.target == "index"
             else f"P({args.target}) >= {args.min_share}")
    t0 = time.perf_counter()
    try:
        check_output("--out", out)
        x, y = _cases_from_table(args) if args.table is not None else _cases_from_runs(args)
        res = prim_box(x, y, min_coverage=args.min_coverage, qp_alpha=args.qp_alpha)
    except ConfigError as exc:
        fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "prim_box.csv", res.limits.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(out / "prim_trajectory.csv",
                      res.trajectory.to_csv(index=False, float_format="%.6g"))
    for line in describe_box(res, label):
        print(line)
    print(f"({time.perf_counter() - t0:.0f} s) box: {out / 'prim_box.csv'}  trajectory: "
          f"{out / 'prim_trajectory.csv'}")


if __name__ == "__main__":
    main()
