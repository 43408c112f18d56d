"""One way to run the model for a seed, and the one worker pool every study uses.

It lives at the top of the package (``sim/runs.py``), not in ``sim/studies/``, because it sits
between the model and everything that runs it many times: the studies (compare, batch and
through it sweep, sensitivity, phase and discovery; tipping and pathdep through
:func:`sim.studies.common.map_runs`) and the front doors (the dashboard's engine keeps a
:class:`Pool`). It knows the model and the run settings and nothing about any study, so data
still flows one way: config -> model -> runs -> studies -> report.

- :func:`run_one`: a :class:`~sim.config.RunConfig` and a seed (optionally fewer or more months)
  -> :class:`Run` (outcome, final observables, what an optional ``probe`` read from the finished
  model, and what an optional ``each_month`` read at month 0 and after every month).
- :func:`imap`: ``fn(*task)`` for every task in worker processes. Workers are forked from a
  server that imported the model once (``forkserver``; ``spawn`` where it does not exist), so
  they start fast and never copy a threaded parent; an ``initializer`` runs once per worker
  (e.g. to hold configs composed once); tasks travel in chunks, read from the caller's
  iterable as they are sent; results come back in task order or as completed, with their task
  index; only a few chunks are in flight at a time, so the parent holds no more than
  ``jobs x window`` chunks of tasks and results however long the run (the caller streams them
  to disk). Workers leave what they inherited from the server out of garbage collection
  (``gc.freeze``), so that it stays shared; :func:`start_server` starts the server early.
  Ctrl-C cancels what has not started and re-raises ``KeyboardInterrupt`` after the results
  already yielded; a worker that dies (killed, out of memory) turns its chunks into
  :class:`Failed` results and the rest continues on a fresh pool (``BrokenProcessPool`` is
  handled). Each worker does its linear algebra on one BLAS thread.
- :class:`Pool`: those workers kept between calls (``submit``, ``warm``, ``close``), for a
  caller that sends work as it comes (the dashboard); :func:`imap` runs on one too, so it is
  the only place that starts worker processes.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, replace
from typing import Any

from sim.config import MAX_STEPS, RunConfig, config_hash
from sim.errors import ConfigError

#: environment variables that cap the threads of numpy's BLAS/OpenMP libraries in workers
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
PRELOAD = ["sim.runs", "sim.model.model", "sim.api"]  # imported once, by the fork server
WINDOW = 3  # chunks in flight per worker: enough to keep workers busy, few to hold


# -- one run -------------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished run: its seed, outcome, final observables, and what was read from it."""

    seed: int
    outcome: str
    final: dict[str, float]
    probed: Any = None
    months: list | None = None


def run_one(run: RunConfig, seed: int | None = None, *, steps: int | None = None,
            probe: Callable[[Any], Any] | None = None,
            each_month: Callable[[Any], Any] | None = None) -> Run:
    """Run the model of ``run`` with ``seed`` (default: the run's own) for ``steps`` months
    (default: the run's) and return a :class:`Run`.

    ``probe(model)`` is applied to the finished model (its result in ``Run.probed``);
    ``each_month(model)`` is applied after initialisation and after every month
    (``Run.months``, ``steps + 1`` items). The numbers equal ``sim.run`` with the same config
    and seed.
    """
    from sim.api import with_seed
    from sim.model.model import GovernanceModel

    if seed is not None:
        run = with_seed(run, seed)
    if steps is not None and steps != run.steps:
        run = with_steps(run, steps)
    model = GovernanceModel(run)
    months = None
    if each_month is None:
        model.run()
    else:
        months = [each_month(model)]
        while model.steps < model.n_steps:
            model.step()
            months.append(each_month(model))
    return Run(seed=run.seed, outcome=model.outcome(),
               final={k: float(v) for k, v in model.obs.items()},
               probed=None if probe is None else probe(model), months=months)


def with_steps(run: RunConfig, steps: int) -> RunConfig:
    """The same settings with another number of months, 1 to ``MAX_STEPS`` (cheap: no
    re-composition; the config hash follows, as with a seed)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ConfigError("steps", steps, f"must be an integer in [1, {MAX_STEPS}] (months)")
    raw = {**run.raw, "steps": steps}
    return replace(run, steps=steps, raw=raw, config_hash=config_hash(raw))


# -- the pool ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failed:
    """The result of a task whose worker died; ``error`` says how (one line)."""

    error: str


def default_jobs(limit: int = 8) -> int:
    """Workers when none are asked for: the CPUs this process may use, at most ``limit``."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(limit, n))


def main_importable() -> bool:
    """Worker processes re-import the main script; a script read from stdin cannot be, so its
    tasks run in this process."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def context(preload: Sequence[str] = ()):
    """Processes forked from a server that imported the model (and ``preload``) once (POSIX),
    else spawned.

    The BLAS thread caps are set in this process's environment before the server (or a spawned
    worker) starts, because the libraries read them when numpy is first imported there. The
    server is one per process and imports its modules when it first starts: a later
    ``preload`` is imported by each worker when first needed instead.
    """
    for name in BLAS_THREADS:
        os.environ[name] = "1"
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([*PRELOAD, *(m for m in preload if m not in PRELOAD)])
        return ctx
    return multiprocessing.get_context("spawn")


def start_server() -> None:
    """Start the fork server now, without waiting for it: it spends a couple of seconds of CPU
    importing the model (:data:`PRELOAD`), which it can do while this process composes configs
    and plans the tasks instead of while a new pool waits for it. A no-op where workers are
    spawned or the server runs already; the server ends with this process."""
    ctx = context()
    if ctx.get_start_method() == "forkserver" and main_importable():
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _worker_start(initializer: Callable | None, initargs: tuple) -> None:
    """Every worker: Ctrl-C is the parent's to handle; the objects it inherited from the fork
    server (the imported model) are left out of garbage collection, so that collections do
    not write to, and so copy, the memory pages it shares with the server and the other
    workers (``gc.freeze``); then the caller's initializer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    if initializer is not None:
        initializer(*initargs)


def _noop(_: int) -> None:
    return None


class Pool:
    """``jobs`` worker processes kept between calls: the one place that starts workers.

    Started at the first :meth:`submit` (or :meth:`warm`); workers come from :func:`context`
    (``preload``: modules the fork server imports besides the model's) and run
    ``initializer(*initargs)`` once each, ignoring Ctrl-C. A worker that dies breaks the
    executor: its tasks' futures raise ``BrokenProcessPool`` (:meth:`result` turns that into a
    :class:`Failed`) and the next :meth:`submit` starts fresh workers (:meth:`restart` does it
    now). Safe to share between threads.
    """

    def __init__(self, jobs: int = 2, initializer: Callable | None = None,
                 initargs: tuple = (), *, preload: Sequence[str] = ()):
        self.jobs = jobs
        self._start = (initializer, initargs)
        self._preload = tuple(preload)
        self._executor: cf.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _new(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.jobs, mp_context=context(self._preload),
                                      initializer=_worker_start, initargs=self._start)

    def submit(self, fn: Callable, *args) -> cf.Future:
        """``fn(*args)`` in a worker (``fn`` module-level, arguments picklable); starts the
        workers if none run, fresh ones if the last ones broke."""
        with self._lock:
            if self._executor is None:
                self._executor = self._new()
            try:
                return self._executor.submit(fn, *args)
            except cf.process.BrokenProcessPool:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = self._new()
                return self._executor.submit(fn, *args)

    @staticmethod
    def result(future: cf.Future) -> Any:
        """The future's result (waiting for it), or a :class:`Failed` if its worker died; an
        exception raised by the task itself propagates."""
        try:
            return future.result()
        except cf.process.BrokenProcessPool as exc:
            return Failed(_died(exc))

    def warm(self) -> None:
        """Start every worker now (each runs the initializer), so the first tasks are fast."""
        for fut in [self.submit(_noop, k) for k in range(self.jobs)]:
            fut.result()

    def restart(self) -> None:
        """Wait for the workers to end (a broken executor's tasks are already failed; others'
        not started are cancelled) and start fresh ones."""
        with self._lock:
            old, self._executor = self._executor, self._new()
        if old is not None:
            old.shutdown(wait=True, cancel_futures=True)

    def pids(self) -> list[int]:
        """Process ids of the workers running now ([] before the first task)."""
        with self._lock:
            return list(getattr(self._executor, "_processes", None) or {})

    def close(self, now: bool = False) -> None:
        """Cancel what has not started and end the workers: after their running tasks, or at
        once when ``now`` (the running tasks are lost). A later :meth:`submit` starts anew."""
        with self._lock:
            old, self._executor = self._executor, None
        if old is None:
            return
        if not now:
            old.shutdown(wait=True, cancel_futures=True)
            return
        procs = list((getattr(old, "_processes", None) or {}).values())  # shutdown drops them
        old.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()  # the executor has no public way to stop a running task

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close(now=exc[0] is not None)


def _run_chunk(fn: Callable, tasks: list[tuple]) -> list:
    return [fn(*t) for t in tasks]


def chunk_size(n_tasks: int, jobs: int, most: int = 64) -> int:
    """Tasks per chunk: about 32 chunks per worker (the last ones still balance the load), at
    most ``most`` (the inter-process cost stays far below one run's)."""
    return max(1, min(most, math.ceil(n_tasks / (jobs * 32))))


def imap(fn: Callable[..., Any], tasks: Iterable[tuple], *, jobs: int = 2,
         chunk: int | None = None, initializer: Callable | None = None,
         initargs: tuple = (), ordered: bool = True) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, fn(*task))`` for every task, on ``jobs`` worker processes (1: here).

    ``fn`` and ``initializer`` must be module-level functions (workers import them); tasks are
    tuples of picklable arguments. With ``ordered`` results come in task order, else as their
    chunks finish. A task whose worker died yields a :class:`Failed`; an exception raised by
    ``fn`` itself propagates (catch it in ``fn`` to turn it into a row). Results are the same
    for any ``jobs`` and ``chunk``.

    ``tasks`` is read lazily, a chunk at a time as workers take them, when it has a length or
    ``chunk`` is given (a generator of a million tasks costs no memory); otherwise it is read
    into a list first to size the chunks.
    """
    if not isinstance(tasks, Sized) and chunk is None:
        tasks = list(tasks)
    n = len(tasks) if isinstance(tasks, Sized) else None
    size = chunk or chunk_size(n or 0, jobs)
    chunks = _chunks(tasks, size)
    first = list(itertools.islice(chunks, 2))  # one chunk: no pool worth starting
    chunks = itertools.chain(first, chunks)
    if jobs <= 1 or len(first) <= 1 or not main_importable():
        _in_process_start(initializer, initargs)
        for start, part in chunks:
            yield from enumerate(_run_chunk(fn, part), start)
        return
    workers = jobs if n is None else min(jobs, math.ceil(n / size))
    yield from _pooled(fn, chunks, workers, initializer, initargs, ordered)


def _chunks(tasks: Iterable[tuple], size: int) -> Iterator[tuple[int, list[tuple]]]:
    """``(index of the first task, up to size tasks)``, read from ``tasks`` as needed."""
    it, start = iter(tasks), 0
    while part := list(itertools.islice(it, size)):
        yield start, part
        start += len(part)


def _in_process_start(initializer: Callable | None, initargs: tuple) -> None:
    if initializer is not None:
        initializer(*initargs)


def _pooled(fn, chunks, jobs, initializer, initargs, ordered) -> Iterator[tuple[int, Any]]:
    """:func:`imap` on a pool: a bounded window of chunks in flight (read from the iterator
    ``chunks`` only as the window frees up), a fresh pool after a worker died, cancellation on
    Ctrl-C (or when the caller stops iterating)."""
    pending: dict[cf.Future, tuple[int, list]] = {}
    done: dict[int, list] = {}
    nxt = 0  # index of the next task to yield (ordered mode; chunks are contiguous)
    more = True
    pool = Pool(jobs, initializer, initargs)
    try:
        while more or pending:
            while more and len(pending) + len(done) < jobs * WINDOW:
                item = next(chunks, None)
                if item is None:
                    more = False
                    break
                pending[pool.submit(_run_chunk, fn, item[1])] = item
            if not pending:
                continue
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in finished:
                start, part = pending.pop(fut)
                try:
                    done[start] = fut.result()
                except cf.process.BrokenProcessPool as exc:
                    broken = True
                    done[start] = [Failed(_died(exc))] * len(part)
            if broken:
                pool.restart()
            while done:
                start = nxt if ordered else min(done)
                if start not in done:
                    break
                res = done.pop(start)
                yield from enumerate(res, start)
                nxt = start + len(res)
    except BaseException:
        pool.close(now=True)
        raise
    pool.close()


def _died(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "a worker process ended abruptly"
    return f"worker died: {text}"


def run_many(fn: Callable[..., Any], tasks: Sequence[tuple], *, jobs: int = 2,
             chunk: int | None = None, initializer: Callable | None = None,
             initargs: tuple = (), progress: bool = False, desc: str = "runs") -> list:
    """``[fn(*task) for task in tasks]`` in task order, through :func:`imap`, with a tqdm
    progress bar on stderr when ``progress`` (one tick per task)."""
    from tqdm.auto import tqdm

    out: list = [None] * len(tasks)
    with tqdm(total=len(tasks), unit="run", desc=desc, disable=not progress,
              file=sys.stderr) as bar:
        for i, res in imap(fn, tasks, jobs=jobs, chunk=chunk, initializer=initializer,
                           initargs=initargs, ordered=False):
            out[i] = res
            bar.update(1)
    return out
