"""What a comparison reads from every run, month by month, and how it runs its seeds.

Besides the model's observables, seven quantities are read from the model's state each month
(NaN when a country they need is not in the roster), and the trust ledger, cumulative since the
start, per cause (see the package docstring). The runs go through :mod:`sim.runs`: one
:func:`sim.runs.run_one` per scenario and seed, on its one worker pool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config import RunConfig
from sim.model.ledger import CAUSES, DRIFT
from sim.model.metrics import OBSERVABLES
from sim.model.model import GovernanceModel
from sim.runs import Failed, imap, run_one

PROBES = ("us_china_controls", "china_implemented", "china_verified_by_us", "us_china_trust",
          "us_china_deals", "uk_china_trust", "open_lab_safety")
OPEN = 0.5  # openness from which a lab counts as an open-weights developer
LEDGER = tuple(f"ledger_{c}" for c in (*CAUSES, DRIFT))
FIGURE_COLUMNS = (*OBSERVABLES, *PROBES)
COLUMNS = (*FIGURE_COLUMNS, *LEDGER)
SUPPLIER, TARGET = "United States", "China"
CHUNK = 10  # seeds per task: few enough tasks to keep the progress bar moving


def open_lab_safety(model: GovernanceModel) -> float:
    """Capability-weighted safety investment of the open-weights labs (openness >= 0.5)."""
    cap = model.lab_share * model.capability[model.lab_home]
    mask = model.lab_openness >= OPEN
    if not mask.any() or cap[mask].sum() <= 0:
        return math.nan
    return float(cap[mask] @ model.lab_safety[mask] / cap[mask].sum())


def state_row(model: GovernanceModel) -> list[float]:
    """Observables and probes of the current month, in :data:`COLUMNS` order."""
    idx = model.country_index
    i, j, uk = idx.get(SUPPLIER), idx.get(TARGET), idx.get("United Kingdom")
    if i is None or j is None:
        us_china = [math.nan] * 5
    else:
        us_china = [model.controls[i, j], model.implemented[j], model.verified[i, j],
                    model.trust[i, j], model.deal_months[i, j]]
    uk_china = math.nan if uk is None or j is None else 0.5 * (model.trust[uk, j]
                                                                + model.trust[j, uk])
    probes = [*us_china, uk_china, open_lab_safety(model)]
    rows = model.ledger.rows
    ledger = [sum(r[c] for r in rows) for c in (*CAUSES, DRIFT)]
    return ([float(model.obs[k]) for k in OBSERVABLES] + [float(v) for v in probes]
            + [float(v) for v in ledger])


def simulate(run: RunConfig, seed: int) -> tuple[np.ndarray, str]:
    """One run: (array [steps + 1, len(COLUMNS)], step 0 = initial state; outcome)."""
    res = run_one(run, seed, each_month=state_row)
    return np.asarray(res.months, dtype=float), res.outcome


_RUNS: dict[str, RunConfig] = {}


def _init_worker(runs: dict[str, RunConfig]) -> None:
    _RUNS.update(runs)


def _task(name: str, seed: int) -> tuple[np.ndarray, str]:
    return simulate(_RUNS[name], seed)


@dataclass
class Results:
    """Per scenario: series [seeds, steps + 1, columns] and outcomes [seeds]."""

    series: dict[str, np.ndarray]
    outcomes: dict[str, list[str]]


def run_all(runs: dict[str, RunConfig], n_seeds: int, jobs: int,
            progress: bool = False) -> Results:
    """Run seeds 0..n_seeds-1 of every scenario on ``jobs`` processes (1: in this one), with
    a tqdm bar on stderr when ``progress``. A run whose worker died raises RuntimeError (a
    comparison needs every seed)."""
    from tqdm.auto import tqdm

    tasks = [(name, s) for name in runs for s in range(n_seeds)]
    series = {n: None for n in runs}
    outcomes = {n: [None] * n_seeds for n in runs}
    with tqdm(total=len(tasks), unit="run", desc="compare", disable=not progress) as bar:
        for i, res in imap(_task, tasks, jobs=jobs, chunk=CHUNK, initializer=_init_worker,
                           initargs=(runs,), ordered=False):
            if isinstance(res, Failed):
                raise RuntimeError(f"{tasks[i][0]} seed {tasks[i][1]}: {res.error}")
            name, seed = tasks[i]
            arr, oc = res
            if series[name] is None:
                series[name] = np.empty((n_seeds, *arr.shape))
            series[name][seed] = arr
            outcomes[name][seed] = oc
            bar.update(1)
    return Results(series=series, outcomes=outcomes)
