import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import metrics as M


def _blocs(intra, cross, n=4):
    t = np.full((2 * n, 2 * n), cross)
    t[:n, :n] = intra
    t[n:, n:] = intra
    np.fill_diagonal(t, 1.0)
    return t


def test_two_disconnected_cliques_give_index_near_one():
    side, q = M.two_way_split(_blocs(0.8, 0.0))
    assert side.tolist() == [False] * 4 + [True] * 4
    assert M.bifurcation_index(q) == pytest.approx(1.0, abs=1e-9)


def test_uniform_trust_has_no_bifurcation():
    _, q = M.two_way_split(_blocs(0.5, 0.5))
    assert M.bifurcation_index(q) == pytest.approx(0.0, abs=1e-9)


def test_index_hand_computed_for_two_blocs_of_seven():
    # intra 0.7, cross 0.2: k = 6*0.7 + 7*0.2 = 5.6, 2m = 78.4,
    # Q = (58.8 - 2*49*5.6**2/78.4) / 78.4 = 0.25 -> index 0.5
    _, q = M.two_way_split(_blocs(0.7, 0.2, n=7))
    assert q == pytest.approx(0.25)
    assert M.bifurcation_index(q) == pytest.approx(0.5)


def test_cross_bloc_trust_is_the_mean_across_the_split():
    t = _blocs(0.8, 0.2)
    t[0, 4] = 0.6
    side = np.array([False] * 4 + [True] * 4)
    assert M.cross_bloc_trust(t, side) == pytest.approx((15 * 0.2 + 0.6 + 16 * 0.2) / 32)


def test_regime_coverage_uses_the_deepest_agreement_with_two_signatories():
    depths = np.array([0.2, 0.6, 0.9])
    members = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]], bool)  # the 0.9 one has one signer
    deepest = M.deepest_agreements(depths, members)
    cap = np.array([2.0, 1.0, 1.0])
    assert M.regime_coverage(deepest, cap) == pytest.approx(0.75)
    assert M.regime_coverage(M.deepest_agreements(np.zeros(0), members[:0]), cap) == 0.0


def test_global_safety_and_gap():
    cap = np.array([1.0, 0.5, 0.5])
    assert M.global_safety(cap, np.array([0.2, 0.6, 0.0])) == pytest.approx(0.25)
    assert M.capability_gap(cap) == pytest.approx(0.5)
    assert M.leaders(np.array([0.3, 0.9, 0.5])) == (1, 2)


def test_mean_controls_over_supplier_rows_only():
    c = np.array([[0.0, 0.6, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert M.mean_controls(c, np.array([0.5, 0.0, 0.0])) == pytest.approx(0.3)


@pytest.mark.parametrize("cosign,cross,bif,split,separate,expected", [
    (0.5, 0.5, 0.9, True, False, "cooperation"),
    (0.5, 0.1, 0.9, True, True, "bifurcation"),
    (0.5, 0.1, 0.9, True, False, "fragmentation"),  # split trust, but one shared regime
    (0.1, 0.5, 0.9, False, True, "fragmentation"),
    (0.1, 0.5, 0.1, True, True, "fragmentation"),
])
def test_outcome_classification(cosign, cross, bif, split, separate, expected):
    assert M.classify_outcome(leaders_cosign_depth=cosign, cross_trust=cross, bif_index=bif,
                              leaders_split=split, separate=separate, depth_threshold=0.4,
                              cross_trust_threshold=0.35,
                              bifurcation_threshold=0.2) == expected


def test_separate_regimes_need_each_leader_outside_the_others_deepest():
    depths = np.array([0.2, 0.5, 0.4])
    members = np.array([[1, 1, 1, 0],   # shallow, shared by leaders 0 and 1
                        [1, 0, 1, 0],   # leader 0's deepest, without 1
                        [0, 1, 0, 1]], bool)  # leader 1's deepest, without 0
    assert M.separate_regimes(depths, members, 0, 1)
    members[2, 0] = True  # leader 0 joins leader 1's deepest text
    assert not M.separate_regimes(depths, members, 0, 1)
    assert not M.separate_regimes(np.zeros(0), np.zeros((0, 4), bool), 0, 1)  # no regimes


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=20), st.integers(min_value=0, max_value=2**31 - 1))
def test_trust_split_carries_the_reference_observables(n, seed):
    rng = np.random.default_rng(seed)
    t = rng.random((n, n))
    np.fill_diagonal(t, 1.0)
    split = M.trust_split(t)
    side, q = M.two_way_split(t)
    assert (split.side == side).all() and split.modularity == q
    assert split.mean_trust == pytest.approx(M.mean_trust(t), rel=1e-12, abs=1e-15)
    assert split.cross_trust == pytest.approx(M.cross_bloc_trust(t, split.side), rel=1e-9,
                                              abs=1e-12)
    if split.side.any():  # the modularity of the reported split, from its definition
        w = 0.5 * (t + t.T)
        np.fill_diagonal(w, 0.0)
        k = w.sum(axis=1)
        s = np.where(split.side, 1.0, -1.0)
        b = w - np.outer(k, k) / k.sum()
        assert q == pytest.approx(max(s @ b @ s / (2 * k.sum()), 0.0), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.1, 0.3, 0.3, 0.5, 0.9]),
                          st.lists(st.booleans(), min_size=5, max_size=5)), max_size=12))
def test_add_agreement_keeps_the_deepest_agreements(agreements):
    deepest, depth = np.zeros((0, 5), bool), -np.inf
    depths, members = [], []
    for d, mask in agreements:
        signed = np.array(mask)
        if signed.sum() < 2:  # the model records agreements of two or more signatories only
            continue
        deepest, depth = M.add_agreement(deepest, depth, d, signed)
        depths.append(d)
        members.append(signed)
    expected = M.deepest_agreements(np.array(depths), np.array(members).reshape(-1, 5))
    np.testing.assert_array_equal(deepest, expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=16), st.integers(min_value=0, max_value=2**31 - 1))
def test_split_observables_many_agrees_month_by_month(n, seed):
    rng = np.random.default_rng(seed)
    trusts = rng.random((5, n, n))
    trusts[1] = 0.5  # uniform: nothing splits
    trusts[2] = 0.0  # no trust at all
    for t in trusts:
        np.fill_diagonal(t, 1.0)
    many = M.split_observables_many(trusts)
    for month, t in enumerate(trusts):
        for key, value in M.split_observables(t).items():
            assert many[key][month] == pytest.approx(value, rel=1e-9, abs=1e-12), (month, key)


def test_split_observables_many_month_by_month_for_large_rosters():
    rng = np.random.default_rng(7)
    trusts = rng.random((2, 70, 70))
    many = M.split_observables_many(trusts)
    for month, t in enumerate(trusts):
        for key, value in M.split_observables(t).items():
            assert many[key][month] == value
