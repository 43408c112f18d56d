"""Robustness of the outcome classes to their thresholds (docs/STUDIES.md, section 3).

Not a test: a study to run by hand and read. Each named scenario runs over N seeds ONCE; each
run's outcome basis is stored (``model.outcome_basis()``: shared depth and coverage of the
leaders' deepest common regime, polarization over the outcome window, the leaders' oriented
alignments, whether each leader has a regime of its own); then every run is re-classified with
each threshold of ``conf/outcome/default.yaml`` moved by -10% and +10%, one at a time (the
others at their values). The thresholds only read the state, so re-classifying a stored basis
is exactly what a run with the moved threshold would say.

    python benchmarks/outcome_robustness.py                      # every scenario, 100 seeds
    python benchmarks/outcome_robustness.py --seeds 20 --scenarios baseline,un_led
    python benchmarks/outcome_robustness.py --fast               # 2 scenarios, 3 seeds, 12 months

Prints, per scenario, the outcome shares at the thresholds as configured and the largest change
of any share (in percentage points) under each move, then the maximum over all; exit code 0
whatever the result (the requirement is no change above 10 points; the table says where).
Bad arguments: one line ``error: ...`` and exit code 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from sim.errors import ConfigError, OneLineParser, fail, int_at_least  # noqa: E402
from sim.studies.common import (  # noqa: E402
    MAX_JOBS,
    OUTCOMES,
    THRESHOLDS,
    basis_of,
    classify,
    fast_mode,
    map_runs,
    seeds_for,
    shares,
)

MOVES = (-0.10, +0.10)
REQUIREMENT = 10.0  # points


def _run(run, seed: int) -> dict:
    from sim.api import build_model

    return {"seed": seed, **basis_of(build_model(run, seed=seed).run())}


def collect(scenarios: list[str], seeds: int, steps: int, jobs: int) -> pd.DataFrame:
    """One row per scenario and seed: the outcome and its basis."""
    from sim.api import load_config

    runs = {name: load_config(name, steps=steps) for name in scenarios}
    tasks = [(runs[name], s) for name in scenarios for s in seeds_for(seeds)]
    rows = map_runs(_run, tasks, jobs=jobs)
    table = pd.DataFrame(rows)
    table.insert(0, "scenario", [name for name in scenarios for _ in range(seeds)])
    table.attrs["thresholds"] = {k: float(getattr(runs[scenarios[0]].outcome, k))
                                 for k in THRESHOLDS}
    return table


def robustness(table: pd.DataFrame, thresholds: dict[str, float]) -> pd.DataFrame:
    """Per scenario: shares as configured (reclassified: must equal the runs' own classes),
    and for each threshold and move the largest change of an outcome share, in points."""
    out = []
    for name, runs in table.groupby("scenario", sort=False):
        bases = runs.to_dict("records")
        own = [classify(b, thresholds) for b in bases]
        if own != list(runs["outcome"]):
            raise AssertionError(f"{name}: re-classification disagrees with the runs' classes")
        ref = shares(own)
        row = {"scenario": name, "seeds": len(bases),
               **{o: round(100 * ref[o], 1) for o in OUTCOMES}}
        for key in THRESHOLDS:
            for move in MOVES:
                moved = {**thresholds, key: thresholds[key] * (1 + move)}
                sh = shares([classify(b, moved) for b in bases])
                row[f"{key} {move:+.0%}"] = round(max(100 * abs(sh[o] - ref[o])
                                                      for o in OUTCOMES), 1)
        row["max change"] = max(v for k, v in row.items() if "%" in k)
        out.append(row)
    return pd.DataFrame(out)


def render(res: pd.DataFrame, thresholds: dict[str, float]) -> str:
    """The table as markdown: shares (%) and, per threshold, the largest change under -10% /
    +10% (points)."""
    head = ["scenario", "seeds", *[o[:4] + ". %" for o in OUTCOMES],
            *[f"{k} {thresholds[k]:g} (-10/+10%)" for k in THRESHOLDS], "max change"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in res.iterrows():
        cells = [r["scenario"], str(r["seeds"]), *[f"{r[o]:.0f}" for o in OUTCOMES]]
        cells += [f"{r[f'{k} -10%']:.0f} / {r[f'{k} +10%']:.0f}" for k in THRESHOLDS]
        cells.append(f"**{r['max change']:.0f}**" if r["max change"] > REQUIREMENT
                     else f"{r['max change']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from sim.config import available_scenarios

    parser = OneLineParser(prog="outcome_robustness.py", description=(
        "Run each scenario over N seeds once, then re-classify every run with each outcome "
        "threshold moved by -10%% and +10%%; print the shares and the largest change."))
    parser.add_argument("--scenarios", default=None,
                        help="comma-separated names (default: every scenario in scenarios/)")
    parser.add_argument("--seeds", type=int_at_least(1), default=None,
                        help="seeds per scenario (default 100; 3 in fast mode)")
    parser.add_argument("--steps", type=int_at_least(1), default=None,
                        help="months per run (default 60; 12 in fast mode)")
    parser.add_argument("-j", "--jobs", type=int_at_least(1), default=MAX_JOBS)
    parser.add_argument("--out", type=Path, default=None,
                        help="also write the runs' bases (CSV) and the table (.md) here")
    parser.add_argument("--fast", action="store_true", help="small version (also AIGOV_FAST=1)")
    args = parser.parse_args(argv)
    fast = fast_mode(args.fast)
    known = available_scenarios()
    if args.scenarios is None:
        names = ["baseline", "un_led"] if fast else known
    else:
        names = [s.strip() for s in args.scenarios.split(",")]
        for s in names:
            if s not in known:
                fail(ConfigError("--scenarios", s, f"unknown scenario; available: "
                                 f"{', '.join(known)}"))
        if len(set(names)) != len(names):
            fail(ConfigError("--scenarios", args.scenarios, "names a scenario twice"))
    seeds = args.seeds or (3 if fast else 100)
    steps = args.steps or (12 if fast else 60)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        fail(ConfigError("--out", str(args.out), "must be a folder"))
    t0 = time.perf_counter()
    try:
        table = collect(names, seeds, steps, args.jobs)
    except ConfigError as exc:
        fail(exc)
    thresholds = table.attrs["thresholds"]
    res = robustness(table, thresholds)
    text = render(res, thresholds)
    worst = res.loc[res["max change"].idxmax()]
    moves = [k for k in res.columns if "%" in k and worst[k] == worst["max change"] > 0]
    where = f" ({worst['scenario']}, {', '.join(moves)})" if moves else " (no move changes a class)"
    verdict = (f"maximum change {worst['max change']:.1f} points{where}; requirement: at most "
               f"{REQUIREMENT:g} points: "
               + ("holds" if worst["max change"] <= REQUIREMENT else "FAILS"))
    print(f"{len(names)} scenarios x {seeds} seeds, {steps} months, in "
          f"{time.perf_counter() - t0:.0f} s; thresholds "
          + ", ".join(f"{k} {v:g}" for k, v in thresholds.items()))
    print(text)
    print(verdict)
    if args.out is not None:
        from sim.report.io import atomic_write_text
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.out / "outcome_robustness_runs.csv",
                          table.to_csv(index=False, float_format="%.6g"))
        atomic_write_text(args.out / "outcome_robustness.md", text + "\n\n" + verdict + "\n")


if __name__ == "__main__":
    main()
