"""sim.app.engine: seed sets (pool and in-process agree) and the replay of one run."""

import numpy as np
import pytest

import sim
from sim.app.engine import Engine, replay, run_seed
from sim.model.metrics import OBSERVABLES


@pytest.fixture(scope="module")
def short():
    return sim.load_config("baseline", ["steps=12"])


def test_seed_sets_match_single_runs_and_are_cached(short):
    eng = Engine(jobs=1)
    calls = []
    got = eng.seeds(short, 3, lambda d, t: calls.append((d, t)))
    assert got.series.shape == (3, 13, len(OBSERVABLES))
    assert calls[-1] == (3, 3)
    arr, oc = run_seed(short, 2)
    np.testing.assert_array_equal(got.series[2], arr)
    assert got.outcomes[2] == oc == sim.run(short, seed=2).outcome
    assert eng.seeds(short, 3) is got  # cached by config hash


def test_a_pool_of_two_gives_the_same_numbers(short):
    eng = Engine(jobs=2)
    try:
        pooled = eng.seeds(short, 6)
    finally:
        eng.close()
    alone = Engine(jobs=1).seeds(short, 6)
    np.testing.assert_array_equal(pooled.series, alone.series)
    assert pooled.outcomes == alone.outcomes


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
