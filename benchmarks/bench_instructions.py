"""Instructions per model run, counted by callgrind: a timing that ignores the host's load.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*qsort*' \\
        --callgrind-out-file=/dev/null python benchmarks/bench_instructions.py \\
        [--scenario NAME] [--runs N] [--no-collect]

callgrind counts only inside libc's qsort, and the runs are made from inside a qsort comparator
(through ctypes), so imports and model set-up are left out; reading the observables back is
counted. Divide the "Collected" total that valgrind prints by the number of runs (default 5).
Takes about two minutes.

``--no-collect``: the same runs without the monthly data collection (Mesa's ``collect`` and
the reporters it calls, polarization's among them); the difference from a run with it is what
observation costs (benchmarks/README.md).
"""

from __future__ import annotations

import ctypes

import sim
from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.model import GovernanceModel


def main() -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--runs", type=int_at_least(1), default=5)
    ap.add_argument("--no-collect", action="store_true",
                    help="leave out the monthly data collection (to measure its share)")
    args = ap.parse_args()
    name, runs = args.scenario, args.runs
    try:
        run = sim.load_config(name)
    except ConfigError as err:
        fail(err)
    GovernanceModel(run).run()  # warm-up, outside the count
    models = [GovernanceModel(sim.with_seed(run, r)) for r in range(runs)]
    if args.no_collect:
        for model in models:
            model.datacollector.collect = lambda _model: None

    def compare(_a, _b) -> int:
        for model in models:
            model.run()
            assert model.obs  # reading the data back
        return 0

    pair = (ctypes.c_int * 2)(1, 2)
    comparator = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(compare)
    ctypes.CDLL(None).qsort(pair, 2, ctypes.sizeof(ctypes.c_int), comparator)
    print(f"{runs} runs of {name}: divide callgrind's 'Collected' by {runs}")


if __name__ == "__main__":
    main()
