"""Alignment check, the command line: ``python -m sim.studies.alignment_theory --out DIR``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.studies.alignment_theory.diagram import WORLDS, SweepSettings, agreement, csv_text, sweep
from sim.studies.alignment_theory.plot import figure_bytes

FIGURE_NAME = "alignment_meanfield.png"
CSV_NAME = "alignment_meanfield.csv"

def _beta_js(text: str) -> tuple[float, ...]:
    """argparse type: a comma-separated list of beta J values > 0."""
    import argparse

    try:
        vals = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers") from None
    if not vals or any(not np.isfinite(v) or v <= 0 or v > 10 for v in vals):
        raise argparse.ArgumentTypeError(f"values must be in (0, 10], got {text!r}")
    return tuple(sorted(set(vals)))


def _write(out: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: temporary names first, then renamed."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.tmp" for name in files}
    try:
        for name, data in files.items():
            tmp[name].write_bytes(data)
        for name in files:
            tmp[name].replace(out / name)
    finally:
        for t in tmp.values():
            t.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> None:
    d = SweepSettings()
    p = OneLineParser(prog="python -m sim.studies.alignment_theory",
                      description="Alignment layer and full model against the Curie-Weiss mean "
                                  "field: bifurcation diagram and critical point.")
    p.add_argument("--out", type=Path, required=True,
                   help=f"output directory ({FIGURE_NAME}, {CSV_NAME})")
    p.add_argument("--seeds", type=int_at_least(2), default=d.seeds,
                   help=f"layer runs per point (default {d.seeds})")
    p.add_argument("--model-seeds", type=int_at_least(0), default=d.model_seeds,
                   help=f"full-model runs per point, 0: none (default {d.model_seeds})")
    p.add_argument("--critical-seeds", type=int_at_least(2), default=d.critical_seeds,
                   help=f"layer runs per growth-factor point (default {d.critical_seeds})")
    p.add_argument("--model-critical-seeds", type=int_at_least(0),
                   default=d.model_critical_seeds,
                   help="model runs per growth-factor point, 0: none "
                        f"(default {d.model_critical_seeds})")
    p.add_argument("--months", type=int_at_least(1), default=d.months,
                   help=f"layer horizon in months (default {d.months})")
    p.add_argument("--model-months", type=int_at_least(1), default=d.model_months,
                   help=f"model horizon in months (default {d.model_months})")
    p.add_argument("--tail", type=int_at_least(1), default=d.tail,
                   help=f"months averaged at the end, at most both horizons (default {d.tail})")
    p.add_argument("--beta-j", type=_beta_js, default=d.beta_js,
                   help="layer points, comma-separated beta J in (0, 10]")
    p.add_argument("--model-beta-j", type=_beta_js, default=d.model_beta_js,
                   help="full-model points, comma-separated beta J in (0, 10]")
    args = p.parse_args(argv)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        fail(f"--out={str(out)!r}: exists and is not a directory")
    if args.tail > min(args.months, args.model_months):
        fail(f"--tail={args.tail}: must not exceed --months ({args.months}) and --model-months "
             f"({args.model_months})")
    s = SweepSettings(beta_js=args.beta_j, model_beta_js=args.model_beta_j, seeds=args.seeds,
                      model_seeds=args.model_seeds, months=args.months,
                      model_months=args.model_months, tail=args.tail,
                      critical_seeds=args.critical_seeds,
                      model_critical_seeds=args.model_critical_seeds)
    try:
        rows = sweep(s)
        files = {FIGURE_NAME: figure_bytes(rows, s), CSV_NAME: csv_text(rows).encode()}
        _write(out, files)
    except (ConfigError, OSError) as exc:
        fail(exc)
    for r in rows:
        if r["quantity"] == "critical_beta_j":
            print(f"{r['world']:15s} {r['source']:6s} critical beta J = {r['value']:.4f} "
                  f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]")
    for world in WORLDS:
        for source in ("layer", "model"):
            gaps = [g for g in agreement(rows) if g["world"] == world and g["source"] == source]
            if gaps:
                worst = max(gaps, key=lambda g: g["gap"])
                print(f"{world:15s} {source:6s} final |m| vs theory: largest gap "
                      f"{worst['gap']:.2f} CI half-widths (beta J = {worst['beta_j']:g}: "
                      f"{worst['value']:.4f} vs {worst['theory']:.4f})")
    print(f"wrote {out / FIGURE_NAME} and {out / CSV_NAME}")


if __name__ == "__main__":
    main(sys.argv[1:])
