"""aigov-compare's command line: check the arguments, run, tabulate, draw, write the folder
atomically (see the package docstring for what it writes)."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.config import (
    MAX_JOBS,
    MAX_RUNS,
    MAX_STEPS,
    RunConfig,
    check_name,
    check_overrides,
    load_scenario,
    month_label,
)
from sim.errors import ConfigError, OneLineParser, check_output, fail

if TYPE_CHECKING:
    import pandas as pd

# The runs, tables, story and figure (the model, scipy, pandas, matplotlib) are imported where
# they are used, so that --help and arguments refused before the runs answer at once.

log = logging.getLogger("sim.studies.compare")
DEFAULT_ROOT = Path("outputs") / "compare"
MAX_SEEDS = 100_000
MAX_SERIES_BYTES = 2 * 1024**3  # the monthly series of every run are held in memory
STORY_MEASURES = ("polarization", "regime_coverage", "cross_camp_trust", "shared_depth",
                  "global_safety", "mean_trust")  # continuous measures told in story.md




def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def summary_dict(args, runs: dict[str, RunConfig], outcomes: pd.DataFrame,
                 observables: pd.DataFrame) -> dict:
    """Everything needed to cite the comparison: inputs, outcome shares, final means."""
    from sim.report.io import package_versions
    from sim.studies.compare.tables import CONFIDENCE

    ref = args.scenarios[0]

    def records(df, key):
        out: dict[str, dict] = {}
        for row in df.to_dict("records"):
            name, item = row.pop("scenario"), row.pop(key)
            out.setdefault(name, {})[item] = {k: _clean(v) for k, v in row.items()}
        return out

    return {
        "reference": ref,
        "scenarios": list(args.scenarios),
        "seeds": list(range(args.seeds)),
        "steps": {n: r.steps for n, r in runs.items()},
        "overrides": list(args.set),
        "confidence": CONFIDENCE,
        "outcomes": records(outcomes, "outcome"),
        "observables": records(observables, "observable"),
        "config_hashes": {n: r.config_hash for n, r in runs.items()},
        "command": " ".join(["aigov-compare", *sys.argv[1:]]),
        "created": datetime.now().isoformat(timespec="seconds"),
        "versions": package_versions(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = OneLineParser(
        prog="aigov-compare",
        description="Run two or more scenarios over the same seeds and compare each with the "
                    "first (the reference).")
    ap.add_argument("scenarios", nargs="*", help="scenario names; the first is the reference")
    ap.add_argument("--seeds", type=int, default=100, help="seeds 0..N-1 per scenario (100)")
    ap.add_argument("--steps", type=int, default=None, help="months per run (scenario default)")
    ap.add_argument("--jobs", type=int, default=None, help="processes (default: one per core)")
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder, new or empty (default outputs/compare/<time>_<names>)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override for every scenario, e.g. "
                         "scenario.uncertainties.trust_gain=0.08 (repeatable)")
    return ap.parse_args(argv)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_args(args: argparse.Namespace) -> Path:
    """Validate the command line before anything runs; returns the output folder."""
    names = args.scenarios
    if len(names) < 2:
        raise ConfigError("scenarios", names, "give at least two scenario names (the first is "
                          "the reference)")
    for name in names:
        check_name(name)
    if len(set(names)) != len(names):
        raise ConfigError("scenarios", names, "each scenario may appear once")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ConfigError("--seeds", args.seeds, f"must be an integer in [1, {MAX_SEEDS}]")
    if args.seeds * len(names) > MAX_RUNS:
        raise ConfigError("--seeds", args.seeds, f"{len(names)} scenarios x {args.seeds} seeds "
                          f"is more than {MAX_RUNS:,} runs")
    if args.steps is not None and not 1 <= args.steps <= MAX_STEPS:
        raise ConfigError("--steps", args.steps, f"must be an integer in [1, {MAX_STEPS}]")
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        raise ConfigError("--jobs", args.jobs, f"must be an integer in [1, {MAX_JOBS}]")
    for ov in args.set:
        if "=" not in ov or not ov.split("=", 1)[0]:
            raise ConfigError("--set", ov, "must be KEY=VALUE, e.g. "
                              "scenario.uncertainties.trust_gain=0.08")
    check_overrides(_overrides(args))
    if args.out is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        out = DEFAULT_ROOT / f"{stamp}_{'_vs_'.join(names)}"
    else:
        out = args.out
    check_output("--out", out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError("--out", str(out), "exists and is not empty; choose a new folder")
    return out


def _overrides(args: argparse.Namespace) -> list[str]:
    """What every scenario is composed with: the --set overrides, then --steps."""
    return [*args.set, *([] if args.steps is None else [f"steps={args.steps}"])]


def check_size(runs: dict[str, RunConfig], n_seeds: int) -> None:
    """Refuse a comparison whose monthly series would not fit :data:`MAX_SERIES_BYTES`."""
    from sim.studies.compare.running import COLUMNS

    need = sum(n_seeds * (r.steps + 1) * len(COLUMNS) * 8 for r in runs.values())
    if need > MAX_SERIES_BYTES:
        fits = max(1, n_seeds * MAX_SERIES_BYTES // need)
        raise ConfigError("--seeds", n_seeds, f"the monthly series of {len(runs)} scenarios "
                          f"would need {need / 1024**3:.1f} GB of memory; at most {fits} seeds "
                          f"at these settings (limit {MAX_SERIES_BYTES / 1024**3:g} GB)")


def write_outputs(out: Path, files: dict[str, bytes | str]) -> None:
    """Write all files into a hidden staging folder, then move it into place in one step, so
    the output folder is either complete or absent, and never overwrites another."""
    from sim.report.io import atomic_write_bytes, atomic_write_text

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    staging.mkdir()
    try:
        for name, data in files.items():
            if isinstance(data, bytes):
                atomic_write_bytes(staging / name, data)
            else:
                atomic_write_text(staging / name, data)
            (staging / name).chmod(0o666 & ~_umask())
        if out.exists():
            if any(out.iterdir()):
                raise ConfigError("--out", str(out), "appeared meanwhile and is not empty")
            out.rmdir()
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def show_progress() -> bool:
    """A progress bar on stderr when it is a terminal and the ``sim`` logger shows INFO
    (``-q`` silences it)."""
    return log.isEnabledFor(logging.INFO) and sys.stderr.isatty()


def compare(args: argparse.Namespace) -> Path:
    """Validate, run, tabulate, draw and write; returns the output folder."""
    from sim.report.story import compare_story
    from sim.studies.compare.figure import comparison_figure, label_of
    from sim.studies.compare.running import COLUMNS, LEDGER, run_all
    from sim.studies.compare.tables import (
        band_table,
        observable_table,
        outcome_table,
        render_table,
        runs_table,
    )

    out = check_args(args)
    runs = {n: load_scenario(n, _overrides(args)) for n in args.scenarios}
    check_size(runs, args.seeds)
    ref = args.scenarios[0]
    jobs = args.jobs or cpu_count()
    log.info(f"comparing {', '.join(runs)} (reference {ref}): {args.seeds} seeds each, "
             f"{jobs} process(es)")
    results = run_all(runs, args.seeds, jobs, progress=show_progress())
    starts = {n: r.scenario.start for n, r in runs.items()}
    finals = {n: arr[:, -1, :] for n, arr in results.series.items()}
    outcomes = outcome_table(results.outcomes, ref)
    observables = observable_table(finals, ref)
    end = month_label(runs[ref].scenario.start, runs[ref].steps - 1)
    table = render_table(outcomes, observables, ref, args.seeds, end)
    print(table)
    summary = summary_dict(args, runs, outcomes, observables)
    story = compare_story(outcomes, observables, ref, args.seeds, end, measures=STORY_MEASURES,
                          ledger=LEDGER, labels={c: label_of(c)[0] for c in COLUMNS})
    fmt = "%.6g"
    write_outputs(out, {
        "outcomes.csv": outcomes.to_csv(index=False, float_format=fmt),
        "observables.csv": observables.to_csv(index=False, float_format=fmt),
        "bands.csv": band_table(results.series, starts).to_csv(index=False, float_format=fmt),
        "runs.csv": runs_table(results).to_csv(index=False, float_format="%.10g"),
        "summary.json": json.dumps(summary, indent=2) + "\n",
        "table.txt": table + "\n",
        "story.md": story,
        "compare.png": comparison_figure(results, outcomes, ref, starts, args.seeds,
                                         {n: r.outcome.window for n, r in runs.items()}),
    })
    return out


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        out = compare(args)
    except ConfigError as exc:
        fail(exc)
    print(f"compare directory: {out}")


if __name__ == "__main__":
    main()
