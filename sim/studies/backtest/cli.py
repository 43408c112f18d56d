"""Back-test command line: ``aigov-backtest`` (and ``python -m sim.studies.backtest``)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.config import (
    MAX_JOBS,
)
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.studies.backtest.calibration import Calibration, apply_values, calibrate, leave_one_out
from sim.studies.backtest.events import DEFAULT_EVENTS, read_events
from sim.studies.backtest.plan import load_history, templates
from sim.studies.backtest.report import figure, table
from sim.studies.backtest.scenario_file import (
    HISTORY_YAML,
    read_scenario_text,
    render_block,
    write_block,
)
from sim.studies.backtest.score import backtest

DEFAULT_OUT = Path("outputs") / "backtest"

# ---------------------------------------------------------------------------------------------
# command line


MAX_SEEDS = 10_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from sim.studies import backtest as package

    p = OneLineParser(prog="aigov-backtest", description=package.__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, default=DEFAULT_EVENTS,
                   help="events file (schema in its header); default: %(default)s")
    p.add_argument("--seeds", type=int_at_least(1, MAX_SEEDS), default=None,
                   help="number of seeds, 0..N-1 (default 50; with --calibrate: 10 to fit, "
                        "then the back-test of the result on the same seeds)")
    p.add_argument("--scenario", default="history",
                   help="scenario giving roster, parameters and templates (default history; "
                        "'baseline' gives the uncalibrated priors)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="directory for backtest.csv, backtest.json, backtest.png")
    p.add_argument("--calibrate", action="store_true",
                   help="calibrate the free parameters and write them to --history")
    p.add_argument("--prior", default="baseline",
                   help="scenario the calibration starts from (default %(default)s)")
    p.add_argument("--history", type=Path, default=None,
                   help="scenario file the calibration writes (default OUT/history.yaml, a "
                        "copy of the library's history scenario with the calibrated block "
                        "replaced; use it with AIGOV_SCENARIOS=OUT, docs/VALIDATION.md)")
    p.add_argument("--maxiter", type=int_at_least(1, 10_000), default=None,
                   help="calibration generations (default 30; 8 with --leave-one-out)")
    p.add_argument("--popsize", type=int_at_least(1, 1000), default=None,
                   help="population multiplier (default 5; 3 with --leave-one-out)")
    p.add_argument("--workers", type=int_at_least(1, MAX_JOBS), default=2,
                   help="processes for calibration (default %(default)s)")
    p.add_argument("--leave-one-out", action="store_true",
                   help="calibrate without each outcome in turn (--maxiter/--popsize, default 8 "
                        "and 3 here; --seeds to fit, default 5) and score it on seeds 0-49; "
                        "prints one JSON line per outcome")
    return p.parse_args(argv)


def _print_calibration(cal: Calibration) -> None:
    print(f"calibration: {cal.settings}")
    print(f"  prior:      mean F1 {cal.prior_fit[0]:.3f}, key-actor error {cal.prior_fit[1]:.3f}")
    print(f"  calibrated: mean F1 {cal.fit[0]:.3f}, key-actor error {cal.fit[1]:.3f}")
    for f, a, b in zip(cal.free, cal.prior, cal.values, strict=True):
        print(f"  {f.name:34s} {a:8.3f} -> {b:8.3f}   [{f.lo:g}, {f.hi:g}]")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.history is None:
        args.history = args.out / "history.yaml"
    try:
        check_output("--out", args.out)
        if args.calibrate:
            check_output("--history", args.history, kind="file")
            read_scenario_text(args.history, HISTORY_YAML)  # UTF-8 and readable, before the fit
        events = read_events(args.events)
        if args.leave_one_out:
            from sim.api import load_config

            for row in leave_one_out(load_config(args.prior), events, range(args.seeds or 5),
                                     range(50), workers=args.workers,
                                     maxiter=args.maxiter or 8, popsize=args.popsize or 3):
                print(json.dumps(row), flush=True)
            return
        seeds = range(args.seeds or (10 if args.calibrate else 50))
        if args.calibrate:
            from sim.api import load_config

            base = load_config(args.prior)
            base_templates = templates(base.scenario)
            cal = calibrate(base, events, seeds, maxiter=args.maxiter or 30,
                            popsize=args.popsize or 5, workers=args.workers,
                            verbose=not args.json)
            write_block(args.history, render_block(base, base_templates, cal,
                                                   dt.date.today().isoformat()), HISTORY_YAML)
            if not args.json:
                _print_calibration(cal)
                print(f"wrote {args.history}")
            run, plans = apply_values(base, cal.free, cal.values, events, base_templates)
            run = dataclasses.replace(run, scenario=dataclasses.replace(
                run.scenario, name=f"{args.history.stem} (calibrated)"))
        else:
            run, events, plans = load_history(args.scenario, events)
        report = backtest(run, events, plans, seeds)
    except ConfigError as exc:
        fail(exc)
    args.out.mkdir(parents=True, exist_ok=True)
    tab = table(report)
    tab.to_csv(args.out / "backtest.csv", index=False, float_format="%.4f")
    (args.out / "backtest.json").write_text(json.dumps(report, indent=2) + "\n")
    figure(report, args.out / "backtest.png")
    if args.json:
        print(json.dumps(report))
        return
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(tab.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"mean F1 {report['mean_f1']:.3f} over {report['seeds']} seeds "
          f"(outcomes with a text: {report['mean_f1_instruments']:.3f}); key-actor error rate "
          f"{report['key_actor_error_rate']:.3f}; key actors right on every outcome: "
          f"{report['key_actors_all_correct']}")
    print(f"files: {args.out / 'backtest.csv'}, {args.out / 'backtest.json'}, "
          f"{args.out / 'backtest.png'}")


if __name__ == "__main__":
    main(sys.argv[1:])
