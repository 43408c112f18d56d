"""The `aigov` command (and `python -m sim`): one Hydra app running one scenario.

    aigov                                   # baseline, seed 0, 60 months
    aigov scenario=exclusive_club seed=7    # a what-if
    aigov -m seed='range(0,10)'             # a Hydra multirun

Bad input (an unknown scenario, a value out of range, a typo) gets one line on stderr naming
the key, the value and what is allowed, exit code 2, and no run directory.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.api import load_config
from sim.config import CONF_DIR, build_run_config
from sim.errors import ConfigError, fail
from sim.io import write_run
from sim.model import GovernanceModel
from sim.scenarios import scenario_of


def run_job(cfg: DictConfig, out_dir: Path) -> dict:
    """Validate, run and write one job into ``out_dir``; returns the summary paths."""
    run = build_run_config(cfg)
    model = GovernanceModel(run).run()
    paths = write_run(model, out_dir)
    return {"model": model, "paths": paths}


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:
        # A failing job is recorded and the sweep goes on (Hydra would stop at the first raise);
        # a job already complete in this sweep directory is skipped (resume); replicates=N.
        from sim.sweep import sweep_job

        sweep_job(cfg, out, job_num=hc.job.num, sweep_dir=Path(hc.sweep.dir))
        return
    try:
        result = run_job(cfg, out)
    except ConfigError as exc:
        shutil.rmtree(out, ignore_errors=True)
        fail(exc)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    model = result["model"]
    obs = model.obs
    print(f"scenario {model.scenario_name}, seed {model.run_config.seed}, "
          f"{model.run_config.steps} months: outcome {model.outcome()}")
    print("  " + ", ".join(f"{k}={obs[k]:.3f}" for k in
                           ("polarization", "cross_camp_trust", "regime_coverage",
                            "shared_depth", "global_safety", "mean_controls")))
    camps = model.camps_found()
    print(f"  camps: A {', '.join(camps['A'])}; B {', '.join(camps['B'])}; "
          f"{len(model.regime_series)} regimes, {int(obs['regimes_in_force'])} in force")
    print(f"  {len(model.sessions)} venue sessions, {int(obs['incidents'])} incidents; files: "
          + ", ".join(p.name for p in result["paths"].values()))
    print(f"run directory: {out}")


def _preflight(argv: list[str]) -> None:
    """Validate a single run's overrides before Hydra creates any directory."""
    if any(a.startswith("-") for a in argv):
        return  # multirun, --help, --cfg, completion...: Hydra handles these itself
    overrides = [a for a in argv if not a.lstrip("+~").startswith("hydra")]
    try:
        load_config(scenario_of(overrides), overrides)
    except ConfigError as exc:
        fail(exc)


def main() -> None:
    _preflight(sys.argv[1:])
    _app()


if __name__ == "__main__":
    main()
