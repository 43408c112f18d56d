"""DSAIR payoffs and thresholds against hand arithmetic (Han et al., JAIR 2020)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.race import game

# The usual early-regime parameters and p_r = 0.78.
B_, C_, PRIZE, W_, S_, PR = 4.0, 1.0, 1e4, 100.0, 1.5, 0.78


def test_round_payoffs_match_hand_arithmetic():
    # b/2 - c = 2 - 1; b/(s+1) - c = 4/2.5 - 1; s b/(s+1) = 6/2.5; b/2 = 2
    expected = np.array([[1.0, 0.6], [2.4, 2.0]])
    np.testing.assert_allclose(game.round_payoffs(B_, C_, S_), expected, rtol=1e-12)


def test_race_payoffs_match_hand_arithmetic():
    # Pi(AS,AS) = 1 + 1e4/(2*100) = 51;  Pi(AS,AU) = 0.6
    # Pi(AU,AS) = (1-0.78)(1.5*1e4/100 + 2.4) = 0.22 * 152.4 = 33.528
    # Pi(AU,AU) = (1-0.78)(1.5*1e4/200 + 2) = 0.22 * 77 = 16.94
    expected = np.array([[51.0, 0.6], [33.528, 16.94]])
    np.testing.assert_allclose(game.race_payoffs(B_, C_, PRIZE, W_, S_, PR), expected, rtol=1e-12)


def test_payoff_dict_keys_are_focal_then_other():
    pay = game.race_payoff_dict(B_, C_, PRIZE, W_, S_, PR)
    assert list(pay) == ["AS_AS", "AS_AU", "AU_AS", "AU_AU"]
    assert pay["AS_AS"] == pytest.approx(51.0)
    assert pay["AS_AU"] == pytest.approx(0.6)
    assert pay["AU_AS"] == pytest.approx(33.528)
    assert pay["AU_AU"] == pytest.approx(16.94)
    assert all(isinstance(v, float) for v in pay.values())


def test_race_payoffs_broadcast_one_game_per_lab():
    s = np.array([1.0, 1.5, 3.0])
    p_r = np.array([0.0, 0.78, 0.5])
    many = game.race_payoffs(B_, C_, PRIZE, W_, s, p_r)
    assert many.shape == (3, 2, 2)
    for i in range(3):
        np.testing.assert_allclose(many[i], game.race_payoffs(B_, C_, PRIZE, W_, s[i], p_r[i]))


def test_race_payoffs_broadcast_over_a_grid():
    s = np.linspace(1, 5, 4)
    p_r = np.linspace(0, 1, 3)
    grid = game.race_payoffs(B_, C_, PRIZE, W_, s[None, :], p_r[:, None])
    assert grid.shape == (3, 4, 2, 2)
    np.testing.assert_allclose(grid[2, 1], game.race_payoffs(B_, C_, PRIZE, W_, s[1], p_r[2]))
    # A certain disaster (p_r = 1) leaves unsafe developers with nothing.
    np.testing.assert_array_equal(grid[2, :, 1, :], 0.0)


def test_thresholds_match_hand_arithmetic():
    # welfare: 1 - (b - 2c + B/W) / (s B/W + b) = 1 - 102/154
    assert game.threshold_welfare(B_, C_, PRIZE, W_, S_) == pytest.approx(1 - 102 / 154)
    # risk dominance: 1 - (b/2 + b/(s+1) - 2c + B/(2W)) / (3 s B/(2W) + s b/(s+1) + b/2)
    #               = 1 - (2 + 1.6 - 2 + 50) / (225 + 2.4 + 2) = 1 - 51.6/229.4
    assert game.threshold_risk_dominance(B_, C_, PRIZE, W_, S_) == pytest.approx(1 - 51.6 / 229.4)
    assert game.threshold_welfare_early(S_) == pytest.approx(1 / 3)
    assert game.threshold_risk_dominance_early(S_) == pytest.approx(7 / 9)


@pytest.mark.parametrize("s", [1.0, 1.5, 2.0, 3.7, 5.0])
@pytest.mark.parametrize("W", [100.0, 1e4, 1e6])
def test_thresholds_solve_the_payoff_equalities(s, W):
    p_w = game.threshold_welfare(B_, C_, PRIZE, W, s)
    pay = game.race_payoff_dict(B_, C_, PRIZE, W, s, p_w)
    assert pay["AS_AS"] == pytest.approx(pay["AU_AU"], rel=1e-10)
    p_rd = game.threshold_risk_dominance(B_, C_, PRIZE, W, s)
    pay = game.race_payoff_dict(B_, C_, PRIZE, W, s, p_rd)
    assert pay["AS_AS"] + pay["AS_AU"] == pytest.approx(pay["AU_AS"] + pay["AU_AU"], rel=1e-10)


def test_thresholds_separate_who_wins():
    p_w = game.threshold_welfare(B_, C_, PRIZE, W_, S_)
    p_rd = game.threshold_risk_dominance(B_, C_, PRIZE, W_, S_)
    assert 0 < p_w < p_rd < 1
    below, inside, above = (game.race_payoffs(B_, C_, PRIZE, W_, S_, p) for p in (0.2, 0.5, 0.9))
    assert below[1, 1] > below[0, 0]  # unsafe better for all
    assert inside[0, 0] > inside[1, 1]  # safe better for all ...
    assert inside[1].sum() > inside[0].sum()  # ... but unsafe risk-dominant: the dilemma
    assert above[0].sum() > above[1].sum()  # safe risk-dominant


def test_exact_thresholds_approach_the_early_regime_lines():
    s = np.array([1.2, 1.5, 2.5, 4.0])
    gaps = []
    for ratio in [1e2, 1e4, 1e6, 1e8]:  # B/W
        w = game.threshold_welfare(B_, C_, ratio, 1.0, s) - game.threshold_welfare_early(s)
        r = game.threshold_risk_dominance(B_, C_, ratio, 1.0, s)
        r = r - game.threshold_risk_dominance_early(s)
        gaps.append(max(np.abs(w).max(), np.abs(r).max()))
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-6
    assert gaps[0] > 1e-3  # at B/W = 100 the lines are close but not equal


def test_threshold_functions_broadcast_and_return_floats_for_scalars():
    s = np.linspace(1, 5, 7)
    assert game.threshold_welfare(B_, C_, PRIZE, W_, s).shape == (7,)
    assert game.threshold_risk_dominance_early(s).shape == (7,)
    assert isinstance(game.threshold_welfare(B_, C_, PRIZE, W_, S_), float)


finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=200, deadline=None)
@given(
    b=st.floats(0.1, 10, **finite),
    c=st.floats(0, 5, **finite),
    B=st.floats(0, 1e6, **finite),
    W=st.floats(1, 1e6, **finite),
    s=st.floats(1, 10, **finite),
)
def test_property_thresholds_solve_the_equalities(b, c, B, W, s):
    p_w = game.threshold_welfare(b, c, B, W, s)
    pay = game.race_payoff_dict(b, c, B, W, s, p_w)
    scale = max(1.0, abs(pay["AS_AS"]))
    assert abs(pay["AS_AS"] - pay["AU_AU"]) <= 1e-9 * scale
    p_rd = game.threshold_risk_dominance(b, c, B, W, s)
    pay = game.race_payoff_dict(b, c, B, W, s, p_rd)
    safe, unsafe = pay["AS_AS"] + pay["AS_AU"], pay["AU_AS"] + pay["AU_AU"]
    assert abs(safe - unsafe) <= 1e-9 * max(1.0, abs(safe))
