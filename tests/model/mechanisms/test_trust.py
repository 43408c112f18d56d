import numpy as np

from sim.model.mechanisms import trust as T


def test_relaxation_moves_a_share_of_the_gap_to_affinity():
    t = np.array([[1.0, 0.2], [0.8, 1.0]])
    aff = np.array([[1.0, 0.6], [0.4, 1.0]])
    out = T.relax_toward_affinity(t, aff, 0.25)
    # 0.2 + 0.25 * (0.6 - 0.2) = 0.3 ; 0.8 + 0.25 * (0.4 - 0.8) = 0.7
    np.testing.assert_allclose(out, [[1.0, 0.3], [0.7, 1.0]])


def test_verified_compliance_gains_and_shortfall_loses_faster():
    t = np.full((3, 3), 0.5)
    observed = np.array([[False, True, True], [False, False, False], [False, False, False]])
    complied = np.array([True, True, False])
    out = T.verification_update(t, observed, complied, gain=0.1, loss=0.3)
    assert out[0, 1] == 0.5 + 0.1 * 0.5  # 0.55: observed and complied
    assert out[0, 2] == 0.5 - 0.3 * 0.5  # 0.35: observed and fell short
    assert out[1, 2] == 0.5  # not observed: unchanged
    assert (0.5 - out[0, 2]) > (out[0, 1] - 0.5)


def test_rivalry_cuts_trust_in_proportion():
    t = np.array([[1.0, 0.5], [0.5, 1.0]])
    r = np.array([[0.0, 2.0], [2.0, 0.0]])
    out = T.rivalry_cut(t, r, 0.1)
    assert out[0, 1] == 0.5 * (1 - 0.2)


def test_cosigning_raises_mutual_trust_only_among_signatories():
    t = np.full((3, 3), 0.4)
    signed = np.array([True, True, False])
    out = T.cosign_gain(t, signed, depth=0.5, gain=0.2)
    assert np.isclose(out[0, 1], 0.4 + 0.2 * 0.5 * 0.6)  # 0.46
    assert out[0, 2] == 0.4 and out[2, 0] == 0.4
    assert out[0, 0] == 0.4  # the diagonal is not a pair


def test_exclusion_lowers_trust_of_the_excluded_in_the_circle():
    t = np.full((3, 3), 0.5)
    excluded = np.array([False, False, True])
    circle = np.array([True, True, False])
    out = T.exclusion_loss(t, excluded, circle, 0.2)
    assert out[2, 0] == 0.4 and out[2, 1] == 0.4
    assert out[0, 2] == 0.5  # the circle's trust in the excluded is unchanged


def test_clip_keeps_range_and_unit_diagonal():
    out = T.clip_trust(np.array([[0.3, 1.7], [-0.2, 0.9]]))
    np.testing.assert_allclose(out, [[1.0, 1.0], [0.0, 1.0]])


def test_baseline_drifts_slowly_toward_lived_trust():
    base = np.array([[1.0, 0.5], [0.5, 1.0]])
    lived = np.array([[1.0, 0.1], [0.3, 1.0]])
    out = T.drift_baseline(base, lived, 0.01)
    assert np.isclose(out[0, 1], 0.5 - 0.004) and np.isclose(out[1, 0], 0.498)
