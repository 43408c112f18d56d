"""Run the model from Python (notebooks, tests, other front doors) without the Hydra app.

The same config tree and override syntax as the command line, composed with Hydra's compose
API, validated by :mod:`sim.config`. Example::

    import sim
    res = sim.run("exclusive_club", seed=3, overrides=["scenario.uncertainties.trust_gain=0.08"])
    res.timeseries.plot(x="month", y="polarization")
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.config import (
    CONF_DIR,
    ROOT,
    RunConfig,
    available_scenarios,
    build_run_config,
    config_hash,
)
from sim.errors import ConfigError
from sim.io import ledger_table, regimes_table, sessions_table, summary_dict, timeseries_table
from sim.model import GovernanceModel
from sim.scenarios import check_name, locate_error, merge_order


@dataclass
class RunResult:
    """A finished run: the model and its tidy tables."""

    model: GovernanceModel
    timeseries: pd.DataFrame
    sessions: pd.DataFrame
    summary: dict
    regimes: pd.DataFrame | None = None  # one row per month and regime in force
    ledger: pd.DataFrame | None = None  # one row per month: trust change by cause

    @property
    def outcome(self) -> str:
        return self.summary["outcome"]


def hydra_error_line(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf/YAML composition error, naming what is wrong."""
    text = str(exc)
    m = re.search(r"Could not find '(?:scenario/)?([^']+)'", text)
    if m and "scenario" in text:
        return (f"scenario={m.group(1)!r}: unknown scenario; available: "
                f"{', '.join(available_scenarios())}")
    if "Could not load" in text and "scenario/" in text:
        m = re.search(r"scenario/([\w-]+)", text)
        name = m.group(1) if m else "?"
        return (f"scenario={name!r}: parent scenario not found; available: "
                f"{', '.join(available_scenarios())}")
    yaml_err = _yaml_error(exc)
    if yaml_err is not None:
        mark = getattr(yaml_err, "problem_mark", None)
        where = f"{_scenario_file(mark.name)} line {mark.line + 1}" if mark else "a config file"
        problem = getattr(yaml_err, "problem", None) or str(yaml_err).splitlines()[0]
        return f"malformed YAML in {where}: {problem}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _yaml_error(exc: BaseException | None):
    """The YAML parse error behind a composition error, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, yaml.YAMLError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _scenario_file(name: str | None) -> str:
    if not name or name.startswith("<"):
        return "a config file"
    path = Path(name)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def compose_config(scenario: str | None = "baseline", overrides: Sequence[str] = ()):
    """Compose the Hydra config tree with overrides (command-line syntax); returns DictConfig."""
    ov = list(overrides)
    if scenario is not None:
        if scenario not in available_scenarios():
            raise ConfigError("scenario", scenario,
                              f"unknown scenario; available: {', '.join(available_scenarios())}")
        ov = [f"scenario={scenario}", *ov]
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=ov)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra raises many types; the user sees one line
        line = hydra_error_line(exc)
        if line.startswith("scenario="):
            raise ConfigError("scenario", line.split(":")[0][9:].strip("'"),
                              line.split(":", 1)[1].strip()) from exc
        culprit = next((o for o in ov if o.split("=")[0].lstrip("+~") in line), None)
        raise ConfigError("override", culprit or " ".join(ov), line) from exc
    finally:
        GlobalHydra.instance().clear()


def load_config(scenario: str = "baseline", overrides: Sequence[str] = (), *,
                seed: int | None = None, steps: int | None = None) -> RunConfig:
    """Composed and validated run settings for a scenario plus overrides (command-line syntax).

    Errors in scenario values name the file (or override) that set them.
    """
    ov = [o for o in overrides if not o.startswith("scenario=")]  # the name chooses it
    if seed is not None:
        ov.append(f"seed={seed}")
    if steps is not None:
        ov.append(f"steps={steps}")
    check_name(scenario)
    merge_order(scenario)  # a missing parent is named with the file that names it
    try:
        return build_run_config(compose_config(scenario, ov))
    except ConfigError as exc:
        if exc.key.startswith("scenario.") or exc.key == "override":
            raise locate_error(exc, scenario, ov) from exc
        raise


def with_seed(run: RunConfig, seed: int) -> RunConfig:
    """The same settings with another seed (cheap: no re-composition)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", seed, "must be an integer >= 0")
    raw = {**run.raw, "seed": seed}
    return dataclasses.replace(run, seed=seed, raw=raw, config_hash=config_hash(raw))


def build_model(scenario: str | RunConfig = "baseline", overrides: Sequence[str] = (), *,
                seed: int | None = None, steps: int | None = None) -> GovernanceModel:
    """A fresh, un-run model."""
    run = scenario if isinstance(scenario, RunConfig) else load_config(
        scenario, overrides, seed=seed, steps=steps)
    if isinstance(scenario, RunConfig) and seed is not None:
        run = with_seed(run, seed)
    return GovernanceModel(run)


def run(scenario: str | RunConfig = "baseline", overrides: Sequence[str] = (), *,
        seed: int | None = None, steps: int | None = None) -> RunResult:
    """Build, run and tabulate one model run."""
    model = build_model(scenario, overrides, seed=seed, steps=steps).run()
    return RunResult(model=model, timeseries=timeseries_table(model),
                     sessions=sessions_table(model), summary=summary_dict(model),
                     regimes=regimes_table(model), ledger=ledger_table(model))
