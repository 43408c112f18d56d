import numpy as np
import pytest

from sim.model.mechanisms import relations as R


def test_groups_make_symmetric_pairs():
    m = R.group_matrix([[0, 1, 2], [2, 3]], 4)
    assert m[0, 1] == m[1, 0] == 1 and m[2, 3] == 1 and m[0, 3] == 0 and m[1, 1] == 0


def test_baseline_trust_from_alliances_partnerships_and_voting():
    x = np.array([3.0, -1.0, 2.0])
    ally = R.group_matrix([[0, 2]], 3)
    partner = np.zeros((3, 3))
    b = R.baseline_trust(x, ally, partner, base=0.15, w_alliance=0.3, w_partnership=0.12,
                         w_voting=0.4, scale=4.0)
    assert b[0, 1] == pytest.approx(0.15)  # distance 4: voting adds nothing, no ties
    assert b[0, 2] == pytest.approx(0.15 + 0.3 + 0.4 * 0.75)
    assert np.all(np.diag(b) == 1.0) and np.allclose(b, b.T)
