"""Run the model from Python (notebooks, tests, other front doors) without the Hydra app.

The same config tree and override syntax as the command line, composed with Hydra's compose
API and validated by :mod:`sim.config` (:func:`load_config`). Example::

    import sim
    res = sim.run("exclusive_club", seed=3, overrides=["scenario.uncertainties.trust_gain=0.08"])
    res.timeseries.plot(x="month", y="polarization")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.config import RunConfig, check_seed, config_hash, load_config
from sim.model.model import GovernanceModel
from sim.report.io import (
    ledger_table,
    regimes_table,
    sessions_table,
    story_text,
    summary_dict,
    timeseries_table,
)

__all__ = ["RunResult", "build_model", "load_config", "run", "with_seed"]


@dataclass
class RunResult:
    """A finished run: the model and its tidy tables."""

    model: GovernanceModel
    timeseries: pd.DataFrame
    sessions: pd.DataFrame
    summary: dict
    regimes: pd.DataFrame | None = None  # one row per month and regime in force
    ledger: pd.DataFrame | None = None  # one row per month: trust change by cause
    story: str | None = None  # the run explained in plain words (Markdown; sim.story)

    @property
    def outcome(self) -> str:
        return self.summary["outcome"]


def with_seed(run: RunConfig, seed: int) -> RunConfig:
    """The same settings with another seed (cheap: no re-composition)."""
    check_seed(seed)
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
    """Build, run and tabulate one model run (its story in ``.story``)."""
    model = build_model(scenario, overrides, seed=seed, steps=steps).run()
    sessions, summary, ledger = sessions_table(model), summary_dict(model), ledger_table(model)
    return RunResult(model=model, timeseries=timeseries_table(model), sessions=sessions,
                     summary=summary, regimes=regimes_table(model), ledger=ledger,
                     story=story_text(model, summary, sessions, ledger))
