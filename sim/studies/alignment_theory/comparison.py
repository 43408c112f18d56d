"""Alignment comparisons: bands, confidence intervals, growth factors, the critical coupling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.studies.alignment_theory.simulation import Runs

# ---------------------------------------------------------------------------------------------
# comparisons


def band(runs: Runs, level: float = 0.95):
    """The seed mean of m per month and its simultaneous band (:func:`sim.studies.meanfield.band`:
    Bonferroni over the months with spread)."""
    from sim.studies.meanfield import band as mf_band

    return mf_band({"m": runs.m}, level)


def deviation(runs: Runs, path: np.ndarray, level: float = 0.95) -> float:
    """Largest |seed mean - path| over the months, in half-widths of the simultaneous band
    (<= 1: the path stays inside at every month; :func:`sim.studies.meanfield.deviation`)."""
    from sim.studies.meanfield import deviation as mf_deviation

    return mf_deviation(band(runs, level), {"m": np.asarray(path)})["m"]


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """(mean, half-width of its two-sided normal confidence interval) over seeds."""
    x = np.asarray(x, dtype=float)
    z = float(ndtri(0.5 + level / 2))
    return float(x.mean()), float(z * x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0


def growth_factor(runs: Runs, months: int) -> tuple[float, float]:
    """(mu, s.e.) of the monthly growth factor of the seed-mean order parameter from a small
    start: mu = (mean m_K / m_0)^(1/K), K = ``months``; the linearized map gives
    mu = 1 + rate (beta J - 1). s.e. by the delta method over seeds."""
    m0 = float(runs.m[0, 0])
    x = runs.m[:, months] / m0
    mean, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
    mu = mean ** (1.0 / months)
    return mu, mu * se / (months * mean)


@dataclass(frozen=True)
class Critical:
    beta_j: float  # estimated critical coupling beta J_c
    se: float  # its standard error
    slope: float  # fitted d mu / d(beta J): the rate, per month
    slope_se: float


def estimate_critical(beta_js: Sequence[float], mus: Sequence[float],
                      ses: Sequence[float]) -> Critical:
    """Critical coupling from growth factors: weighted least squares of mu on beta J
    (mu = 1 + rate (beta J - beta J_c) in the linear regime), beta J_c where the line crosses 1,
    its s.e. by the delta method (with the fit's covariance). The growth factors' errors must
    be independent (runs with different seeds at every point)."""
    x, y, s = (np.asarray(v, dtype=float) for v in (beta_js, mus, ses))
    w = 1.0 / s ** 2
    xm, ym = (w * x).sum() / w.sum(), (w * y).sum() / w.sum()
    sxx = (w * (x - xm) ** 2).sum()
    b = (w * (x - xm) * (y - ym)).sum() / sxx
    var_b, var_ym = 1.0 / sxx, 1.0 / w.sum()  # uncorrelated at the weighted mean
    c = xm + (1.0 - ym) / b
    var_c = var_ym / b ** 2 + ((1.0 - ym) / b ** 2) ** 2 * var_b
    return Critical(float(c), float(np.sqrt(var_c)), float(b), float(np.sqrt(var_b)))
