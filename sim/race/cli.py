"""`aigov-race`: the DSAIR AI-race game of Han et al. (JAIR 2020) from the command line.

    aigov-race [--b 4 --c 1 --B 10000 --W 100 --s 1.5 --pr 0.78 --Z 100 --beta 0.01] [--json]
    aigov-race ... --simulate [--runs 20 --seed 0 --mu 1e-5 --steps N] [--json]
    aigov-race ... --phase-diagram [--out race_phase_diagram.png] [--grid 101]

Bad input prints one line `error: --FLAG=VALUE: what is allowed` on stderr and exits with 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.config import PARAMETERS
from sim.errors import ConfigError, OneLineParser, check_output, fail
from sim.race import game
from sim.race.evolution import finite_mutation_share, stationary_share_au

MUTATIONS_PER_RUN = 20_000
# Upper ends: the model's own hard bounds of the race parameters (sim.config.PARAMETERS), so
# that every payoff, threshold and share stays a finite number; sizes that bound the work.
HI = {name: PARAMETERS[f"race_{name}"].hi for name in ("b", "c", "B", "W", "s", "beta")}
MAX_Z = 1_000_000  # labs; the stationary share costs O(Z)
MAX_Z_SIMULATED = 100_000  # labs held as Mesa agents by --simulate
MAX_RUNS = 10_000
MAX_STEPS = 10**15  # update events per replicate (null events are skipped, mutations are not)
MAX_MUTATIONS = 10**8  # expected mutations over all replicates (runs x steps x mu)
MIN_MU = 1e-12
MAX_GRID = 1001

DEFAULTS = {
    "b": 4.0,
    "c": 1.0,
    "B": 1e4,
    "W": 100.0,
    "s": 1.5,
    "pr": 0.78,
    "Z": 100,
    "beta": 0.01,
    "runs": 20,
    "seed": 0,
    "mu": 1e-5,
    "steps": None,
    "grid": 101,
}

HELP = {
    "b": "benefit per development round",
    "c": "cost of safety per round",
    "B": "prize for winning the race",
    "W": "rounds a safe developer needs to win (100: early regime, 1e4 and more: late)",
    "s": "speed-up of unsafe development",
    "pr": "probability that unsafe development ends in disaster (0.78 sits on the "
    "early-regime risk-dominance line 1 - 1/(3s) for s = 1.5)",
    "Z": "population size (number of labs)",
    "beta": "intensity of selection of the Fermi imitation rule",
    "runs": "independent replicate runs for --simulate",
    "seed": "root seed; replicate seeds are SeedSequence(seed).spawn(runs)",
    "mu": "mutation probability per update event for --simulate",
    "steps": f"update events per replicate for --simulate, the first 10%% burn-in (default "
    f"{MUTATIONS_PER_RUN} / mu: about {MUTATIONS_PER_RUN:,} mutations per replicate)",
    "grid": "grid points per axis of the phase diagram",
}

RULES = {
    "b": (float, lambda x: 0 < x <= HI["b"], f"must be a number > 0 and <= {HI['b']:g}"),
    "c": (float, lambda x: 0 <= x <= HI["c"], f"must be a number >= 0 and <= {HI['c']:g}"),
    "B": (float, lambda x: 0 <= x <= HI["B"], f"must be a number >= 0 and <= {HI['B']:g}"),
    "W": (float, lambda x: PARAMETERS["race_W"].lo <= x <= HI["W"],
          f"must be a number > 0 (at least {PARAMETERS['race_W'].lo:g}) and <= {HI['W']:g}"),
    "s": (float, lambda x: 1 <= x <= HI["s"], f"must be a number >= 1 and <= {HI['s']:g}"),
    "pr": (float, lambda x: 0 <= x <= 1, "must be a number in [0, 1]"),
    "Z": (int, lambda x: 2 <= x <= MAX_Z, f"must be an integer >= 2 and <= {MAX_Z}"),
    "beta": (float, lambda x: 0 <= x <= HI["beta"],
             f"must be a number >= 0 and <= {HI['beta']:g}"),
    "runs": (int, lambda x: 1 <= x <= MAX_RUNS, f"must be an integer >= 1 and <= {MAX_RUNS}"),
    "seed": (int, lambda x: 0 <= x <= 2**63 - 1, "must be an integer >= 0 and < 2^63"),
    "mu": (float, lambda x: MIN_MU <= x <= 1,
           f"must be a number in (0, 1] (at least {MIN_MU:g})"),
    "steps": (int, lambda x: 10 <= x <= MAX_STEPS,
              f"must be an integer >= 10 and <= {MAX_STEPS:g}"),
    "grid": (int, lambda x: 2 <= x <= MAX_GRID,
             f"must be an integer >= 2 and <= {MAX_GRID}"),
}


@dataclass(frozen=True)
class Settings:
    """Validated command-line values (see :data:`HELP` for meanings and ranges)."""

    b: float
    c: float
    B: float
    W: float
    s: float
    pr: float
    Z: int
    beta: float
    runs: int
    seed: int
    mu: float
    steps: int | None
    grid: int


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="aigov-race",
        description="DSAIR AI-race game (Han, Pereira, Santos, Lenaerts, JAIR 69, 2020): race "
        "payoffs, the welfare and risk-dominance thresholds in p_r, the stationary share of "
        "unsafe play (AU) under social learning, a Mesa population simulation, and the "
        "(s, p_r) phase diagram.",
        allow_abbrev=False,
    )
    for name, default in DEFAULTS.items():
        shown = "" if default is None else f"; default {default:g}"
        allowed = RULES[name][2].removeprefix("must be ")
        parser.add_argument(
            f"--{name}", default=default, metavar="X", help=f"{HELP[name]}: {allowed}{shown}"
        )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--simulate",
        action="store_true",
        help="also estimate the share of AU with replicate runs of the Mesa lab population",
    )
    mode.add_argument(
        "--phase-diagram",
        action="store_true",
        help="draw the stationary share of AU over s in [1, 5] and p_r in [0, 1] (ignores "
        "--s and --pr) and print the file path as the last line",
    )
    parser.add_argument(
        "--out",
        default="race_phase_diagram.png",
        metavar="FILE",
        help="image file for --phase-diagram (default race_phase_diagram.png)",
    )
    return parser


def _number(raw: object) -> float | int | str:
    """The raw value as a number if it parses (integral values as int), else the text."""
    if isinstance(raw, int | float):
        return raw
    try:
        value = float(str(raw))
    except ValueError:
        return str(raw)
    return int(value) if math.isfinite(value) and value.is_integer() else value


def _validated(name: str, raw: object) -> float | int | None:
    if raw is None:
        return None
    kind, ok, allowed = RULES[name]
    value = _number(raw)
    if isinstance(value, int) and abs(value) >= 10**15:
        value = float(value)  # 1e308 is shown as such, not as its 309 digits
    if isinstance(value, str) or not math.isfinite(value):
        raise ConfigError(f"--{name}", value, allowed)
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"--{name}", value, allowed)
    if not ok(value):
        raise ConfigError(f"--{name}", value, allowed)
    return kind(value)


def parse_settings(argv: list[str] | None = None) -> tuple[Settings, argparse.Namespace]:
    """Parse and validate; raises :class:`ConfigError` naming the first bad flag."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.phase_diagram and args.json:
        parser.error("argument --json: not allowed with argument --phase-diagram")
    values = {name: _validated(name, getattr(args, name)) for name in DEFAULTS}
    cfg = Settings(**values)
    if args.simulate:
        _check_work(cfg)
    return cfg, args


def _check_work(cfg: Settings) -> None:
    """--simulate: the labs held in memory and the mutations drawn over all replicates."""
    if cfg.Z > MAX_Z_SIMULATED:
        raise ConfigError("--Z", cfg.Z, f"must be at most {MAX_Z_SIMULATED} with --simulate")
    mutations = cfg.runs * steps_per_run(cfg) * cfg.mu
    if mutations > MAX_MUTATIONS:
        flag, value = ("--steps", cfg.steps) if cfg.steps is not None else ("--runs", cfg.runs)
        raise ConfigError(flag, value, f"runs x steps x mu = {mutations:.3g} mutations to "
                          f"simulate; at most {MAX_MUTATIONS:g}")


def game_summary(cfg: Settings) -> dict[str, object]:
    """Race payoffs, the four thresholds and the stationary share of AU for one parameter set."""
    params = (cfg.b, cfg.c, cfg.B, cfg.W, cfg.s)
    return {
        "payoffs": game.race_payoff_dict(*params, cfg.pr),
        "threshold_welfare": game.threshold_welfare(*params),
        "threshold_risk_dominance": game.threshold_risk_dominance(*params),
        "threshold_welfare_early": game.threshold_welfare_early(cfg.s),
        "threshold_risk_dominance_early": game.threshold_risk_dominance_early(cfg.s),
        "stationary_AU": stationary_share_au(*params, cfg.pr, cfg.Z, cfg.beta),
    }


def steps_per_run(cfg: Settings) -> int:
    """Update events per replicate: --steps, or MUTATIONS_PER_RUN / mu."""
    return cfg.steps if cfg.steps is not None else max(10, round(MUTATIONS_PER_RUN / cfg.mu))


def simulation_summary(cfg: Settings) -> dict[str, float | None]:
    """Share of AU from replicate Mesa populations (mean and standard error across runs)."""
    from sim.race.population import simulate_shares

    payoffs = game.race_payoffs(cfg.b, cfg.c, cfg.B, cfg.W, cfg.s, cfg.pr)
    result = simulate_shares(
        payoffs, cfg.Z, cfg.beta, cfg.mu, steps_per_run(cfg), cfg.runs, cfg.seed
    )
    se = float(result.se[game.AU])
    return {
        "simulated_AU": float(result.mean[game.AU]),
        "simulated_AU_se": se if math.isfinite(se) else None,
    }


def regime(summary: dict[str, object], pr: float) -> str:
    """Which of the paper's zones p_r falls in, from the exact thresholds."""
    safe_better = pr > summary["threshold_welfare"]
    safe_selected = pr > summary["threshold_risk_dominance"]
    if safe_better and not safe_selected:
        return "dilemma zone: safety is better for all, yet unsafe play is selected"
    if safe_better:
        return "safety is better for all and is selected"
    if not safe_selected:
        return "unsafe play pays more and is selected (regulating it is over-regulation)"
    return "safety is selected although unsafe play pays more"


def format_table(cfg: Settings, summary: dict[str, object], simulated: dict | None) -> str:
    """Readable aligned report of one parameter set."""
    pay = summary["payoffs"]
    lines = [
        "DSAIR AI race (Han, Pereira, Santos, Lenaerts, JAIR 69, 2020)",
        f"  b={cfg.b:g}  c={cfg.c:g}  B={cfg.B:g}  W={cfg.W:g}  s={cfg.s:g}  p_r={cfg.pr:g}  "
        f"Z={cfg.Z}  beta={cfg.beta:g}",
        "",
        f"  {'race payoff Pi (row vs column)':<34}{'AS':>12}{'AU':>12}",
        f"  {'AS':<34}{pay['AS_AS']:>12.4f}{pay['AS_AU']:>12.4f}",
        f"  {'AU':<34}{pay['AU_AS']:>12.4f}{pay['AU_AU']:>12.4f}",
        "",
    ]
    rows = [(key, summary[key]) for key in summary if key != "payoffs"]
    notes = [f"  zone at p_r={cfg.pr:g} (exact thresholds): {regime(summary, cfg.pr)}"]
    if simulated is not None:
        se = simulated["simulated_AU_se"]
        payoffs = game.race_payoffs(cfg.b, cfg.c, cfg.B, cfg.W, cfg.s, cfg.pr)
        rows += [
            ("simulated_AU", simulated["simulated_AU"]),
            ("simulated_AU_se", math.nan if se is None else se),
            ("exact AU share at this mu", finite_mutation_share(payoffs, cfg.Z, cfg.beta, cfg.mu)),
        ]
        notes.append(
            f"  simulation: {cfg.runs} runs x {steps_per_run(cfg):,} update events "
            f"(first 10% burn-in), mu={cfg.mu:g} per event, seed={cfg.seed}"
        )
    lines += [f"  {key:<34}{value:>12.6f}" for key, value in rows]
    lines += ["", *notes]
    return "\n".join(lines)


def finite(value):
    """``value`` with every NaN or infinity replaced by None (null in JSON, which has no such
    numbers); the bounds keep them out, this keeps the output valid whatever happens."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _phase_diagram(cfg: Settings, out: Path) -> Path:
    from matplotlib.figure import Figure

    from sim.race.phase import draw_phase_diagram

    formats = Figure().canvas.get_supported_filetypes()
    if out.suffix.lstrip(".").lower() not in formats:
        raise ConfigError("--out", str(out), f"must end in one of .{', .'.join(sorted(formats))}")
    check_output("--out", out, kind="file")
    if not out.parent.is_dir():
        raise ConfigError("--out", str(out), f"directory {out.parent} does not exist")
    try:
        return draw_phase_diagram(out, cfg.b, cfg.c, cfg.B, cfg.W, cfg.Z, cfg.beta, cfg.grid)
    except OSError as err:
        raise ConfigError("--out", str(out), f"cannot be written ({err.strerror})") from err


def main(argv: list[str] | None = None) -> int:
    try:
        cfg, args = parse_settings(argv)
        if args.phase_diagram:
            path = _phase_diagram(cfg, Path(args.out))
            print(f"phase diagram of the stationary share of AU, {cfg.grid}x{cfg.grid} grid")
            print(path)
            return 0
        summary = game_summary(cfg)
        simulated = simulation_summary(cfg) if args.simulate else None
    except ConfigError as err:
        fail(err)
    if args.json:
        print(json.dumps(finite({**summary, **(simulated or {})}), allow_nan=False))
    else:
        print(format_table(cfg, summary, simulated))
    return 0


if __name__ == "__main__":
    sys.exit(main())
