"""aigov-sim: an agent-based simulator of international AI-governance negotiation.

For notebooks::

    import sim
    res = sim.run("baseline", seed=0)
    res.timeseries, res.sessions, res.summary, res.model
"""

from sim.api import RunResult, build_model, load_config, run, with_seed
from sim.config import available_scenarios
from sim.errors import ConfigError

__all__ = ["ConfigError", "RunResult", "available_scenarios", "build_model", "load_config",
           "run", "with_seed"]
