"""Running the dashboard's seeds on the worker pool of :mod:`sim.runs`, and one run month by
month.

:class:`Engine` keeps one :class:`sim.runs.Pool` of worker processes for the life of the page
(starting processes costs more than a model run; a worker that dies fails the requests it was
running, and the next request gets fresh workers), splits the seeds of a request into small
tasks so progress can be reported, and remembers recent results by config hash, so the
reference is run once. The engine is shared by every browser session: a request belongs to a
:class:`Request` (one per session), and a new request supersedes only the earlier requests of
the same :class:`Request` (their tasks not yet started are cancelled); another session's work
goes on.

Workers send back only what the page shows and saves: the measures it plots per month
(float32, for display), every observable's last value and the run's total change of trust by
cause from the trust ledger (float64, for the tables), not the whole series.

:func:`replay` runs one seed in this process and keeps, for every month, what the page draws:
each country's alignment, the trust matrix, the regimes in force and the sessions held.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from sim.api import with_seed
from sim.app.stats import MEASURES, bands
from sim.config import RunConfig, month_label
from sim.model.mechanisms.alignment import oriented
from sim.model.metrics import OBSERVABLES
from sim.model.model import GovernanceModel
from sim.report.io import (
    ledger_table,
    regimes_table,
    sessions_table,
    summary_dict,
    timeseries_table,
)
from sim.report.story import TRUST_CAUSES
from sim.runs import Failed, Pool

CHUNK = 5  # seeds per task: ten tasks for 50 seeds, so the progress bar moves
CACHE = 16  # seed sets remembered (50 seeds x 61 months x 4 measures: 49 kB each)
_MEASURE_COLUMNS = [OBSERVABLES.index(m) for m in MEASURES]


@dataclass(frozen=True, eq=False)  # compared by identity (it holds arrays)
class SeedSet:
    """Seeds 0..n-1 of one configuration: ``series`` [seeds, steps + 1, MEASURES] (float32,
    for display), ``finals`` [seeds, OBSERVABLES] (each observable's last value, float64),
    ``ledger`` [seeds, TRUST_CAUSES] (the run's change of trust by cause, mean per ordered pair
    of countries, summed over the months; float64) and the outcome of each seed."""

    config_hash: str
    series: np.ndarray
    finals: np.ndarray
    ledger: np.ndarray
    outcomes: tuple[str, ...]
    start: tuple[int, int]

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def dates(self) -> pd.DatetimeIndex:
        """Mid-month date of each step (step 0: the month before the start)."""
        return pd.to_datetime([month_label(self.start, s - 1) + "-15"
                               for s in range(self.series.shape[1])])

    def x(self) -> np.ndarray:
        """:meth:`dates` as matplotlib date numbers (days)."""
        return self._x

    @functools.cached_property
    def _x(self) -> np.ndarray:
        return mdates.date2num(self.dates())

    @functools.cached_property
    def bands(self) -> np.ndarray:
        """10th, 50th and 90th percentile over seeds of each measure: [3, steps + 1,
        MEASURES] (:func:`sim.app.stats.bands`), computed once."""
        return bands(self.series)


def observe(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(MEASURES of every step [steps + 1, MEASURES] as float32, OBSERVABLES at the last step
    as float64, the trust ledger's total by cause [TRUST_CAUSES] as float64) of a finished
    model."""
    data = model.datacollector.model_vars
    series = np.column_stack([np.asarray(data[k], dtype=float) for k in MEASURES])
    finals = np.array([float(data[k][-1]) for k in OBSERVABLES])
    rows = model.ledger.rows
    ledger = np.array([sum(r[c] for r in rows) for c in TRUST_CAUSES], dtype=float)
    return series.astype(np.float32), finals, ledger


def run_seed(run: RunConfig, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """One seed: :func:`observe` of its run and its outcome."""
    model = GovernanceModel(with_seed(run, seed)).run()
    return (*observe(model), model.outcome())


def _task(run: RunConfig, seeds: list[int]) -> tuple[list[int], list[tuple]]:
    return seeds, [run_seed(run, s) for s in seeds]


class Superseded(Exception):
    """A newer request of the same session took this one's place."""


class WorkerDied(RuntimeError):
    """A worker process running this request's seeds died (killed, out of memory); the next
    request runs on fresh workers."""


class Request:
    """One session's line of requests: :meth:`Engine.seeds` called with the same Request
    supersedes that Request's earlier calls, and nobody else's."""

    def __init__(self):
        self._lock = threading.Lock()
        self._generation = 0

    def begin(self) -> int:
        with self._lock:
            self._generation += 1
            return self._generation

    def current(self, generation: int) -> bool:
        return self._generation == generation


class Engine:
    """Seed sets on ``jobs`` worker processes (1: in the calling thread), cached by hash.

    The workers (:attr:`pool`, started at the first request or :meth:`warm`) come from the
    fork server of :mod:`sim.runs`, which also imports this module once; never a plain fork of
    the page's process, which holds threads."""

    def __init__(self, jobs: int = 2):
        self.jobs = jobs
        self.pool = Pool(jobs, preload=["sim.app.engine"])
        self._cache: OrderedDict[tuple[str, int], SeedSet] = OrderedDict()
        self._lock = threading.Lock()
        self._default = Request()

    def warm(self) -> None:
        """Start the workers now (each imports the model), so the first request is fast."""
        if self.jobs > 1:
            self.pool.warm()

    def cached(self, run: RunConfig, n: int) -> SeedSet | None:
        with self._lock:
            return self._cache.get((run.config_hash, n))

    def seeds(self, run: RunConfig, n: int,
              progress: Callable[[int, int], None] | None = None,
              request: Request | None = None) -> SeedSet:
        """Seeds 0..n-1 of ``run``; raises :class:`Superseded` when a newer call with the same
        ``request`` (default: one shared by all callers that give none) started before this
        one finished, and :class:`WorkerDied` when a worker running its seeds died."""
        hit = self.cached(run, n)
        if hit is not None:
            if progress:
                progress(n, n)
            return hit
        request = request or self._default
        mine = request.begin()
        chunks = [list(range(a, min(a + CHUNK, n))) for a in range(0, n, CHUNK)]
        got: dict[int, tuple] = {}

        def collect(result) -> None:
            for s, res in zip(*result, strict=True):
                got[s] = res
            if progress:
                progress(len(got), n)

        if self.jobs <= 1:
            for c in chunks:
                if not request.current(mine):
                    raise Superseded()
                collect(_task(run, c))
        else:
            futures = [self.pool.submit(_task, run, c) for c in chunks]
            try:
                for fut in cf.as_completed(futures):
                    if not request.current(mine):
                        raise Superseded()
                    res = Pool.result(fut)
                    if isinstance(res, Failed):
                        raise WorkerDied(f"{res.error}; its seeds were not run, try again")
                    collect(res)
            finally:
                for fut in futures:
                    fut.cancel()
        result = SeedSet(config_hash=run.config_hash,
                         series=np.stack([got[s][0] for s in range(n)]),
                         finals=np.stack([got[s][1] for s in range(n)]),
                         ledger=np.stack([got[s][2] for s in range(n)]),
                         outcomes=tuple(got[s][3] for s in range(n)), start=run.scenario.start)
        with self._lock:
            self._cache[run.config_hash, n] = result
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return result

    def close(self) -> None:
        """Cancel the seeds not started and end the workers (a later request starts anew)."""
        self.pool.close()


@dataclass(eq=False)  # compared by identity (it holds arrays)
class Replay:
    """One run kept month by month (index = step; step 0 is the initial state)."""

    model: GovernanceModel  # the finished model
    alignment: np.ndarray  # [steps + 1, countries], oriented so leader A is positive
    trust: np.ndarray  # [steps + 1, countries, countries]
    capability: np.ndarray  # [steps + 1, countries]
    timeseries: pd.DataFrame
    sessions: pd.DataFrame
    regimes: pd.DataFrame
    ledger: pd.DataFrame
    summary: dict

    @property
    def steps(self) -> int:
        return self.alignment.shape[0] - 1

    def month(self, step: int) -> str:
        return month_label(self.model.start, step - 1)


def replay(run: RunConfig, seed: int) -> Replay:
    """Run one seed here and keep each month's alignment, trust and capability."""
    model = GovernanceModel(with_seed(run, seed))
    lead = model.poles[0]
    al, tr, cap = [oriented(model.alignment, lead).copy()], [model.trust.copy()], \
        [model.capability.copy()]
    while model.steps < model.n_steps:
        model.step()
        al.append(oriented(model.alignment, lead).copy())
        tr.append(model.trust.copy())
        cap.append(model.capability.copy())
    model.running = False
    return Replay(model=model, alignment=np.array(al), trust=np.array(tr),
                  capability=np.array(cap), timeseries=timeseries_table(model),
                  sessions=sessions_table(model), regimes=regimes_table(model),
                  ledger=ledger_table(model), summary=summary_dict(model))
