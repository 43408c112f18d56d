"""Running the dashboard's seeds in a process pool, and one run month by month.

:class:`Engine` keeps one pool of worker processes for the life of the page (starting
processes costs more than a model run), splits the seeds of a request into small tasks so
progress can be reported, and remembers recent results by config hash, so the reference is
run once. A new request supersedes the running one: its tasks not yet started are cancelled.

:func:`replay` runs one seed in this process and keeps, for every month, what the page draws:
each country's alignment, the trust matrix, the regimes in force and the sessions held.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.api import with_seed
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

CHUNK = 5  # seeds per task: ten tasks for 50 seeds, so the progress bar moves
CACHE = 16  # seed sets remembered (a seed set of 50 x 61 months x 15 observables is 370 kB)


@dataclass(frozen=True, eq=False)  # compared by identity (it holds arrays)
class SeedSet:
    """Seeds 0..n-1 of one configuration: series [seeds, steps + 1, OBSERVABLES] and the
    outcome of each seed."""

    config_hash: str
    series: np.ndarray
    outcomes: tuple[str, ...]
    start: tuple[int, int]

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def dates(self) -> pd.DatetimeIndex:
        """Mid-month date of each step (step 0: the month before the start)."""
        return pd.to_datetime([month_label(self.start, s - 1) + "-15"
                               for s in range(self.series.shape[1])])


def run_seed(run: RunConfig, seed: int) -> tuple[np.ndarray, str]:
    """One seed: the observables of every step [steps + 1, OBSERVABLES] and the outcome."""
    model = GovernanceModel(with_seed(run, seed)).run()
    data = model.datacollector.model_vars
    return np.column_stack([np.asarray(data[k], dtype=float) for k in OBSERVABLES]), \
        model.outcome()


def _task(run: RunConfig, seeds: list[int]) -> tuple[list[int], list[np.ndarray], list[str]]:
    series, outcomes = [], []
    for s in seeds:
        arr, oc = run_seed(run, s)
        series.append(arr)
        outcomes.append(oc)
    return seeds, series, outcomes


class Superseded(Exception):
    """A newer request took the engine's place."""


def _context():
    """Workers forked from a server process that imported the model once (POSIX), else
    spawned; never a plain fork of the page's process, which holds threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.app.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


class Engine:
    """Seed sets on ``jobs`` worker processes (1: in the calling thread), cached by hash."""

    def __init__(self, jobs: int = 2):
        self.jobs = jobs
        self._pool: cf.ProcessPoolExecutor | None = None
        self._cache: OrderedDict[tuple[str, int], SeedSet] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0

    def pool(self) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs,
                                                    mp_context=_context())
            return self._pool

    def warm(self) -> None:
        """Start the workers now (each imports the model), so the first request is fast."""
        if self.jobs > 1:
            pool = self.pool()
            list(pool.map(_noop, range(self.jobs)))

    def cached(self, run: RunConfig, n: int) -> SeedSet | None:
        with self._lock:
            return self._cache.get((run.config_hash, n))

    def seeds(self, run: RunConfig, n: int,
              progress: Callable[[int, int], None] | None = None) -> SeedSet:
        """Seeds 0..n-1 of ``run``; raises :class:`Superseded` when a newer call started
        before this one finished."""
        hit = self.cached(run, n)
        if hit is not None:
            if progress:
                progress(n, n)
            return hit
        with self._lock:
            self._generation += 1
            mine = self._generation
        chunks = [list(range(a, min(a + CHUNK, n))) for a in range(0, n, CHUNK)]
        got: dict[int, tuple[np.ndarray, str]] = {}

        def collect(result) -> None:
            for s, arr, oc in zip(*result, strict=True):
                got[s] = (arr, oc)
            if progress:
                progress(len(got), n)

        if self.jobs <= 1:
            for c in chunks:
                if self._generation != mine:
                    raise Superseded()
                collect(_task(run, c))
        else:
            futures = [self.pool().submit(_task, run, c) for c in chunks]
            try:
                for fut in cf.as_completed(futures):
                    if self._generation != mine:
                        raise Superseded()
                    collect(fut.result())
            finally:
                for fut in futures:
                    fut.cancel()
        result = SeedSet(config_hash=run.config_hash,
                         series=np.stack([got[s][0] for s in range(n)]),
                         outcomes=tuple(got[s][1] for s in range(n)), start=run.scenario.start)
        with self._lock:
            self._cache[run.config_hash, n] = result
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return result

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None


def _noop(_: int) -> None:
    return None


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
