import numpy as np

from sim.model.mechanisms import controls as K


def _world():
    cap = np.array([1.0, 0.5])
    trust = np.array([[1.0, 0.2], [0.3, 1.0]])
    verified = np.zeros((2, 2))
    rivalry = np.array([[0.0, 0.3], [0.3, 0.0]])
    hawk = np.array([0.7, 0.7])
    supply = np.array([0.4, 0.0])
    alignment = np.array([1.0, -1.0])  # opposite camps
    shared = np.zeros((2, 2))
    return cap, trust, verified, rivalry, hawk, supply, alignment, shared


def _pressure(world, club_easing=0.0):
    return K.control_pressure(*world, w_capability=1.0, w_unsafe=0.6, w_rivalry=1.0,
                              club_easing=club_easing)


def test_control_pressure_hand_computed():
    p = _pressure(_world())
    # opposite camps: opposition 1; threat[0,1] = (1 - 0.2)(0.5 + 0.6) + 0.3 = 1.18 -> 0.826
    assert np.isclose(p[0, 1], 0.826)
    assert p[1, 0] == 0.0  # not a supplier
    assert p[0, 0] == 0.0


def test_controls_are_bloc_policy_a_distrusted_ally_is_no_target():
    """Version 1 charged distrust to friends too: now an ally (same camp) faces only rivalry,
    a non-aligned target half the trust-and-capability threat."""
    world = list(_world())
    world[6] = np.array([1.0, 1.0])  # same camp
    assert np.isclose(_pressure(world)[0, 1], 0.7 * 0.3)
    world[6] = np.array([1.0, 0.0])  # non-aligned
    assert np.isclose(_pressure(world)[0, 1], 0.7 * (0.5 * 0.8 * 1.1 + 0.3))


def test_club_penalty_waives_pressure_for_fellow_members():
    world = list(_world())
    world[7] = np.array([[0.0, 0.5], [0.5, 0.0]])
    assert np.isclose(_pressure(world, club_easing=0.5)[0, 1], 0.826 * (1 - 0.25))


def test_verified_safety_and_trust_lower_pressure():
    world = _world()
    base = _pressure(world)
    world[2][0, 1] = 1.0
    world[1][0, 1] = 0.6
    assert _pressure(world)[0, 1] < base[0, 1]


def test_allied_suppliers_follow_their_leader():
    """Three countries: leader A (0) controls target B (1); supplier 2 in A's camp follows."""
    pressure = np.zeros((3, 3))
    controls = np.array([[0.0, 0.6, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    alignment = np.array([1.0, -1.0, 0.5])
    supply = np.array([0.4, 0.0, 0.1])
    out = K.follow_leaders(pressure, controls, alignment, supply, (0, 1), follow=0.7)
    assert np.isclose(out[2, 1], 0.7 * 0.5 * 0.6)
    assert out[2, 0] == 0.0 and out[0, 1] == 0.0  # no control on its leader; leaders unchanged
    alignment[2] = -0.5  # now in B's camp: follows B, which controls nobody
    assert not K.follow_leaders(pressure, controls, alignment, supply, (0, 1), 0.7).any()


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
