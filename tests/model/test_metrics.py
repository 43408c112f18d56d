import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import metrics as M


def _reference_polarization(a, cap, alpha=1.0, h=0.5):
    """The kernel Esteban-Ray index written out pair by pair (the O(N^2) definition)."""
    pi = cap / cap.sum()
    d = np.abs(a[:, None] - a[None, :])
    f = (pi[None, :] * np.maximum(0.0, 1.0 - d / h)).sum(axis=1)
    return 2 ** alpha * float((pi * f ** alpha * (d * pi[None, :]).sum(axis=1)).sum())


def test_two_equal_camps_at_the_poles_are_fully_polarized():
    assert M.polarization(np.array([1.0, 1.0, -1.0, -1.0]), np.ones(4)) == pytest.approx(1.0)


def test_one_world_is_not_polarized_wherever_it_stands():
    for where in (-1.0, 0.0, 0.6):
        assert M.polarization(np.full(5, where), np.ones(5)) == pytest.approx(0.0)


def test_identification_pools_a_camp_of_small_states():
    """Eight small states at +1 against two at -1: the same as two groups of 0.8 and 0.2
    (2 (0.8^2 0.2 + 0.2^2 0.8) 2 = 0.64), not eight separate groups."""
    a = np.array([1.0] * 8 + [-1.0] * 2)
    assert M.polarization(a, np.ones(10)) == pytest.approx(0.64)


def test_a_lopsided_world_is_less_polarized_than_an_even_one():
    a = np.array([1.0, -1.0])
    assert M.polarization(a, np.array([0.9, 0.1])) < M.polarization(a, np.array([0.5, 0.5]))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=40), st.integers(min_value=0, max_value=2**31 - 1))
def test_sorted_polarization_equals_the_pairwise_definition(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.choice([-1.0, -0.5, 0.0, 0.3, 1.0], n) if seed % 2 else rng.uniform(-1, 1, n)
    cap = rng.uniform(0.01, 1.0, n)
    assert M.polarization(a, cap) == pytest.approx(_reference_polarization(a, cap), abs=1e-12)


def test_cross_camp_trust_is_the_mean_between_the_camps():
    t = np.array([[1.0, 0.9, 0.2, 0.5],
                  [0.8, 1.0, 0.1, 0.5],
                  [0.3, 0.4, 1.0, 0.5],
                  [0.5, 0.5, 0.5, 1.0]])
    a = np.array([True, True, False, False])
    b = np.array([False, False, True, False])
    assert M.cross_camp_trust(t, a, b) == pytest.approx((0.2 + 0.1 + 0.3 + 0.4) / 4)
    assert M.cross_camp_trust(t, a, np.zeros(4, bool)) == pytest.approx(M.mean_trust(t))


def test_regime_structure_reads_depth_coverage_and_each_leaders_own_regime():
    members = np.array([[1, 1, 1, 0],   # shallow, both leaders
                        [1, 0, 1, 0],   # leader 0 without leader 1
                        [0, 1, 0, 1],   # leader 1 without leader 0
                        [1, 1, 1, 1]], bool)  # deep, but lapsed
    depth = np.array([0.2, 0.5, 0.4, 0.9])
    active = np.array([True, True, True, False])
    cap = np.array([2.0, 1.0, 0.5, 0.5])
    rs = M.regime_structure(members, depth, active, cap, 0, 1)
    assert rs.in_force == 3 and rs.depth == pytest.approx(0.5)
    assert rs.coverage == pytest.approx(2.5 / 4) and rs.shared_depth == pytest.approx(0.2)
    assert rs.shared_coverage == pytest.approx(3.5 / 4) and rs.a_own and rs.b_own
    members[2, 0] = True  # leader 0 joins leader 1's regime: leader 1 has none of its own
    rs = M.regime_structure(members, depth, active, cap, 0, 1)
    assert rs.a_own and not rs.b_own and rs.shared_depth == pytest.approx(0.4)
    none = M.regime_structure(members, depth, np.zeros(4, bool), cap, 0, 1)
    assert none == M.RegimeStructure(0, 0.0, 0.0, 0.0, 0.0, False, False)


def test_global_safety_and_gap():
    cap = np.array([1.0, 0.5, 0.5])
    assert M.global_safety(cap, np.array([0.2, 0.6, 0.0])) == pytest.approx(0.25)
    assert M.capability_gap(cap) == pytest.approx(0.5)
    assert M.leaders(np.array([0.3, 0.9, 0.5])) == (1, 2)


def test_mean_controls_over_supplier_rows_only():
    c = np.array([[0.0, 0.6, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert M.mean_controls(c, np.array([0.5, 0.0, 0.0])) == pytest.approx(0.3)


THRESHOLDS = dict(depth_threshold=0.4, coverage_threshold=0.5, polarization_high=0.35)


@pytest.mark.parametrize("depth,cov,pol,apart,a_own,b_own,expected", [
    (0.5, 0.8, 0.1, False, False, False, "cooperation"),
    (0.5, 0.3, 0.1, False, False, False, "fragmentation"),  # shared regime covers too little
    (0.3, 0.8, 0.1, False, False, False, "fragmentation"),  # too shallow
    (0.5, 0.8, 0.3, True, True, True, "fragmentation"),  # leaders apart, polarization not high
    (0.5, 0.8, 0.3, False, False, False, "cooperation"),  # leaders together, world not split
    (0.5, 0.8, 0.35, False, False, False, "fragmentation"),  # together, but the world is split
    (0.5, 0.8, 0.1, True, False, False, "fragmentation"),  # a shared regime, leaders apart
    (0.0, 0.0, 0.5, True, True, True, "bifurcation"),
    (0.5, 0.8, 0.5, True, True, True, "bifurcation"),  # a shared regime does not undo camps
    (0.0, 0.0, 0.5, True, True, False, "fragmentation"),  # one leader has no regime of its own
    (0.0, 0.0, 0.5, False, True, True, "fragmentation"),  # the leaders are not apart
])
def test_outcome_classification(depth, cov, pol, apart, a_own, b_own, expected):
    assert M.classify_outcome(shared_depth=depth, shared_coverage=cov, polarization=pol,
                              leaders_apart=apart, a_own=a_own, b_own=b_own,
                              **THRESHOLDS) == expected
