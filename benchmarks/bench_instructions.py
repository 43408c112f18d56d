"""Instructions per model run, counted by callgrind: a timing that ignores the host's load.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*qsort*' \\
        --callgrind-out-file=/dev/null python benchmarks/bench_instructions.py [scenario] [runs]

callgrind counts only inside libc's qsort, and the runs are made from inside a qsort comparator
(through ctypes), so imports and model set-up are left out; reading the observables back (which
settles the trust splits the collector defers) is counted. Divide the "Collected" total that
valgrind prints by the number of runs (default 5). Takes about two minutes.
"""

from __future__ import annotations

import ctypes
import sys

import sim
from sim.model import GovernanceModel


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "baseline"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    run = sim.load_config(name)
    GovernanceModel(run).run()  # warm-up, outside the count
    models = [GovernanceModel(sim.with_seed(run, r)) for r in range(runs)]

    def compare(_a, _b) -> int:
        for model in models:
            model.run()
            assert model.obs  # reading the data settles the collector's deferred trust split
        return 0

    pair = (ctypes.c_int * 2)(1, 2)
    comparator = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(compare)
    ctypes.CDLL(None).qsort(pair, 2, ctypes.sizeof(ctypes.c_int), comparator)
    print(f"{runs} runs of {name}: divide callgrind's 'Collected' by {runs}")


if __name__ == "__main__":
    main()
