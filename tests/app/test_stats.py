"""sim.app.stats: shares, intervals and bands of a set of runs."""

import math

import numpy as np
import pytest

from sim.app import stats
from sim.studies.compare import wilson_interval


def test_shares_count_every_outcome_in_order_with_wilson_intervals():
    shares = stats.outcome_shares(["bifurcation"] * 30 + ["fragmentation"] * 20)
    assert [s.outcome for s in shares] == ["cooperation", "bifurcation", "fragmentation"]
    assert [s.count for s in shares] == [0, 30, 20]
    assert shares[1].share == pytest.approx(0.6)
    assert (shares[1].low, shares[1].high) == pytest.approx(wilson_interval(30, 50))
    assert shares[1].low < 0.6 < shares[1].high
    # an outcome no seed reached still has an interval of positive width
    assert shares[0].low == 0.0 and shares[0].high > 0.05
    assert shares[1].text() == "60% [46%, 72%] (30 of 50)"


def test_shares_refuse_unknown_labels():
    with pytest.raises(ValueError, match="unknown outcome"):
        stats.outcome_shares(["cooperation", "war"])


def test_bands_are_percentiles_over_seeds():
    rng = np.random.default_rng(0)
    series = rng.random((40, 5, 2))
    q = stats.bands(series)
    assert q.shape == (3, 5, 2)
    np.testing.assert_allclose(q[1], np.median(series, axis=0))
    assert (q[0] <= q[1]).all() and (q[1] <= q[2]).all()
    with pytest.raises(ValueError):
        stats.bands(np.zeros((0, 5, 2)))
    # a missing value is left out of its month's percentiles
    holed = series.copy()
    holed[0, 2, 1] = np.nan
    np.testing.assert_allclose(stats.bands(holed)[1, 2, 1], np.median(series[1:, 2, 1]))


def test_finals_are_means_of_the_last_month_with_t_intervals():
    last = np.zeros((4, 2))
    last[:, 0] = [1.0, 2.0, 3.0, 4.0]
    f = stats.finals(last, ["a", "b"])
    assert f[0].name == "a" and f[0].mean == pytest.approx(2.5)
    assert f[0].low < 2.5 < f[0].high
    assert f[1].mean == 0.0 and f[1].low == f[1].high == 0.0
    with pytest.raises(ValueError):
        stats.finals(last, ["a"])
    with pytest.raises(ValueError):
        stats.finals(np.zeros((4, 3, 2)), ["a", "b"])


def test_paired_difference_uses_the_same_seeds():
    ref = ["fragmentation"] * 10
    what = ["bifurcation"] * 5 + ["fragmentation"] * 5
    d, lo, hi = stats.paired_difference(what, ref, "bifurcation")
    assert d == pytest.approx(0.5) and lo < 0.5 < hi
    d, lo, hi = stats.paired_difference(ref, ref, "bifurcation")
    assert d == 0.0 and not math.isnan(lo)
    with pytest.raises(ValueError, match="same seeds"):
        stats.paired_difference(what[:3], ref, "bifurcation")


def test_cause_differences_are_paired_and_ordered_by_size():
    ref = np.array([[0.0, -0.01], [0.0, -0.02], [0.0, -0.03]])
    what = ref + np.array([[0.001, -0.05], [0.002, -0.04], [0.0, -0.06]])
    rows = stats.cause_differences(what, ref, ["cosigning", "exclusion"])
    assert [r.cause for r in rows] == ["exclusion", "cosigning"]
    assert rows[0].difference == pytest.approx(-0.05) and rows[0].clear
    assert rows[0].reference == pytest.approx(-0.02)
    assert rows[0].what_if == pytest.approx(-0.07)
    assert rows[0].low < -0.05 < rows[0].high < 0
    with pytest.raises(ValueError, match="same seeds"):
        stats.cause_differences(what[:2], ref, ["cosigning", "exclusion"])
