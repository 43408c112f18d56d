"""aigov-sim: an agent-based simulator of international AI-governance negotiation.

For notebooks::

    import sim
    res = sim.run("baseline", seed=0)
    res.timeseries, res.sessions, res.summary, res.model
"""

import os

# The model's matrices are small (N ~ 14-200): BLAS threads only add overhead and, with parallel
# runs, oversubscribe the cores. Parallelism comes from processes. Set before numpy loads BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from sim.api import RunResult, build_model, load_config, run, with_seed  # noqa: E402
from sim.config import available_scenarios  # noqa: E402
from sim.errors import ConfigError  # noqa: E402

__all__ = ["ConfigError", "RunResult", "available_scenarios", "build_model", "load_config",
           "run", "with_seed"]
