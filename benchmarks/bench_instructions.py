"""Instructions per model run, counted by callgrind: a timing that ignores the host's load.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*qsort*' \\
        --callgrind-out-file=/dev/null python benchmarks/bench_instructions.py \\
        [--scenario NAME] [--runs N] [--observation deferred|plain|none]

callgrind counts only inside libc's qsort, and the runs are made from inside a qsort comparator
(through ctypes), so imports and model set-up are left out; reading the observables back is
counted. Divide the "Collected" total that valgrind prints by the number of runs (default 5).
Takes about two minutes.

``--observation``: ``deferred`` (the model as it is: Mesa's stock ``collect`` every month,
polarization settled for all months when the data are read), ``plain`` (polarization computed
every month by its reporter, nothing deferred) or ``none`` (no monthly collection). The
difference between a variant and ``none`` is what that way of observing costs a run
(benchmarks/README.md).
"""

from __future__ import annotations

import ctypes
from functools import partial

import mesa

import sim
from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.model import metrics
from sim.model.collector import read_observable
from sim.model.model import GovernanceModel


class _NothingPending:
    """Stands in for the model's DeferredPolarization when nothing is deferred."""

    def keep(self, *_args) -> None:
        pass

    def settle(self, _model_vars) -> None:
        pass


def _polarization(model) -> float:
    return metrics.polarization(model.alignment, model.capability)


def observe_plainly(model) -> None:
    """Give a model just built plain observation: a stock DataCollector whose polarization
    reporter computes it every month (the set-up month collected again, outside the count)."""
    model._collector = mesa.DataCollector(model_reporters={
        k: _polarization if k == "polarization" else partial(read_observable, key=k)
        for k in metrics.OBSERVABLES})
    model._polarization = _NothingPending()
    model._collect()


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
