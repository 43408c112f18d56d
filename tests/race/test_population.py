"""The Mesa lab population: agents, the update rule, and long-run shares against theory."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest

from sim.race.evolution import stationary_share_closed_form
from sim.race.game import race_payoffs
from sim.race.population import Lab, RacePopulation, simulate_shares

EARLY = race_payoffs(4, 1, 1e4, 100, 1.5, 0.78)  # [[51, 0.6], [33.528, 16.94]]


def _exact_share_at_mu(a, Z, beta, mu):
    """Share of strategy 1 in the exact stationary law of the birth-death chain of counts k,
    written out from the update rule: pi(k+1)/pi(k) = T+(k)/T-(k+1)."""

    def gain(j):  # beta (P_1 - P_0) with j strategy-1 players, no self-interaction
        p1 = ((j - 1) * a[1, 1] + (Z - j) * a[1, 0]) / (Z - 1)
        p0 = (j * a[0, 1] + (Z - j - 1) * a[0, 0]) / (Z - 1)
        return beta * (p1 - p0)

    weights = [1.0]
    for k in range(Z):
        up = (Z - k) / Z * (mu + (1 - mu) * k / (Z - 1) / (1 + math.exp(-gain(k))))
        down = (k + 1) / Z * (mu + (1 - mu) * (Z - k - 1) / (Z - 1) / (1 + math.exp(gain(k + 1))))
        weights.append(weights[-1] * up / down)
    return sum(w * k / Z for k, w in enumerate(weights)) / sum(weights)


def test_labs_are_mesa_agents_viewing_the_strategy_array():
    model = RacePopulation(EARLY, Z=12, beta=0.01, mu=0.01, rng=3)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 12
    assert all(isinstance(lab, Lab) and isinstance(lab, mesa.Agent) for lab in model.agents)
    assert [lab.strategy for lab in model.labs] == model.strategies.tolist()
    np.testing.assert_array_equal(model.counts, np.bincount(model.strategies, minlength=2))


def test_lab_payoff_is_the_average_against_all_other_labs():
    # 3 AS and 1 AU: an AS lab meets 2 AS and 1 AU, the AU lab meets 3 AS.
    model = RacePopulation(EARLY, Z=4, beta=0.01, mu=0.0, rng=0, initial=[0, 0, 0, 1])
    assert model.labs[0].payoff == pytest.approx((2 * 51 + 0.6) / 3)
    assert model.labs[3].payoff == pytest.approx(33.528)


def test_imitation_follows_the_fermi_probability():
    model = RacePopulation(EARLY, Z=4, beta=0.05, mu=0.0, rng=1, initial=[0, 0, 0, 1])
    focal, role_model = model.labs[0], model.labs[3]
    expected = 1 / (1 + math.exp(-0.05 * (33.528 - (2 * 51 + 0.6) / 3)))
    trials, adopted = 4000, 0
    for _ in range(trials):
        adopted += focal.imitate(role_model)
        model.set_strategy(0, 0)
    assert adopted / trials == pytest.approx(expected, abs=4 * math.sqrt(0.25 / trials))
    assert not model.labs[1].imitate(model.labs[2])  # same strategy: nothing to learn


def test_one_mesa_step_has_the_transition_law_used_by_the_fast_run():
    initial = [0] * 4 + [1] * 6
    model = RacePopulation(EARLY, Z=10, beta=0.05, mu=0.1, rng=5, initial=initial)
    scale, cumulative, moves = model.transition_law()
    q = 1 - math.exp(-1 / scale)
    predicted = dict(zip(moves, np.diff([0.0, *cumulative]) * q, strict=True))
    trials = 20000
    seen = {(0, 1): 0, (1, 0): 0}
    for _ in range(trials):
        model.step()
        k = int(model.counts[1])
        if k != 6:
            seen[(0, 1) if k == 7 else (1, 0)] += 1
            for index, strategy in enumerate(initial):
                model.set_strategy(index, strategy)
    assert model.steps == trials and model.updates == trials
    for move, probability in predicted.items():
        se = math.sqrt(probability * (1 - probability) / trials)
        assert seen[move] / trials == pytest.approx(probability, abs=4 * se)


def test_run_keeps_agents_counts_and_clock_consistent():
    model = RacePopulation(EARLY, Z=30, beta=0.01, mu=1e-3, rng=7)
    shares = model.run(200_000, burn_in=1000)
    assert model.updates == 201_000
    assert shares.sum() == pytest.approx(1.0) and np.all(shares >= 0)
    np.testing.assert_array_equal(model.counts, np.bincount(model.strategies, minlength=2))
    assert [lab.strategy for lab in model.labs] == model.strategies.tolist()


def test_without_mutation_a_fixed_population_stays_fixed():
    model = RacePopulation(EARLY, Z=10, beta=0.01, mu=0.0, rng=0, initial=[1] * 10)
    np.testing.assert_array_equal(model.run(1000), [0.0, 1.0])
    assert model.updates == 1000


def test_runs_are_reproducible_from_the_seed():
    a = simulate_shares(EARLY, 20, 0.05, 1e-3, 50_000, runs=3, seed=11)
    b = simulate_shares(EARLY, 20, 0.05, 1e-3, 50_000, runs=3, seed=11)
    c = simulate_shares(EARLY, 20, 0.05, 1e-3, 50_000, runs=3, seed=12)
    np.testing.assert_array_equal(a.per_run, b.per_run)
    assert not np.array_equal(a.per_run, c.per_run)
    assert len(set(a.per_run[:, 1].tolist())) == 3  # replicates differ from each other


def test_single_run_has_no_standard_error():
    result = simulate_shares(EARLY, 10, 0.05, 1e-2, 10_000, runs=1, seed=0)
    assert np.isnan(result.se).all() and result.per_run.shape == (1, 2)


def test_literal_mesa_steps_reach_the_exact_stationary_share():
    # Every update through Mesa's step (no skipping), small Z and large mu to mix fast.
    Z, beta, mu, steps = 5, 0.05, 0.05, 40_000
    model = RacePopulation(EARLY, Z=Z, beta=beta, mu=mu, rng=2)
    samples = np.empty(steps)
    for t in range(steps):
        model.step()
        samples[t] = model.counts[1] / Z
    batches = samples.reshape(40, -1).mean(axis=1)
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    exact = _exact_share_at_mu(EARLY, Z, beta, mu)
    assert abs(samples.mean() - exact) < 3.5 * se + 1e-3


@pytest.mark.parametrize(
    "W, p_r, Z, beta",
    [(100, 0.78, 20, 0.01), (1e4, 0.5, 20, 0.05)],
)
def test_fast_run_reaches_the_exact_stationary_share_at_finite_mu(W, p_r, Z, beta):
    a = race_payoffs(4, 1, 1e4, W, 1.5, p_r)
    mu = 1e-3
    result = simulate_shares(a, Z, beta, mu, 1_000_000, runs=20, seed=2024)
    exact = _exact_share_at_mu(a, Z, beta, mu)
    assert abs(result.mean[1] - exact) < 3 * result.se[1]
    assert result.se[1] < 0.03  # precise enough to mean something


def test_simulated_share_agrees_with_the_rare_mutation_theory():
    # Z = 100 as in the paper, late regime (W = 1e4): AU is favoured but not fixed.
    a = race_payoffs(4, 1, 1e4, 1e4, 1.5, 0.5)
    theory = stationary_share_closed_form(a, 100, 0.01)  # 0.6488
    result = simulate_shares(a, 100, 0.01, 1e-5, 200_000_000, runs=20, seed=1)
    assert abs(result.mean[1] - theory) < 3 * result.se[1]
    assert result.se[1] < 0.04
    assert abs(result.mean[1] - 0.5) > 2 * result.se[1]  # selection is detected, not drift


@pytest.mark.slow
def test_simulated_share_agrees_with_theory_at_the_cli_defaults_long():
    a = race_payoffs(4, 1, 1e4, 100, 1.5, 0.78)
    theory = stationary_share_closed_form(a, 100, 0.01)  # 0.4439
    result = simulate_shares(a, 100, 0.01, 1e-5, 6_000_000_000, runs=40, seed=3)
    assert abs(result.mean[1] - theory) < 3 * result.se[1]
    assert result.se[1] < 0.04


@pytest.mark.slow
def test_simulated_share_agrees_with_theory_in_the_late_regime_long():
    a = race_payoffs(4, 1, 1e4, 1e4, 1.5, 0.5)
    theory = stationary_share_closed_form(a, 100, 0.01)
    result = simulate_shares(a, 100, 0.01, 1e-5, 600_000_000, runs=40, seed=4)
    assert abs(result.mean[1] - theory) < 3 * result.se[1]
    assert result.se[1] < 0.02
