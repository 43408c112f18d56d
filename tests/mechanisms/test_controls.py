import numpy as np

from sim.mechanisms import controls as K


def _world():
    cap = np.array([1.0, 0.5])
    trust = np.array([[1.0, 0.2], [0.3, 1.0]])
    verified = np.zeros((2, 2))
    rivalry = np.array([[0.0, 0.3], [0.3, 0.0]])
    hawk = np.array([0.7, 0.7])
    supply = np.array([0.4, 0.0])
    return cap, trust, verified, rivalry, hawk, supply


def test_control_pressure_hand_computed():
    p = K.control_pressure(*_world(), w_capability=1.0, w_unsafe=0.6, w_rivalry=1.0)
    # threat[0,1] = (1 - 0.2) * (1.0 * 0.5 + 0.6 * 1) + 1.0 * 0.3 = 1.18 -> 0.7 * 1.18 = 0.826
    assert np.isclose(p[0, 1], 0.826)
    assert p[1, 0] == 0.0  # not a supplier
    assert p[0, 0] == 0.0


def test_verified_safety_and_trust_lower_pressure():
    cap, trust, verified, rivalry, hawk, supply = _world()
    base = K.control_pressure(cap, trust, verified, rivalry, hawk, supply, 1.0, 0.6, 1.0)
    verified[0, 1] = 1.0
    trust[0, 1] = 0.6
    eased = K.control_pressure(cap, trust, verified, rivalry, hawk, supply, 1.0, 0.6, 1.0)
    assert eased[0, 1] < base[0, 1]


def test_controls_tighten_fast_and_relax_slowly():
    c = np.array([[0.0, 0.5], [0.5, 0.0]])
    p = np.array([[0.0, 0.9], [0.1, 0.0]])
    out = K.adjust_controls(c, p, tighten=0.5, relax=0.1)
    assert np.isclose(out[0, 1], 0.7)  # 0.5 + 0.5 * 0.4
    assert np.isclose(out[1, 0], 0.46)  # 0.5 - 0.1 * 0.4


def test_safety_for_compute_fires_only_inside_the_rivalry_gate():
    c = np.array([[0.0, 0.8], [0.0, 0.0]])
    v = np.array([[0.0, 0.7], [0.0, 0.0]])
    t = np.array([[1.0, 0.5], [0.5, 1.0]])
    low = np.array([[0.0, 0.1], [0.1, 0.0]])
    out, fired = K.safety_for_compute(c, v, t, low, 0.6, 0.4, 0.25, 0.25)
    assert fired[0, 1] and np.isclose(out[0, 1], 0.6)
    high = np.array([[0.0, 0.5], [0.5, 0.0]])
    out, fired = K.safety_for_compute(c, v, t, high, 0.6, 0.4, 0.25, 0.25)
    assert not fired.any() and out[0, 1] == 0.8  # "the US may not budge" (002)
    v[0, 1] = 0.5
    _, fired = K.safety_for_compute(c, v, t, low, 0.6, 0.4, 0.25, 0.25)
    assert not fired.any()  # safety below threshold
