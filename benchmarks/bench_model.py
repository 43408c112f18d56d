"""Set-up and run times of one model run for the three speed targets of model version 2.

    python benchmarks/bench_model.py [--repeats N] [--case NAME ...] [--clock cpu|wall]

Cases (target: the run after set-up):

- ``baseline``: the default scenario (14 countries, 13 labs), 60 months, under 20 ms;
- ``un_members``: 193 countries, 120 months, under 1 s;
- ``states_2000``: ``un_members`` widened to 2,000 countries (1,986 synthetic states), 60
  months, under 10 s.

Each case prints the fastest and the median of its repeats, for set-up (arrays, agents,
scheduled events) and for the run (every monthly step with data collection, and reading the
observables back). Config composition (Hydra) is done once per case, outside the timings. The
default clock is the process's CPU time (``time.process_time``): on a shared machine it does not
count the time other programs hold the cores, which wall-clock time does (``--clock wall``);
the fastest of several repeats is the least disturbed. ``bench_instructions.py`` counts
instructions instead, whatever the load.
"""

from __future__ import annotations

import platform
import statistics
import time

import sim
from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.model.model import GovernanceModel

# name: (scenario, months, overrides, default repeats, target in ms)
CASES = {
    "baseline": ("baseline", 60, (), 21, 20.0),
    "un_members": ("un_members", 120, (), 5, 1000.0),
    "states_2000": ("un_members", 60, ("scenario.synthetic_states.count=1986",), 2, 10000.0),
}
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def time_case(name: str, repeats: int | None, clock) -> dict:
    """Set-up and run times (ms) of a case over ``repeats`` seeds (0, 1, ...)."""
    scenario, steps, overrides, default_repeats, target = CASES[name]
    run = sim.load_config(scenario, list(overrides), steps=steps)
    repeats = repeats or default_repeats
    GovernanceModel(sim.load_config("baseline", steps=2)).run()  # warm-up: imports, caches
    inits, runs = [], []
    for r in range(repeats):
        t0 = clock()
        model = GovernanceModel(sim.with_seed(run, r))
        t1 = clock()
        model.run()
        assert model.obs  # reading the observables back is timed too
        t2 = clock()
        inits.append(t1 - t0)
        runs.append(t2 - t1)
    return {"case": name, "countries": model.n, "months": steps, "repeats": repeats,
            "init_min": 1e3 * min(inits), "init_median": 1e3 * statistics.median(inits),
            "run_min": 1e3 * min(runs), "run_median": 1e3 * statistics.median(runs),
            "target": target}


def main(argv=None) -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int_at_least(1), default=None,
                    help="runs per case (default: 21, 5 and 2)")
    ap.add_argument("--case", action="append", choices=tuple(CASES),
                    help="a case to time (repeatable; default: all three)")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="cpu")
    args = ap.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.clock} time, "
          f"fastest and median of the repeats")
    print(f"{'case':<12} {'countries':>9} {'months':>6} {'runs':>4} {'init min':>9} "
          f"{'init med':>9} {'run min':>10} {'run med':>10} {'target':>8}   (ms)")
    for name in args.case or CASES:
        try:
            r = time_case(name, args.repeats, CLOCKS[args.clock])
        except ConfigError as err:
            fail(err)
        verdict = "met" if r["run_min"] < r["target"] else "NOT met"
        print(f"{r['case']:<12} {r['countries']:>9} {r['months']:>6} {r['repeats']:>4} "
              f"{r['init_min']:>9.2f} {r['init_median']:>9.2f} {r['run_min']:>10.2f} "
              f"{r['run_median']:>10.2f} {r['target']:>8.0f}   {verdict}")


if __name__ == "__main__":
    main()
