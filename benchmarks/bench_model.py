"""Init and run times of one model run: the default scenario and a 193-country roster.

    python benchmarks/bench_model.py [--repeats 7] [--steps 60]

Prints the fastest of several repeats (the least disturbed by other load on the machine) and
the median, for model set-up (arrays, agents, scheduled events) and for the run itself (all
monthly steps with data collection, the deferred trust split included). Config composition
(Hydra) is done once, outside the timings. Target (issue 2): the default 60-step run under 20
ms after set-up.
"""

from __future__ import annotations

import platform
import statistics
import time

import sim
from sim.errors import OneLineParser, int_at_least
from sim.model import GovernanceModel


def time_scenario(name: str, steps: int, repeats: int) -> dict:
    run = sim.load_config(name, steps=steps)
    GovernanceModel(run).run()  # warm-up: imports, caches
    inits, runs = [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        model = GovernanceModel(sim.with_seed(run, r))
        t1 = time.perf_counter()
        model.run()
        final = model.obs  # reading the data settles the deferred trust split: timed too
        assert final
        t2 = time.perf_counter()
        inits.append(t1 - t0)
        runs.append(t2 - t1)
    return {"scenario": name, "countries": len(run.scenario.countries),
            "labs": len(run.scenario.labs), "init_ms_min": 1e3 * min(inits),
            "init_ms_median": 1e3 * statistics.median(inits), "run_ms_min": 1e3 * min(runs),
            "run_ms_median": 1e3 * statistics.median(runs)}


def main() -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int_at_least(1), default=7)
    ap.add_argument("--steps", type=int_at_least(1), default=60)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.steps} steps, best of {args.repeats}")
    print(f"{'scenario':<12} {'countries':>9} {'labs':>5} {'init min':>9} {'init med':>9} "
          f"{'run min':>9} {'run med':>9}   (ms)")
    for name in ("baseline", "un_members"):
        r = time_scenario(name, args.steps, args.repeats)
        print(f"{r['scenario']:<12} {r['countries']:>9} {r['labs']:>5} {r['init_ms_min']:>9.2f} "
              f"{r['init_ms_median']:>9.2f} {r['run_ms_min']:>9.2f} {r['run_ms_median']:>9.2f}")


if __name__ == "__main__":
    main()
