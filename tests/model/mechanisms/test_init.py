import numpy as np

from sim.model.mechanisms import _clip_by_min_max, clip, fill_diagonal


def test_clip_matches_numpy_clip():
    x = np.array([[-0.5, 0.3, 1.7], [np.nan, 1.0, 0.0], [2.0, -0.0, 0.999]])
    np.testing.assert_array_equal(clip(x, 0.0, 1.0), np.clip(x, 0.0, 1.0))
    np.testing.assert_array_equal(_clip_by_min_max(x, 0.0, 1.0), np.clip(x, 0.0, 1.0))
    assert clip(1.5, 0.0, 1.0) == 1.0 and clip(-2.0, 0.0, 1.0) == 0.0


def test_fill_diagonal_writes_through_any_layout():
    for a in (np.zeros((4, 4)), np.zeros((4, 4), order="F"), np.zeros((4, 4)).T):
        fill_diagonal(a, 1.0)
        np.testing.assert_array_equal(a, np.eye(4))
