import numpy as np

from sim.model.mechanisms import incidents as I


def test_hazard_hand_computed_openness_adds_risk():
    e = I.exposure(np.array([0.0, 1.0]), 0.5)
    h = I.hazard(np.array([1.0, 0.5]), np.array([0.5, 0.0]), e, 0.1)
    # 0.1 * (1 * 0.5 * 1 + 0.5 * 1 * 1.5) = 0.125
    assert np.isclose(h, 0.125)


def test_concern_rises_per_incident_and_decays_to_baseline():
    r = I.raise_concern(np.array([0.5]), 2, 0.2)
    assert np.isclose(r[0], 1 - 0.5 * 0.8**2)  # 0.68
    assert I.raise_concern(np.array([0.5]), 0, 0.2)[0] == 0.5
    d = I.decay_concern(np.array([0.68]), np.array([0.5]), 0.5)
    assert np.isclose(d[0], 0.59)
