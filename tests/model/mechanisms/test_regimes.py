import numpy as np
import pytest

from sim.model.mechanisms import regimes as R


def _regimes():
    members = np.array([[True, True, True, False],
                        [False, True, False, True],
                        [True, False, False, False]])
    depth = np.array([0.3, 0.5, 0.9])
    renewed = np.array([0.0, 10.0, 10.0])
    return members, depth, renewed


def test_a_regime_lapses_without_renewal_and_needs_two_members():
    members, depth, renewed = _regimes()
    assert R.in_force(members, renewed, month=20, lapse=36).tolist() == [True, True, False]
    assert R.in_force(members, renewed, month=36, lapse=36).tolist() == [False, True, False]


def test_shared_depth_is_the_deepest_regime_a_pair_keeps():
    members, depth, _ = _regimes()
    active = np.array([True, True, False])
    s = R.shared_max(members, depth, active)
    assert s[0, 1] == pytest.approx(0.3) and s[1, 3] == pytest.approx(0.5)
    assert s[0, 3] == 0.0 and np.all(np.diag(s) == 0)
    assert np.allclose(s, s.T)


def test_commitment_is_the_deepest_regime_kept():
    members, depth, _ = _regimes()
    c = R.member_max(members, depth, np.array([True, True, False]))
    assert c.tolist() == pytest.approx([0.3, 0.5, 0.3, 0.5])
    assert not R.member_max(members, depth, np.zeros(3, bool)).any()


def test_shortfall_streak_counts_months_in_a_row():
    s = np.array([0, 3, 5])
    assert R.shortfall_streak(s, np.array([True, True, False])).tolist() == [1, 4, 0]


def test_coverage_is_the_capability_share_inside():
    members, _, _ = _regimes()
    cap = np.array([1.0, 0.5, 0.25, 0.25])
    assert R.coverage(members, cap).tolist() == pytest.approx([0.875, 0.375, 0.5])
