"""Alignment theory: the Curie-Weiss mean field of the alignment layer (fixed points, paths)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import ndtr

from sim.studies.meanfield import one_blas_thread

CRITICAL_BETA_J = 1.0  # the Curie-Weiss critical coupling (homogeneous and two-community worlds)

# ---------------------------------------------------------------------------------------------
# theory


def spontaneous_m(beta_j: float) -> float:
    """The Curie-Weiss order parameter m* >= 0 solving m = tanh(beta_j m) (no external field).

    beta_j: the dimensionless coupling beta J (>= 0). Returns 0 for beta_j <= 1; above, the
    positive root, found with ``scipy.optimize.brentq`` on tanh(beta_j m) / m - 1 over (0, 1]
    (positive near 0, where it tends to beta_j - 1, and negative at 1), so the root is bracketed
    however close beta_j is to 1. Near the critical point m*^2 ~ 3 (beta_j - 1). Source: the
    Curie-Weiss self-consistency, in Galam's (1996) reading of Axelrod and Bennett (1993).
    """
    if not np.isfinite(beta_j) or beta_j < 0:
        raise ValueError(f"beta_j must be a finite number >= 0, got {beta_j!r}")
    if beta_j <= CRITICAL_BETA_J:
        return 0.0
    return float(brentq(lambda m: np.tanh(beta_j * m) / m - 1.0, 1e-12, 1.0, xtol=1e-15,
                        rtol=4 * np.finfo(float).eps))


@dataclass(frozen=True)
class FixedPoint:
    m: float  # alignment at the fixed point, in [-1, 1]
    stable: bool  # stable under the map and the ODE: beta J sech^2(beta (J m + h)) < 1


def self_consistent(beta: float, j: float, h: float = 0.0,
                    points: int = 4001) -> tuple[FixedPoint, ...]:
    """All solutions of m = tanh(beta (J m + h)) in [-1, 1], increasing, with their stability.

    beta: intensity of choice (1/trust units, >= 0); j: coupling J (trust units, any sign);
    h: an external field on every country (trust units; e.g. a pull toward one leader). Roots
    are bracketed by the sign changes of g(m) = tanh(beta (J m + h)) - m on a grid of ``points``
    and refined with ``scipy.optimize.brentq``; for h = 0 and beta J > 1 the three roots are
    0 and +-:func:`spontaneous_m` (exact however close to the critical point). A root is stable
    when the slope of the right-hand side is below 1. Source: Curie-Weiss mean field with a
    field (Galam 1996).
    """
    bj = beta * j
    if h == 0.0 and bj > CRITICAL_BETA_J:
        ms = spontaneous_m(bj)
        return (FixedPoint(-ms, True), FixedPoint(0.0, False), FixedPoint(ms, True))

    def g(m):
        return np.tanh(beta * (j * m + h)) - m

    grid = np.linspace(-1.0, 1.0, points)
    vals = g(grid)
    roots = [float(x) for x, v in zip(grid, vals, strict=True) if v == 0.0]
    for k in np.flatnonzero(vals[:-1] * vals[1:] < 0):
        roots.append(float(brentq(g, grid[k], grid[k + 1], xtol=1e-15)))
    out = []
    for m in sorted(roots):
        slope = bj / np.cosh(beta * (j * m + h)) ** 2
        out.append(FixedPoint(m, bool(slope < 1.0)))
    return tuple(out)


def critical_beta(j: np.ndarray, capability: np.ndarray) -> float:
    """The intensity of choice beta_c above which the non-aligned world a = 0 is unstable.

    j: the propensity matrix J (N, N), symmetric (trust units); capability: (N,) sizes > 0.
    Linearizing the monthly update at a = 0 gives a' = (1 - rate) a + rate beta W a with
    W = omega * J (omega the size weights of
    :func:`sim.model.mechanisms.alignment.size_weights`), so
    a = 0 loses stability when beta lambda_max(W) > 1: beta_c = 1 / lambda_max(W) (inf when
    lambda_max <= 0). W = D^-1 J C (C = diag(cap), D = diag(sum cap - cap_i)) is similar to the
    symmetric (C/D)^1/2 J (C/D)^1/2, so its eigenvalues are real. Homogeneous and two-community
    worlds have lambda_max = J, hence the Curie-Weiss beta_c J = 1. Source: linear stability of
    the Curie-Weiss map (Galam 1996).
    """
    cap = np.asarray(capability, dtype=float)
    s = np.sqrt(cap / (cap.sum() - cap))
    lam = float(np.linalg.eigvalsh(s[:, None] * np.asarray(j, dtype=float) * s[None, :])[-1])
    return 1.0 / lam if lam > 0 else np.inf


def map_path(m0: float, beta_j: float, rate: float, months: int) -> np.ndarray:
    """The monthly Curie-Weiss map m_{k+1} = m_k + rate (tanh(beta_j m_k) - m_k), records
    0..months: the expected order parameter of the model's monthly step in the limit of many
    countries and no noise (exact, month by month, for identical countries without noise).
    m0 in [-1, 1]; rate per month in (0, 1]."""
    out = np.empty(months + 1)
    out[0] = m = float(m0)
    for k in range(months):
        m = m + rate * (np.tanh(beta_j * m) - m)
        out[k + 1] = m
    return out


def ode_path(m0: float, beta_j: float, rate: float, months: int,
             monthly: bool = False) -> np.ndarray:
    """The Curie-Weiss ODE dm/dt = rate (tanh(beta_j m) - m) from m(0) = m0, integrated with
    ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-11) and read at t = 0, 1, ..., months
    (months); rate per month.

    ``monthly``: solve instead, month by month, dm/dt = lambda (tanh(beta_j m_k) - m) over
    [k, k + 1] with the field frozen at the month's start (the model reads last month's
    alignments) and lambda = -ln(1 - rate), which reproduces the monthly map exactly (the
    naive continuous limit, monthly=False, differs from it by O(rate) in its transient;
    fixed points and their stability are the same). Source: Curie-Weiss mean-field dynamics
    (Galam 1996)."""
    t = np.arange(months + 1, dtype=float)
    if not monthly:
        sol = solve_ivp(lambda _t, y: rate * (np.tanh(beta_j * y) - y), (0.0, float(months)),
                        [float(m0)], t_eval=t, method="DOP853", rtol=1e-11, atol=1e-13)
        return sol.y[0]
    lam = -np.log1p(-rate) if rate < 1 else np.inf
    out = np.empty(months + 1)
    out[0] = m = float(m0)
    for k in range(months):
        target = np.tanh(beta_j * m)
        if np.isinf(lam):
            m = target
        else:
            sol = solve_ivp(lambda _t, y, x=target: lam * (x - y), (k, k + 1.0), [m],
                            method="DOP853", rtol=1e-12, atol=1e-14)
            m = float(sol.y[0, -1])
        out[k + 1] = m
    return out


def clipped_stationary_mean(target: float, rate: float, noise: float,
                            points: int = 401) -> float:
    """Stationary mean of one country's alignment under a fixed pull: the chain
    a' = clip(a + rate (target - a) + eps, -1, 1), eps ~ N(0, noise^2), the model's update with
    a field that does not move. Without the clip the mean is ``target``; the clip lowers it when
    the country's spread around the target, noise / sqrt(2 rate - rate^2), reaches the bound.
    Computed exactly on a grid of ``points`` on [-1, 1] (transition kernel of the clipped
    Gaussian step, clipped mass at the ends; stationary distribution by a linear solve).
    target in (-1, 1); rate per month in (0, 1]; noise >= 0 (alignment units)."""
    if noise == 0:
        return float(target)
    grid = np.linspace(-1.0, 1.0, points)
    h = grid[1] - grid[0]
    mean = grid + rate * (target - grid)
    edges = np.concatenate([[-np.inf], grid[:-1] + h / 2, [np.inf]])
    kern = np.diff(ndtr((edges[None, :] - mean[:, None]) / noise), axis=1)
    a = kern.T - np.eye(points)
    a[-1] = 1.0  # replace one (redundant) balance equation by the normalization
    rhs = np.zeros(points)
    rhs[-1] = 1.0
    with one_blas_thread():
        return float(grid @ np.linalg.solve(a, rhs))


def noisy_m(beta_j: float, rate: float, noise: float, points: int = 401) -> float:
    """The order parameter m >= 0 of the homogeneous world with the model's per-country noise
    and its clip of alignments to [-1, 1], for many countries: m = E[a] where each country's a
    is the clipped chain of :func:`clipped_stationary_mean` pulled toward tanh(beta_j m). Equals
    :func:`spontaneous_m` for noise 0; below it when m* is within a few per-country spreads
    (noise / sqrt(2 rate - rate^2)) of 1. Solved with ``scipy.optimize.brentq`` on
    E[a](m) / m - 1 over (0, 1). The critical point is unchanged (the clip does not act near
    m = 0). Units: alignment; beta_j dimensionless; rate per month."""
    return _noisy_m(float(beta_j), float(rate), float(noise), int(points))


def clip_negligible(beta_j: float, rate: float, noise: float) -> bool:
    """Whether the clip to [-1, 1] leaves the polarized state m* as it is: m* is more than
    8 per-country spreads, noise / sqrt(2 rate - rate^2), below 1 (effect below 1e-15)."""
    return noise == 0 or 1.0 - spontaneous_m(beta_j) > 8.0 * noise / np.sqrt(
        2.0 * rate - rate * rate)


@functools.lru_cache(maxsize=4096)
def _noisy_m(beta_j: float, rate: float, noise: float, points: int) -> float:
    if beta_j <= CRITICAL_BETA_J:
        return 0.0
    ms = spontaneous_m(beta_j)
    if clip_negligible(beta_j, rate, noise):
        return ms

    def f(m):
        return clipped_stationary_mean(np.tanh(beta_j * m), rate, noise, points) / m - 1.0

    lo = max(ms - 0.1, 0.5 * ms)  # the clip lowers m* by far less than 0.1 at noise <= 0.1
    if f(lo) <= 0:
        lo = min(0.5 * ms, 1e-3)
    return float(brentq(f, lo, 1.0 - 1e-9, xtol=1e-8))


def fluctuation_sd(beta_j: float, rate: float, noise: float, n: int) -> float:
    """Stationary s.d. of the order parameter m around its stable fixed point, from the map
    linearized there: m' - m* = mu (m - m*) + e, e the mean of N independent shocks
    (s.d. noise / sqrt(N)), mu = 1 - rate (1 - beta_j (1 - m*^2)); so
    sd = noise / sqrt(N (1 - mu^2)). Diverges at the critical point (critical slowing down:
    mu -> 1), where the linearization fails. Below it E|m| = sqrt(2/pi) sd is the noise floor
    of a non-aligned world. Units: alignment."""
    ms = spontaneous_m(beta_j)
    mu = 1.0 - rate * (1.0 - beta_j * (1.0 - ms * ms))
    if abs(mu) >= 1.0:
        return np.inf
    return float(noise / np.sqrt(n * (1.0 - mu * mu)))


def expected_abs_m(beta_j: float, rate: float, noise: float, n: int) -> float:
    """The theory's final mean |m|: above the critical point the polarized state with the
    model's noise and clip (:func:`noisy_m`; m* for noise 0), below it the noise floor
    sqrt(2/pi) :func:`fluctuation_sd` (units: alignment)."""
    if beta_j > CRITICAL_BETA_J:
        return noisy_m(beta_j, rate, noise)
    return float(np.sqrt(2.0 / np.pi) * fluctuation_sd(beta_j, rate, noise, n))


def expected_final_abs_m(beta_j: float, rate: float, noise: float, n: int, m0: float,
                         months: int, tail: int) -> float:
    """The theory for what the runs report as "final |m|": the mean of |m| over the last
    ``tail`` of ``months`` months from m0, for N countries (alignment units).

    Linear-noise approximation around the map: m_t ~ Normal(x_t, v_t) with x_t the
    :func:`map_path` (plus, above the critical point, the clip's shift of the polarized state,
    :func:`noisy_m` - m*) and v_{t+1} = lambda_t^2 v_t + noise^2 / N, lambda_t =
    1 - rate (1 - beta_j sech^2(beta_j x_t)) the map's slope along the path; E|m_t| is the
    folded-normal mean. It keeps the finite horizon (near the critical point relaxation takes
    1 / (rate |1 - beta_j (1 - m*^2)|) months: critical slowing down) and tends to
    :func:`expected_abs_m` for long runs."""
    x = map_path(m0, beta_j, rate, months)
    shift = noisy_m(beta_j, rate, noise) - spontaneous_m(beta_j) if noise else 0.0
    v = np.zeros(months + 1)
    for t in range(months):
        lam = 1.0 - rate * (1.0 - beta_j / np.cosh(beta_j * x[t]) ** 2)
        v[t + 1] = lam * lam * v[t] + noise * noise / n
    x = x + np.sign(x) * shift
    sd = np.sqrt(np.maximum(v, 1e-300))
    folded = (sd * np.sqrt(2.0 / np.pi) * np.exp(-0.5 * (x / sd) ** 2)
              + np.abs(x) * (1.0 - 2.0 * ndtr(-np.abs(x) / sd)))
    return float(folded[-tail:].mean())
