"""sim.app.engine: seed sets (pool and in-process agree), requests superseded per session, and
the replay of one run."""

import os
import signal

import numpy as np
import pytest

import sim
from sim.app.engine import Engine, Request, Superseded, WorkerDied, replay, run_seed
from sim.app.stats import MEASURES
from sim.model.metrics import OBSERVABLES
from sim.report.story import TRUST_CAUSES


@pytest.fixture(scope="module")
def short():
    return sim.load_config("baseline", ["steps=12"])


def test_seed_sets_match_single_runs_and_are_cached(short):
    eng = Engine(jobs=1)
    calls = []
    got = eng.seeds(short, 3, lambda d, t: calls.append((d, t)))
    assert got.series.shape == (3, 13, len(MEASURES)) and got.series.dtype == np.float32
    assert got.finals.shape == (3, len(OBSERVABLES)) and got.finals.dtype == np.float64
    assert calls[-1] == (3, 3)
    series, finals, ledger, oc = run_seed(short, 2)
    np.testing.assert_array_equal(got.series[2], series)
    model = sim.run(short, seed=2).model
    data = model.datacollector.model_vars
    # the last values are the model's own numbers, not rounded to float32
    assert finals.tolist() == [data[k][-1] for k in OBSERVABLES]
    np.testing.assert_allclose(series[:, MEASURES.index("polarization")],
                               data["polarization"], rtol=1e-6, atol=1e-7)
    assert got.outcomes[2] == oc == model.outcome()
    # the ledger's totals by cause: the run's change of mean trust, cause by cause
    np.testing.assert_array_equal(got.ledger[2], ledger)
    table = model.ledger.table()
    np.testing.assert_allclose(ledger, [table[c].sum() for c in TRUST_CAUSES], atol=1e-15)
    assert eng.seeds(short, 3) is got  # cached by config hash
    assert got.bands.shape == (3, 13, len(MEASURES))


def test_a_pool_of_two_gives_the_same_numbers(short):
    eng = Engine(jobs=2)
    try:
        pooled = eng.seeds(short, 6)
    finally:
        eng.close()
    alone = Engine(jobs=1).seeds(short, 6)
    np.testing.assert_array_equal(pooled.series, alone.series)
    np.testing.assert_array_equal(pooled.finals, alone.finals)
    np.testing.assert_array_equal(pooled.ledger, alone.ledger)
    assert pooled.outcomes == alone.outcomes


def test_a_dead_worker_fails_its_request_and_the_next_one_runs(short):
    eng = Engine(jobs=2)
    try:
        eng.warm()
        first = eng.pool.pids()
        assert len(first) == 2

        def kill_the_workers(done, total):  # after the first of six tasks: others still run
            if done < total:
                for pid in eng.pool.pids():
                    os.kill(pid, signal.SIGKILL)

        with pytest.raises(WorkerDied, match="worker died"):
            eng.seeds(short, 30, kill_the_workers)
        assert eng.cached(short, 30) is None
        again = eng.seeds(short, 4)  # on fresh workers
        assert not set(eng.pool.pids()) & set(first)
    finally:
        eng.close()
    assert eng.pool.pids() == []
    np.testing.assert_array_equal(again.series, Engine(jobs=1).seeds(short, 4).series)


def test_a_new_request_supersedes_only_its_own_session(short):
    eng = Engine(jobs=1)
    mine, theirs = Request(), Request()
    other = sim.load_config("exclusive_club", ["steps=12"])
    seen = []

    def another_session_asks(done, total):  # while `mine` runs, another session asks
        if done < total and not seen:
            seen.append(eng.seeds(other, 2, request=theirs))

    got = eng.seeds(short, 10, another_session_asks, request=mine)
    assert got.n == 10 and seen[0].n == 2  # both sessions got their seeds

    def same_session_asks_again(done, total):
        if done < total:
            mine.begin()  # a newer request of the same session

    fresh = sim.load_config("baseline", ["steps=11"])  # not cached
    with pytest.raises(Superseded):
        eng.seeds(fresh, 10, same_session_asks_again, request=mine)
    assert eng.cached(fresh, 10) is None


def test_replay_keeps_every_month(short):
    rep = replay(short, 1)
    res = sim.run(short, seed=1)
    assert rep.steps == 12 and rep.alignment.shape == (13, rep.model.n)
    np.testing.assert_array_equal(rep.trust[-1], res.model.trust)
    assert rep.summary["outcome"] == res.outcome
    assert rep.month(0) == "2023-06" and rep.month(12) == "2024-06"
    # alignment is oriented: leader A on the positive side in every month
    lead = rep.model.poles[0]
    assert (rep.alignment[:, lead] >= 0).all()
