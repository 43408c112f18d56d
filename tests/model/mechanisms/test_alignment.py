import numpy as np
import pytest

from sim.model.mechanisms import alignment as A


def test_propensity_is_centred_trust_plus_regime_and_dependence_minus_rivalry():
    trust = np.array([[1.0, 0.8], [0.6, 1.0]])
    shared = np.array([[0.0, 0.4], [0.4, 0.0]])
    dep = np.array([[0.0, 0.2], [0.0, 0.0]])
    riv = np.array([[0.0, 0.1], [0.1, 0.0]])
    j = A.propensity(trust, shared, dep, riv, trust_neutral=0.4, w_regime=0.5,
                     w_dependence=0.5, w_rivalry=1.0)
    # (0.8 + 0.6)/2 - 0.4 + 0.5*0.4 + 0.5*(0.2 + 0) - 1.0*0.1 = 0.5
    assert j[0, 1] == pytest.approx(0.5) and j[1, 0] == pytest.approx(0.5)
    assert j[0, 0] == 0.0


def test_distrust_below_neutral_repels():
    trust = np.array([[1.0, 0.1], [0.1, 1.0]])
    z = np.zeros((2, 2))
    assert A.propensity(trust, z, z, z, 0.4, 0.5, 0.5, 1.0)[0, 1] == pytest.approx(-0.3)


def test_field_weighs_others_by_capability_and_propensity():
    j = np.array([[0.0, 0.5, -0.2], [0.5, 0.0, 0.1], [-0.2, 0.1, 0.0]])
    cap = np.array([2.0, 1.0, 1.0])
    a = np.array([1.0, 0.5, -1.0])
    w = A.size_weights(cap)
    expected = (w * j).dot(a)
    assert np.allclose(A.field(j, cap, a), expected)
    # country 0: others' capability 2 -> (0.5*1*0.5 + (-0.2)*1*(-1)) / 2 = 0.225
    assert A.field(j, cap, a)[0] == pytest.approx(0.225)


def test_update_moves_a_share_toward_tanh_of_the_field_and_stays_in_range():
    a = np.array([0.0, 0.9])
    h = np.array([0.5, -10.0])
    out = A.update_alignment(a, h, beta=2.0, rate=0.1, shock=np.zeros(2))
    assert out[0] == pytest.approx(0.1 * np.tanh(1.0))
    assert out[1] == pytest.approx(0.9 + 0.1 * (np.tanh(-20.0) - 0.9))
    big = A.update_alignment(a, h, 2.0, 0.1, np.array([5.0, -5.0]))
    assert big.tolist() == [1.0, -1.0]


def test_initial_alignment_is_the_leaders_relative_pull():
    b = np.array([[1.0, 0.2, 0.7, 0.3],
                  [0.2, 1.0, 0.3, 0.6],
                  [0.7, 0.3, 1.0, 0.5],
                  [0.3, 0.6, 0.5, 1.0]])
    a = A.initial_alignment(b, 0, 1)
    assert a[0] == 1.0 and a[1] == -1.0
    assert a[2] == pytest.approx((0.7 - 0.3) / 0.8) and a[3] == pytest.approx((0.3 - 0.6) / 0.8)
    assert not A.initial_alignment(b, 0, 1, "united").any()
    assert A.initial_alignment(b, 0, 1, "split").tolist() == [1.0, -1.0, 1.0, -1.0]
    with pytest.raises(ValueError):
        A.initial_alignment(b, 0, 1, "blocs")


def test_camps_are_read_from_leader_a_side_whatever_the_sign():
    a = np.array([-0.9, 0.8, -0.5, 0.1])
    camp_a, camp_b = A.camps(a, leader_a=0, threshold=0.25)
    assert camp_a.tolist() == [True, False, True, False]
    assert camp_b.tolist() == [False, True, False, False]


def test_dependence_is_supply_not_withheld():
    supply = np.array([0.4, 0.0, 0.1])
    controls = np.zeros((3, 3))
    controls[0, 1] = 0.5
    d = A.compute_dependence(supply, controls)
    assert d[1, 0] == pytest.approx(0.2) and d[2, 0] == pytest.approx(0.4)
    assert d[0, 2] == pytest.approx(0.1) and d[0, 0] == 0.0
