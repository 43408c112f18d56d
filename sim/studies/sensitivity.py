"""Global sensitivity analysis over a scenario's declared uncertainties (``aigov-sensitivity``).

Every ``scenario.uncertainties.NAME`` is written ``{value, range, source}``; the range is what
nobody can narrow today. This module samples those ranges (Sobol/Saltelli or Morris, SALib),
runs R replicates per sample point with the batch runner (common random numbers: every point
uses the same R seeds, spawned from ``--seed``), reduces each point to one output and writes the
indices with confidence intervals (CSV) and a bar chart (PNG).

Outputs: any final observable, averaged over the replicates (``polarization``, the default,
``mean_trust``, ...), or ``p_cooperation`` / ``p_bifurcation`` / ``p_fragmentation``, the share
of replicates ending in that outcome.

    aigov-sensitivity --fast                      # Sobol, N=64, R=2, all uncertainties
    aigov-sensitivity --method morris --output p_cooperation -j 4
    aigov-sensitivity phase ...                   # phase diagrams (sim.studies.phase)
    aigov-sensitivity discover ...                # scenario discovery, PRIM (sim.studies.discovery)
    aigov-sensitivity batch ...                   # the batch runner (sim.studies.batch)
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import MAX_JOBS, MAX_RUNS, MAX_STEPS, build_run_config
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.model.metrics import OBSERVABLES
from sim.studies.batch import BatchResult, Plan, assign, default_jobs, make_plan, run_plan
from sim.studies.sweep import OUTCOMES

OUTPUTS = (*OBSERVABLES, *(f"p_{o}" for o in OUTCOMES))
METHODS = ("sobol", "morris")
FAST = {"n": 64, "replicates": 2}
FULL = {"n": 256, "replicates": 4}
MAX_SAMPLE_SEED = 2**32 - 1  # SALib and scipy's samplers take 32-bit seeds
FLAGS = {"scenario": "--scenario", "seed": "--seed", "steps": "--steps",
         "replicates": "-R/--replicates"}  # keys the command sets itself


def uncertainty_ranges(scenario: str = "baseline",
                       overrides: tuple[str, ...] = ()) -> dict[str, tuple[float, float]]:
    """Declared plausible ranges ``{name: (low, high)}`` of the scenario's uncertainties
    (those with a non-empty range; in the order the scenario lists them)."""
    from omegaconf import OmegaConf

    from sim.config import compose_config

    cfg = OmegaConf.to_container(compose_config(scenario, list(overrides)), resolve=True)
    out = {}
    for name, node in (cfg["scenario"].get("uncertainties") or {}).items():
        rng = node.get("range") if isinstance(node, dict) else None
        if isinstance(rng, list) and len(rng) == 2 and float(rng[0]) < float(rng[1]):
            out[name] = (float(rng[0]), float(rng[1]))
    return out


def check_fixed(overrides: Sequence[str], flags: dict[str, str]) -> None:
    """Fixed overrides (``KEY=VALUE`` applied to every run) must parse, name each key once,
    take one value each (no sweep), and leave to their flags the keys in ``flags`` (``steps``
    -> ``--steps``)."""
    from sim.config import check_overrides, override_key, override_parser

    check_overrides(overrides)
    for o in overrides:
        key, value = override_key(o), o.split("=", 1)[-1]
        if key in flags:
            raise ConfigError(key, value, f"is set with {flags[key]} here")
        if override_parser().parse_override(o).is_sweep_override():
            raise ConfigError(key, value, "a fixed override takes one value")


def check_plan(plan: Plan, flag: str = "--runs") -> None:
    """Refuse a batch before it runs: more than :data:`MAX_RUNS` runs, or a value no run can
    take. Every distinct value of every override is validated once, in the first point that
    carries it (with that point's other values), so a typo fails here, naming its key, instead
    of filling the table with failed runs."""
    if plan.runs > MAX_RUNS:
        raise ConfigError(flag, plan.runs, f"the plan has {plan.runs:,} runs; at most "
                          f"{MAX_RUNS:,}")
    seen: set[tuple[str, str]] = set()
    for sel, assigns in plan.points:
        new = [(a.key, repr(v)) for a, v in assigns if (a.key, repr(v)) not in seen]
        if not new and seen:
            continue
        seen.update(new)
        data = plan.bases[sel]
        for axis, value in assigns:
            data = assign(data, axis, value)
        build_run_config(data)


def salib_problem(ranges: dict[str, tuple[float, float]]) -> dict:
    """SALib problem dict from ``{name: (low, high)}``."""
    return {"num_vars": len(ranges), "names": list(ranges),
            "bounds": [list(b) for b in ranges.values()]}


def sample(method: str, problem: dict, n: int, seed: int) -> np.ndarray:
    """Sample points (rows) for ``method``: Sobol (Saltelli scheme, first and total order only:
    n * (D + 2) points) or Morris (n trajectories of D + 1 points, 4 levels)."""
    if method == "sobol":
        from SALib.sample import sobol
        x = sobol.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris
        x = morris.sample(problem, n, num_levels=4, seed=seed)
    # Morris levels are computed in floating point (0.03 + 0.27 = 0.30000000000000004): keep
    # every sample inside its declared range, which validation enforces exactly.
    bounds = np.asarray(problem["bounds"], dtype=float)
    return np.clip(x, bounds[:, 0], bounds[:, 1])


def point_outputs(table: pd.DataFrame, output: str, n_points: int) -> np.ndarray:
    """One value per point from the run table: the replicate mean of an observable, or the
    share of replicates with an outcome (``p_<outcome>``)."""
    ok = table[table["status"] == "ok"]
    missing = sorted(set(range(n_points)) - set(ok["point"].astype(int)))
    if missing:
        bad = table[table["point"] == missing[0]]["error"].dropna()
        raise ConfigError("output", output, f"{len(missing)} point(s) have no successful run "
                          f"(first: point {missing[0]}: {bad.iloc[0] if len(bad) else '?'})")
    if output.startswith("p_"):
        values = (ok["outcome"] == output[2:]).astype(float)
    else:
        values = ok[output].astype(float)
    return values.groupby(ok["point"].astype(int)).mean().reindex(range(n_points)).to_numpy()


def analyze(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Indices with 95% confidence half-widths (bootstrap), one row per parameter.

    Sobol: S1, S1_conf, ST, ST_conf. Morris: mu, mu_star, mu_star_conf, sigma.
    """
    if method == "sobol":
        from SALib.analyze import sobol
        si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000,
                           conf_level=0.95, seed=seed)
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris
        si = morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95, num_levels=4,
                            seed=seed)
        cols = ("mu", "mu_star", "mu_star_conf", "sigma")
    df = pd.DataFrame({"parameter": problem["names"], **{c: np.asarray(si[c], float)
                                                         for c in cols}})
    key = "ST" if method == "sobol" else "mu_star"
    return df.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)


def indices_figure(df: pd.DataFrame, method: str, title: str, output: str = "the output") -> bytes:
    """Horizontal bar chart, largest effect on top: S1 and ST with CI error bars (Sobol) or
    mu* with its CI and sigma (Morris). Returns PNG bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = ((("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST"))
             if method == "sobol" else
             (("mu_star", "mu_star_conf", "mu* (mean |elementary effect|)"),
              ("sigma", None, "sigma (interactions, non-linearity)")))
    d = df.iloc[::-1]
    y = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.38 * len(d)), dpi=120)
    h = 0.38
    for k, (col, conf, label) in enumerate(pairs):
        err = d[conf].to_numpy() if conf else None
        ax.barh(y + (k - 0.5) * h, d[col], height=h, xerr=err, capsize=2, label=label,
                color=("#4C72B0", "#DD8452")[k], error_kw={"elinewidth": 0.8})
    ax.set_yticks(y)
    ax.set_yticklabels(d["parameter"])
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(f"Sobol index of {output} (share of its variance)\n"
                  "error bars: 95% bootstrap interval" if method == "sobol" else
                  f"elementary effect on {output} (its units, over each parameter's range)\n"
                  "error bar on mu*: 95% bootstrap interval", fontsize=9)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.set_title(title, fontsize=10, pad=24)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8,
              frameon=False)  # between the title and the bars, outside the data
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@dataclass
class SensitivityResult:
    """Indices, the run table and what it cost."""

    indices: pd.DataFrame
    runs: BatchResult
    problem: dict
    x: np.ndarray
    y: np.ndarray


def run_sensitivity(*, scenario: str = "baseline", method: str = "sobol",
                    output: str = "polarization", params: list[str] | None = None,
                    n: int = 64, replicates: int = 2, steps: int = 60, seed: int = 0,
                    overrides: tuple[str, ...] = (), jobs: int = 2, progress: bool = False,
                    runs_out: Path | None = None) -> SensitivityResult:
    """Sample, run and analyse; see the module docstring. Raises ConfigError on bad input."""
    if method not in METHODS:
        raise ConfigError("--method", method, f"must be one of {', '.join(METHODS)}")
    if output not in OUTPUTS:
        raise ConfigError("--output", output, f"must be one of {', '.join(OUTPUTS)}")
    if n < 2:
        raise ConfigError("-N", n, "must be an integer >= 2")
    if not 0 <= seed <= MAX_SAMPLE_SEED:
        raise ConfigError("--seed", seed, f"must be an integer in [0, {MAX_SAMPLE_SEED}]")
    check_fixed(overrides, FLAGS)
    ranges = uncertainty_ranges(scenario, overrides)
    if params:
        unknown = [p for p in params if p not in ranges]
        if unknown:
            raise ConfigError("--params", unknown[0], "is not an uncertainty with a range in "
                              f"{scenario}; available: {', '.join(ranges)}")
        ranges = {p: ranges[p] for p in params}
    if len(ranges) < 2:
        raise ConfigError("--params", list(ranges), "needs at least two uncertainties")
    problem = salib_problem(ranges)
    size = n * (len(ranges) + (2 if method == "sobol" else 1)) * replicates
    if size > MAX_RUNS:
        raise ConfigError("-N", n, f"{method} with {len(ranges)} uncertainties and "
                          f"{replicates} replicates needs {size:,} runs; at most {MAX_RUNS:,}")
    for o in overrides:
        parts = o.split("=", 1)[0].lstrip("+~").split(".")
        if parts[:2] == ["scenario", "uncertainties"] and len(parts) > 3 and parts[2] in ranges:
            raise ConfigError(o.split("=", 1)[0], o.split("=", 1)[-1], "sets a part of an "
                              "uncertainty that is being sampled; give its bare value "
                              f"(scenario.uncertainties.{parts[2]}=...) or leave it out of "
                              "--params")
    x = sample(method, problem, n, seed)
    points = [{f"scenario.uncertainties.{name}.value": float(v)
               for name, v in zip(problem["names"], row, strict=True)} for row in x]
    plan = make_plan([f"scenario={scenario}", f"seed={seed}", f"steps={steps}", *overrides],
                     points=points, replicates=replicates)
    check_plan(plan, "-N")
    res = run_plan(plan, jobs=jobs, out=runs_out, progress=progress)
    y = point_outputs(res.table, output, len(points))
    return SensitivityResult(indices=analyze(method, problem, x, y, seed), runs=res,
                             problem=problem, x=x, y=y)


def _sensitivity_main(argv: list[str]) -> None:
    parser = OneLineParser(prog="aigov-sensitivity", description=(
        "Sobol or Morris indices of one output over the uncertainties a scenario declares "
        "(their ranges). Subcommands: phase, discover, batch (see docs/SWEEPS.md)."))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="fixed overrides applied to every run (Hydra syntax)")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--method", default="sobol", choices=METHODS)
    parser.add_argument("--output", default="polarization", choices=OUTPUTS,
                        help="observable (mean over replicates) or p_<outcome>")
    parser.add_argument("--params", default=None,
                        help="comma-separated uncertainties (default: all with a range)")
    parser.add_argument("-N", type=int_at_least(2), default=None,
                        help=f"base samples (Sobol) or trajectories (Morris); "
                             f"default {FULL['n']}, --fast {FAST['n']}")
    parser.add_argument("-R", "--replicates", type=int_at_least(1), default=None,
                        help=f"seeds per point; default {FULL['replicates']}, "
                             f"--fast {FAST['replicates']}")
    parser.add_argument("--steps", type=int_at_least(1, MAX_STEPS), default=60,
                        help="months per run")
    parser.add_argument("--seed", type=int_at_least(0, MAX_SAMPLE_SEED), default=0,
                        help="sampling and replicate seed")
    parser.add_argument("--fast", action="store_true", help="N=64, R=2: minutes on two cores")
    parser.add_argument("-j", "--jobs", type=int_at_least(1, MAX_JOBS), default=default_jobs())
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default outputs/sensitivity/DATE/TIME)")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    preset = FAST if args.fast else FULL
    n = args.N if args.N is not None else preset["n"]
    reps = args.replicates if args.replicates is not None else preset["replicates"]
    out = args.out or Path("outputs/sensitivity") / datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
    params = [p.strip() for p in args.params.split(",") if p.strip()] if args.params else None
    t0 = time.perf_counter()
    try:
        check_output("--out", out)
        res = run_sensitivity(scenario=args.scenario, method=args.method, output=args.output,
                              params=params, n=n, replicates=reps, steps=args.steps,
                              seed=args.seed, overrides=tuple(args.overrides), jobs=args.jobs,
                              progress=not args.quiet, runs_out=out / "runs.parquet")
    except ConfigError as exc:
        fail(exc)
    seconds = time.perf_counter() - t0
    write_outputs(res, out, method=args.method, output=args.output, scenario=args.scenario,
                  n=n, replicates=reps, seconds=seconds)


def write_outputs(res: SensitivityResult, out: Path, *, method: str, output: str,
                  scenario: str, n: int, replicates: int, seconds: float) -> dict[str, Path]:
    """Write ``<method>_<output>.csv`` and ``.png`` into ``out``; print the top indices."""
    from sim.report.io import atomic_write_bytes, atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    stem = f"{method}_{output}"
    paths = {"csv": out / f"{stem}.csv", "png": out / f"{stem}.png"}
    atomic_write_text(paths["csv"], res.indices.to_csv(index=False, float_format="%.6g"))
    title = (f"{method.capitalize()} indices of {output} ({scenario}; "
             f"{'N' if method == 'sobol' else 'trajectories'}={n}, R={replicates}, "
             f"{res.runs.rows} runs)")
    atomic_write_bytes(paths["png"], indices_figure(res.indices, method, title, output))
    print(f"{method}: {len(res.problem['names'])} uncertainties, {len(res.x)} points x "
          f"{replicates} replicates = {res.runs.rows} runs ({res.runs.failed} failed) in "
          f"{seconds:.0f} s ({res.runs.runs_per_second:.1f} runs/s)")
    cols = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else \
        ("mu_star", "mu_star_conf", "sigma")
    for rec in res.indices.head(8).to_dict("records"):
        print("  " + f"{rec['parameter']:<24}" + "  ".join(f"{c}={rec[c]:.3f}" for c in cols))
    print(f"indices: {paths['csv']}  figure: {paths['png']}")
    return paths


SUBCOMMANDS = {"phase": "sim.studies.phase", "discover": "sim.studies.discovery",
               "batch": "sim.studies.batch"}


def main(argv: list[str] | None = None) -> None:
    """``aigov-sensitivity [sobol|morris options] | phase ... | discover ... | batch ...``."""
    import importlib

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module: Any = importlib.import_module(SUBCOMMANDS[argv[0]])
        module.main(argv[1:])
        return
    _sensitivity_main(argv)


if __name__ == "__main__":
    main()
