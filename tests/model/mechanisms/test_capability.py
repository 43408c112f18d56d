import numpy as np

from sim.model.mechanisms import capability as K


def test_blocked_share_weights_controls_by_supply():
    controls = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.0], [1.0, 0.5, 0.0]])
    supply = np.array([0.4, 0.0, 0.2])
    # target 1: 0.4 * 0.5 + 0.2 * 0.5 = 0.3 ; target 0: 0.2 * 1.0 = 0.2
    np.testing.assert_allclose(K.blocked_share(controls, supply), [0.2, 0.3, 0.0])


def test_substitution_grows_only_under_blockage_and_restores_access():
    s = K.substitute(np.array([0.0, 0.5]), np.array([0.0, 0.4]), 0.1)
    np.testing.assert_allclose(s, [0.0, 0.52])
    np.testing.assert_allclose(K.compute_access(np.array([0.4, 0.4]), np.array([0.0, 0.5])),
                               [0.6, 0.8])


def test_growth_slowed_by_safety_spending():
    out = K.grow(np.array([1.0, 1.0]), np.array([1.0, 0.5]), np.array([0.0, 0.4]), 0.1, 0.5)
    # second: 1 * (1 + 0.1 * 0.5 * (1 - 0.5 * 0.4)) = 1.04
    np.testing.assert_allclose(out, [1.1, 1.04])
