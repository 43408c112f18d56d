"""Instructions per model run, counted by callgrind: a timing that ignores the host's load.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*qsort*' \\
        --callgrind-out-file=/dev/null python benchmarks/bench_instructions.py \\
        [--scenario NAME] [--runs N] [--observation deferred|plain|none]

callgrind counts only inside libc's qsort, and the runs are made from inside a qsort comparator
(through ctypes), so imports and model set-up are left out; reading the observables back is
counted. Divide the "Collected" total that valgrind prints by the number of runs (default 5).
Takes about two minutes.

``--observation``: ``deferred`` (the model as it is: Mesa's stock ``collect`` every month,
the observables settled for all months when the data are read), ``plain`` (the same
observables settled every month as they are collected, nothing held back) or ``none`` (no
monthly collection). The
difference between a variant and ``none`` is what that way of observing costs a run
(benchmarks/README.md).
"""

from __future__ import annotations

import ctypes

import sim
from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.model.collector import DeferredObservables
from sim.model.model import GovernanceModel


def observe_plainly(model) -> None:
    """Give a model just built monthly observation: its observables settled every month as
    they are collected (nothing held back; sim.model.collector)."""
    assert model.datacollector  # the set-up month settled as the model kept it
    model._pending = DeferredObservables(model, 1)


def main() -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--runs", type=int_at_least(1), default=5)
    ap.add_argument("--observation", choices=("deferred", "plain", "none"), default="deferred",
                    help="how the runs observe (see the module docstring)")
    args = ap.parse_args()
    name, runs = args.scenario, args.runs
    try:
        run = sim.load_config(name)
    except ConfigError as err:
        fail(err)
    GovernanceModel(run).run()  # warm-up, outside the count
    models = [GovernanceModel(sim.with_seed(run, r)) for r in range(runs)]
    for model in models:
        if args.observation == "none":
            model._collect = lambda: None
        elif args.observation == "plain":
            observe_plainly(model)

    def compare(_a, _b) -> int:
        for model in models:
            model.run()
            assert model.obs  # reading the data back
        return 0

    pair = (ctypes.c_int * 2)(1, 2)
    comparator = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(compare)
    ctypes.CDLL(None).qsort(pair, 2, ctypes.sizeof(ctypes.c_int), comparator)
    print(f"{runs} runs of {name}, observation {args.observation}: divide callgrind's "
          f"'Collected' by {runs}")


if __name__ == "__main__":
    main()
