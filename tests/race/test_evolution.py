"""Fixation probabilities and stationary distributions against hand arithmetic and
independent computations (Traulsen et al. 2006; Han et al., JAIR 2020)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.race import evolution as ev
from sim.race.game import race_payoffs

EARLY = race_payoffs(4, 1, 1e4, 100, 1.5, 0.78)  # [[51, 0.6], [33.528, 16.94]]


def test_average_payoffs_exclude_self_interaction_by_hand():
    a = np.array([[3.0, 0.0], [5.0, 1.0]])
    # three 0-players and one 1-player (Z = 4): a 0-player meets two 0s and one 1
    # P_0 = (2*3 + 1*0)/3 = 2 ; P_1 = (3*5 + 0*1)/3 = 5
    np.testing.assert_allclose(ev.average_payoffs(a, [3, 1]), [2.0, 5.0])


def test_fixation_probability_by_hand_for_three_players():
    # Z = 3, AU mutant (index 1) among AS residents, beta = 0.01.
    # j = 1: P_AU = Pi(AU,AS) = 33.528, P_AS = (1*0.6 + 1*51)/2 = 25.8
    # j = 2: P_AU = (16.94 + 33.528)/2 = 25.234, P_AS = Pi(AS,AU) = 0.6
    r1 = math.exp(-0.01 * (33.528 - 25.8))
    r2 = math.exp(-0.01 * (25.234 - 0.6))
    expected = 1 / (1 + r1 + r1 * r2)
    assert ev.fixation_probability(EARLY, 0, 1, 3, 0.01) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("Z", [2, 10, 100])
def test_neutral_fixation_probability_is_one_over_Z(Z):
    assert ev.fixation_probability(EARLY, 0, 1, Z, 0.0) == pytest.approx(1 / Z)
    assert ev.fixation_probability(EARLY, 1, 0, Z, 0.0) == pytest.approx(1 / Z)


@pytest.mark.parametrize("d", [-0.5, 0.3, 2.0])
def test_constant_advantage_gives_the_geometric_formula(d):
    # Payoff d to strategy 1 whatever it meets: P_mut - P_res = d for every j, so
    # rho = 1 / sum_{i=0}^{Z-1} exp(-beta d i) = (1 - e^{-beta d}) / (1 - e^{-beta d Z}).
    a = np.array([[0.0, 0.0], [d, d]])
    Z, beta = 50, 0.1
    expected = (1 - math.exp(-beta * d)) / (1 - math.exp(-beta * d * Z))
    assert ev.fixation_probability(a, 0, 1, Z, beta) == pytest.approx(expected, rel=1e-10)


def _absorption_by_linear_solve(a, resident, mutant, Z, beta):
    """Probability to reach Z mutants from 1 in the birth-death chain, solved directly."""
    k = np.arange(1, Z)
    p_mut = ((k - 1) * a[mutant, mutant] + (Z - k) * a[mutant, resident]) / (Z - 1)
    p_res = (k * a[resident, mutant] + (Z - k - 1) * a[resident, resident]) / (Z - 1)
    meet = k * (Z - k) / (Z * (Z - 1))
    up = meet / (1 + np.exp(-beta * (p_mut - p_res)))
    down = meet / (1 + np.exp(-beta * (p_res - p_mut)))
    # x_k = up_k x_{k+1} + down_k x_{k-1} + (1 - up_k - down_k) x_k, x_0 = 0, x_Z = 1
    m = np.zeros((Z - 1, Z - 1))
    rhs = np.zeros(Z - 1)
    for i in range(Z - 1):
        m[i, i] = up[i] + down[i]
        if i > 0:
            m[i, i - 1] = -down[i]
        if i < Z - 2:
            m[i, i + 1] = -up[i]
        else:
            rhs[i] = up[i]
    return np.linalg.solve(m, rhs)[0]


@pytest.mark.parametrize("beta", [0.001, 0.01, 0.05])
def test_fixation_matches_a_direct_solve_of_the_birth_death_chain(beta):
    for resident, mutant in [(0, 1), (1, 0)]:
        direct = _absorption_by_linear_solve(EARLY, resident, mutant, 20, beta)
        formula = ev.fixation_probability(EARLY, resident, mutant, 20, beta)
        assert formula == pytest.approx(direct, rel=1e-8)


def test_selection_index_and_closed_form_by_hand():
    # S = ((Z-2)/2)(51 - 16.94) + (Z/2)(0.6 - 33.528) = 49*34.06 - 50*32.928 = 22.54 (Z = 100)
    assert ev.selection_index(EARLY, 100) == pytest.approx(22.54)
    share = 1 / (1 + math.exp(0.01 * 22.54))
    assert ev.stationary_share_closed_form(EARLY, 100, 0.01) == pytest.approx(share)
    assert ev.stationary_distribution(EARLY, 100, 0.01) == pytest.approx([1 - share, share])


@pytest.mark.parametrize("Z", [2, 3, 10, 100, 1000])
@pytest.mark.parametrize("beta", [0.0, 0.001, 0.01, 0.1, 1.0, 100.0])
def test_stationary_share_equals_the_closed_form(Z, beta):
    p_r = np.linspace(0, 1, 11)
    games = race_payoffs(4, 1, 1e4, 100, 1.5, p_r)
    general = ev.stationary_distribution(games, Z, beta)[:, 1]
    closed = ev.stationary_share_closed_form(games, Z, beta)
    np.testing.assert_allclose(general, closed, rtol=1e-9, atol=1e-300)


def test_huge_beta_times_payoff_neither_overflows_nor_underflows():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_rho = ev.log_fixation_probability(EARLY * 100, 0, 1, 100, 10.0)
        pi = ev.stationary_distribution(EARLY * 100, 100, 10.0)
    assert np.isfinite(log_rho) and log_rho < -1e4  # rho itself underflows to 0
    closed = ev.stationary_share_closed_form(EARLY * 100, 100, 10.0)
    assert closed == 0.0  # exp(-beta S) = exp(-22540) underflows ...
    assert pi[1] == 0.0 and pi[0] == 1.0  # ... and the general solver agrees


def test_strong_but_representable_selection_keeps_tiny_shares_exact():
    pi = ev.stationary_distribution(EARLY, 100, 10.0)
    assert pi[1] == pytest.approx(math.exp(-10.0 * 22.54) / (1 + math.exp(-10.0 * 22.54)))
    assert pi[1] > 0


def test_neutral_three_strategies_give_uniform_shares():
    a = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(ev.stationary_distribution(a, 30, 0.0), [1 / 3] * 3)


def test_cyclic_three_strategy_game_is_uniform_by_symmetry():
    rps = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    np.testing.assert_allclose(ev.stationary_distribution(rps, 20, 0.5), [1 / 3] * 3)


def test_duplicate_strategy_splits_its_share_and_leaves_the_ratio():
    # A third strategy identical to AS: AS and its copy are neutral towards each other, so they
    # share equally, and each holds the same odds against AU as AS alone does.
    a = np.array([[51.0, 0.6, 51.0], [33.528, 16.94, 33.528], [51.0, 0.6, 51.0]])
    pi = ev.stationary_distribution(a, 100, 0.01)
    assert pi[0] == pytest.approx(pi[2])
    two = ev.stationary_distribution(EARLY, 100, 0.01)
    rho_su = ev.fixation_probability(EARLY, 0, 1, 100, 0.01)
    rho_us = ev.fixation_probability(EARLY, 1, 0, 100, 0.01)
    # balance of flow into AU: pi_AU * 2 rho_us / 2 = (pi_AS + pi_AS') rho_su / 2
    assert pi[1] * rho_us == pytest.approx((pi[0] + pi[2]) * rho_su / 2)
    assert pi[1] < two[1]  # a second safe strategy dilutes AU


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_stationary_matches_the_eigenvector_of_the_transition_matrix(n):
    rng = np.random.default_rng(n)
    a = rng.normal(0, 3, size=(n, n))
    t = np.zeros((n, n))
    for r in range(n):
        for m in range(n):
            if r != m:
                t[r, m] = ev.fixation_probability(a, r, m, 25, 0.3) / (n - 1)
        t[r, r] = 1 - t[r].sum()
    np.testing.assert_allclose(ev.transition_matrix(a, 25, 0.3), t, rtol=1e-12)
    values, vectors = np.linalg.eig(t.T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    np.testing.assert_allclose(ev.stationary_distribution(a, 25, 0.3), v / v.sum(), atol=1e-12)


def test_stationary_broadcasts_over_leading_axes():
    games = race_payoffs(
        4, 1, 1e4, 100, np.linspace(1, 5, 4)[None, :], np.linspace(0, 1, 3)[:, None]
    )
    pi = ev.stationary_distribution(games, 100, 0.01)
    assert pi.shape == (3, 4, 2)
    np.testing.assert_allclose(pi.sum(axis=-1), 1.0)
    np.testing.assert_allclose(pi[1, 2], ev.stationary_distribution(games[1, 2], 100, 0.01))


def test_finite_mutation_distribution_by_detailed_balance_for_three_players():
    Z, beta, mu = 3, 0.01, 0.1
    fermi = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    gain = [0.0, 0.01 * (33.528 - 25.8), 0.01 * (25.234 - 0.6), 0.0]  # beta (P_AU - P_AS) at k
    up = [(Z - k) / Z * (mu + (1 - mu) * k / (Z - 1) * fermi(gain[k])) for k in range(Z)]
    down = [k / Z * (mu + (1 - mu) * (Z - k) / (Z - 1) * fermi(-gain[k])) for k in range(Z + 1)]
    weights = [1.0]
    for k in range(Z):
        weights.append(weights[-1] * up[k] / down[k + 1])
    expected = np.array(weights) / sum(weights)
    np.testing.assert_allclose(ev.finite_mutation_distribution(EARLY, Z, beta, mu), expected)


def test_finite_mutation_share_tends_to_the_rare_mutation_limit():
    limit = ev.stationary_share_closed_form(EARLY, 100, 0.01)
    gaps = [
        abs(ev.finite_mutation_share(EARLY, 100, 0.01, mu) - limit) for mu in (1e-3, 1e-5, 1e-7)
    ]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-5


def test_stationary_share_au_is_the_race_stationary_distribution():
    direct = ev.stationary_distribution(race_payoffs(4, 1, 1e4, 100, 1.5, 0.78), 100, 0.01)[1]
    assert ev.stationary_share_au(4, 1, 1e4, 100, 1.5, 0.78, 100, 0.01) == pytest.approx(direct)


def test_chunked_evaluation_gives_the_same_fixation_probabilities(monkeypatch):
    games = race_payoffs(4, 1, 1e4, 100, np.array([1.0, 2.0, 4.0]), np.array([0.2, 0.78, 0.9]))
    whole = ev.log_fixation_probability(games, 0, 1, 100, 0.01)
    monkeypatch.setattr(ev, "_CHUNK_ELEMENTS", 7)  # 2 values of j per chunk for 3 games
    np.testing.assert_allclose(ev.log_fixation_probability(games, 0, 1, 100, 0.01), whole)


def test_population_size_below_two_is_rejected():
    with pytest.raises(ValueError, match="Z must be >= 2"):
        ev.log_fixation_probability(EARLY, 0, 1, 1, 0.01)


finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=150, deadline=None)
@given(
    s=st.floats(1, 5, **finite),
    p1=st.floats(0, 1, **finite),
    p2=st.floats(0, 1, **finite),
    W=st.sampled_from([100.0, 1e4]),
    beta=st.sampled_from([0.001, 0.01, 0.1, 1.0]),
    Z=st.integers(2, 200),
)
def test_property_share_of_au_is_a_probability_and_falls_with_disaster_risk(s, p1, p2, W, beta, Z):
    low, high = sorted([p1, p2])
    share_low = ev.stationary_share_au(4, 1, 1e4, W, s, low, Z, beta)
    share_high = ev.stationary_share_au(4, 1, 1e4, W, s, high, Z, beta)
    assert 0.0 <= share_high <= 1.0 and 0.0 <= share_low <= 1.0
    assert share_high <= share_low + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(st.floats(-50, 50, **finite), min_size=9, max_size=9),
    beta=st.floats(0, 2, **finite),
    Z=st.integers(2, 60),
)
def test_property_three_strategy_stationary_is_a_distribution(entries, beta, Z):
    pi = ev.stationary_distribution(np.array(entries).reshape(3, 3), Z, beta)
    assert np.all(pi >= 0) and pi.sum() == pytest.approx(1.0)
