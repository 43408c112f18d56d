"""Mean field, the command line: ``python -m sim.studies.meanfield``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.studies.meanfield.comparison import BLOCK, LAPSE_WORLD, NOISY_MISWIRED, NOISY_RUNS, check
from sim.studies.meanfield.plot import DEFAULT_FIGURE
from sim.studies.meanfield.world import NOISY, OBS

_positive = int_at_least(2)


def main(argv: Sequence[str] | None = None) -> None:
    from sim.studies import meanfield as package

    p = OneLineParser(prog="python -m sim.studies.meanfield",
                      description=package.__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=_positive, default=200, help="seeded runs (default 200)")
    p.add_argument("--steps", type=_positive, default=60, help="months (default 60)")
    p.add_argument("--noisy-runs", type=_positive, default=NOISY_RUNS,
                   help=f"seeded runs of the noisy world (default {NOISY_RUNS})")
    p.add_argument("--out", type=Path, default=DEFAULT_FIGURE, help="figure path")
    args = p.parse_args(argv)
    try:
        check_output("--out", args.out, kind="file")
        res = check(args.runs, args.steps, args.out, noisy_runs=args.noisy_runs)
    except ConfigError as exc:
        fail(exc)
    worst = max(*res["ode"].values(), *res["lapse_ode"].values())
    worst_map = max(res["exact_99"].values())
    print(f"noise-free world, {res['runs']} runs, simultaneous 95% band z = {res['z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} ODE path (solve_ivp): max deviation {res['ode'][k]:.3f} band units "
              f"(|ODE - grid map| <= {res["ode_minus_map"][k]:.1e})")
    print(f"noise-free world with a lapsing regime ({LAPSE_WORLD}), {res['runs']} runs")
    for k in OBS:
        print(f"  {k:12s} ODE path (solve_ivp): max deviation {res['lapse_ode'][k]:.3f} band "
              "units")
    print("  mis-wired ODE (phase-in, lapse, drift of the baseline forgotten): "
          + ", ".join(f"{k} {v:.1f}" for k, v in res["lapse_miswired"].items()) + " band units")
    print(f"noisy world (compliance noise {NOISY}), {res['noisy_runs']} runs, "
          f"z = {res['noisy_z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} exact map: {res['exact'][k]:.3f} (99% band: {res['exact_99'][k]:.3f}); "
              f"decorrelated map: {res['decorrelated'][k]:.2f}; Gaussian-closure ODE: "
              f"{res['closure'][k]:.2f} band units")
    print("  mis-wired exact map (99% band; " + ", ".join(
        f"{k} {v:g}" for k, v in NOISY_MISWIRED) + "): " + ", ".join(
        f"{k} {v:.2f}" for k, v in res["noisy_miswired"].items()) + " band units")
    for lo, dev in res["exact_blocks"]:
        print(f"  seeds {lo}-{lo + BLOCK - 1} alone: exact map, 99% band of {BLOCK} runs: "
              f"trust {dev['trust']:.2f}, implemented {dev['implemented']:.2f}")
    print(f"max deviation of the ODE paths: {worst:.3f} band units "
          f"({'inside' if worst <= 1 else 'OUTSIDE'} the band); of the exact map, "
          f"{res['noisy_runs']} runs: {worst_map:.3f} of the 99% band "
          f"({'inside' if worst_map <= 1 else 'OUTSIDE'}); figure: {args.out}")
    if worst > 1 or worst_map > 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
