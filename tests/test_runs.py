"""sim.runs: one run for a seed, and the one worker pool (order, failures, interruption)."""

from __future__ import annotations

import concurrent.futures as cf
import gc
import os
import signal
import time

import pytest

import sim
from sim.config import load_scenario
from sim.errors import ConfigError
from sim.runs import WINDOW, Failed, Pool, chunk_size, imap, run_many, run_one, with_steps


@pytest.fixture(scope="module")
def short():
    return load_scenario("baseline", ["steps=12"])


def _square(x: int) -> int:
    return x * x


def _die_on(x: int, bad: int) -> int:
    if x == bad:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


_OFFSET = {"value": 0}


def _set_offset(v: int) -> None:
    _OFFSET["value"] = v


def _plus_offset(x: int) -> int:
    return x + _OFFSET["value"]


def _pid() -> int:
    return os.getpid()


def _frozen(_: int) -> int:
    return gc.get_freeze_count()


def _final_pol(run, seed):
    return run_one(run, seed).final["polarization"]


def test_run_one_equals_sim_run(short):
    res = run_one(short, 3, probe=lambda m: m.steps)
    ref = sim.run(short, seed=3)
    assert res.seed == 3
    assert res.outcome == ref.summary["outcome"]
    assert res.final["polarization"] == pytest.approx(ref.model.obs["polarization"], abs=0)
    assert res.probed == 12


def test_run_one_each_month_and_steps(short):
    res = run_one(short, 1, steps=5, each_month=lambda m: m.steps)
    assert res.months == [0, 1, 2, 3, 4, 5]
    assert with_steps(short, 5).config_hash != short.config_hash
    with pytest.raises(ConfigError, match="steps"):
        with_steps(short, 0)


def test_pool_results_in_order_independent_of_workers_and_chunks():
    tasks = [(k,) for k in range(23)]
    serial = list(imap(_square, tasks, jobs=1))
    pooled = list(imap(_square, tasks, jobs=2, chunk=3))
    assert serial == pooled == [(k, k * k) for k in range(23)]
    unordered = sorted(imap(_square, tasks, jobs=2, chunk=2, ordered=False))
    assert unordered == serial


def test_the_initializer_runs_in_every_worker():
    out = run_many(_plus_offset, [(k,) for k in range(10)], jobs=2, chunk=1,
                   initializer=_set_offset, initargs=(100,))
    assert out == [100 + k for k in range(10)]


def test_a_dead_worker_gives_failed_results_not_a_crash():
    out = run_many(_die_on, [(k, 5) for k in range(12)], jobs=2, chunk=1)
    failed = [k for k, r in enumerate(out) if isinstance(r, Failed)]
    assert 5 in failed
    assert all("worker died" in out[k].error for k in failed)
    assert len(failed) < len(out)  # the rest ran on a fresh pool
    assert all(out[k] == k for k in range(12) if k not in failed)


def test_stopping_early_keeps_what_was_yielded():
    got = []
    for i, res in imap(_square, [(k,) for k in range(200)], jobs=2, chunk=1):
        got.append(res)
        if i == 4:
            break  # as on Ctrl-C: the pool is stopped, the results so far stay
    assert got == [0, 1, 4, 9, 16]


def test_model_runs_equal_in_and_out_of_process(short):
    tasks = [(short, s) for s in range(4)]
    assert run_many(_final_pol, tasks, jobs=1) == run_many(_final_pol, tasks, jobs=2, chunk=1)


def test_chunk_size_keeps_many_chunks_per_worker():
    assert chunk_size(10, 2) == 1
    assert chunk_size(100_000, 2) == 64
    assert chunk_size(640, 2) == 10


def _gone(pids, within: float = 10.0) -> bool:
    """Whether every process in ``pids`` has ended (and been reaped) within ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


def test_the_pool_survives_a_killed_worker():
    pool = Pool(2, _set_offset, (100,))
    try:
        pool.warm()
        first = pool.pids()
        assert len(first) == 2
        assert Pool.result(pool.submit(_plus_offset, 1)) == 101  # the initializer ran
        died = Pool.result(pool.submit(_die_on, 5, 5))
        assert isinstance(died, Failed) and "worker died" in died.error
        # the next task starts fresh workers (initializer again) and the pool goes on
        assert Pool.result(pool.submit(_plus_offset, 2)) == 102
        assert [Pool.result(pool.submit(_square, k)) for k in range(5)] == [0, 1, 4, 9, 16]
        assert not set(pool.pids()) & set(first)
    finally:
        pool.close()


def test_closing_the_pool_ends_its_workers():
    pool = Pool(2)
    pool.warm()
    pids = pool.pids()
    assert len(pids) == 2 and os.getpid() not in pids
    assert Pool.result(pool.submit(_pid)) in pids  # tasks run in those workers
    pool.close()
    assert pool.pids() == [] and _gone(pids)
    assert Pool.result(pool.submit(_square, 7)) == 49  # a closed pool starts anew when used
    pool.close()


def test_closing_now_cancels_what_has_not_started_and_stops_what_runs():
    pool = Pool(1)
    pool.warm()
    pids = pool.pids()
    futures = [pool.submit(time.sleep, 30) for _ in range(6)]
    t0 = time.monotonic()
    pool.close(now=True)
    done, _ = cf.wait(futures, timeout=10)
    assert len(done) == 6 and time.monotonic() - t0 < 10  # none slept its 30 s
    # cancelled, or failed by the stopped worker: none ran to the end
    assert all(f.cancelled() or isinstance(Pool.result(f), Failed) for f in futures)
    assert _gone(pids)


def test_pool_reads_tasks_as_the_window_frees_up():
    read = []

    def tasks():
        for k in range(10_000):
            read.append(k)
            yield (k,)

    it = imap(_square, tasks(), jobs=2, chunk=1)
    assert next(it) == (0, 0)
    assert len(read) <= 2 * WINDOW + 2  # the window, and the two chunks looked at first
    it.close()  # stops the pool


def test_workers_leave_inherited_objects_out_of_collection():
    assert all(n > 0 for n in run_many(_frozen, [(k,) for k in range(4)], jobs=2, chunk=1))
