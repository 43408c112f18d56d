"""aigov-sim: an agent-based simulator of international AI-governance negotiation.

For notebooks::

    import sim
    res = sim.run("baseline", seed=0)
    res.timeseries, res.sessions, res.summary, res.model

The names below are imported on first use (PEP 562), so a command that only needs the
configuration (``aigov --version``, ``--help``, a bad override caught before the run) does not
pay for importing the model, Mesa and pandas.
"""

import os

from sim.lazy import lazy_names  # importlib only: numpy is not loaded yet

# The model's matrices are small (N ~ 14-200): BLAS threads only add overhead and, with parallel
# runs, oversubscribe the cores. Parallelism comes from processes. Set before numpy loads BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

_HOMES = {"RunResult": "sim.api", "build_model": "sim.api", "load_config": "sim.api",
          "run": "sim.api", "with_seed": "sim.api", "available_scenarios": "sim.config",
          "ConfigError": "sim.errors"}
__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_names("sim", _HOMES, globals())
