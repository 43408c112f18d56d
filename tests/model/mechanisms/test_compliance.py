import numpy as np
import pytest

from sim.model.mechanisms import compliance as C


def test_race_pressure_of_leader_is_runner_up_share():
    cap = np.array([1.0, 0.5, 0.1])
    np.testing.assert_allclose(C.race_pressure(cap), [0.5, 0.5, 0.1])


def test_equal_leaders_both_feel_full_pressure():
    np.testing.assert_allclose(C.race_pressure(np.array([2.0, 2.0, 1.0])), [1.0, 1.0, 0.5])


def test_comply_hand_computed():
    impl = np.array([0.2, 0.2])
    commit = np.array([0.6, 0.6])
    hawk = np.array([0.0, 1.0])
    pressure = np.array([0.5, 0.5])
    out = C.comply(impl, commit, hawk, pressure, rate=0.1, hawk_drag=0.6, shock=np.zeros(2))
    # dove: 0.2 + 0.1 * 0.4 = 0.24; hawk: rate 0.1 * (1 - 0.6 * 1 * 0.5) = 0.07 -> 0.228
    np.testing.assert_allclose(out, [0.24, 0.228])


def test_comply_stays_in_unit_interval_under_large_shocks():
    out = C.comply(np.array([0.9, 0.1]), np.array([1.0, 0.0]), np.zeros(2), np.zeros(2),
                   0.5, 0.5, np.array([0.5, -0.5]))
    assert out.min() >= 0 and out.max() <= 1


def test_compliance_reading_uses_tolerance():
    ok = C.complied(np.array([0.4, 0.3]), np.array([0.5, 0.5]), 0.8)
    assert ok.tolist() == [True, False]


def test_deal_incentive_aims_at_the_threshold_in_proportion_to_stake():
    out = C.deal_incentive(np.array([0.2, 0.2, 0.7]), np.array([0.0, 0.5, 1.0]), 0.6)
    # no stake: the commitment; half stake: halfway to 0.6; above the threshold: unchanged
    np.testing.assert_allclose(out, [0.2, 0.4, 0.7])


def test_commitments_phase_in_on_schedule_and_fall_with_the_commitment():
    obligation = np.array([0.0, 0.3, 0.5])
    commitment = np.array([0.48, 0.48, 0.2])
    out = C.phase_in(obligation, commitment, months=24)
    assert out.tolist() == pytest.approx([0.02, 0.32, 0.2])
