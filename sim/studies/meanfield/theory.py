"""Mean field, the theory: the exact expected map of the monthly step and the ODE paths."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import logm
from scipy.special import ndtr

from sim.errors import ConfigError
from sim.studies.meanfield.world import MeanField, one_blas_thread, schedule

# ---------------------------------------------------------------------------------------------
# path 1: the exact expected map of the monthly step


def kernel(grid: np.ndarray, rate: float, target: float, noise: float) -> np.ndarray:
    """Transition matrix K[x, y] of I' = clip(I + rate (target - I) + eps, 0, 1) on ``grid``
    (uniform on [0, 1]); mass falls to the nearest grid point, clipped mass to the ends."""
    h = grid[1] - grid[0]
    mean = grid + rate * (target - grid)
    edges = np.concatenate([[-np.inf], grid[:-1] + h / 2, [np.inf]])
    if noise == 0:
        cdf = (edges[None, :] > mean[:, None]).astype(float)
    else:
        cdf = ndtr((edges[None, :] - mean[:, None]) / noise)
    return np.diff(cdf, axis=1)


def complied_share(grid: np.ndarray, threshold: float) -> np.ndarray:
    """Share of each grid cell at or above ``threshold`` (observers read compliance there)."""
    h = grid[1] - grid[0]
    return np.clip((grid + h / 2 - threshold) / h, 0.0, 1.0)


def _start(mf: MeanField, points: int):
    """Grid, distribution of I at record 0, and the records' first entries."""
    grid = np.linspace(0.0, 1.0, points)
    p = np.zeros(points)
    p[int(round(mf.implemented0 * (points - 1)))] = 1.0
    out = {"trust": [mf.affinity], "implemented": [grid @ p], "commitment": [mf.commitment0]}
    return grid, p, out


def expected_map(mf: MeanField, points: int = 1001) -> dict[str, np.ndarray]:
    """Expected trust, implementation and commitment per record 0..steps (exact up to the
    grid; see the module docstring)."""
    with one_blas_thread():
        return _expected_map(mf, points)


def _expected_map(mf: MeanField, points: int) -> dict[str, np.ndarray]:
    grid, p, out = _start(mf, points)
    sch = schedule(mf)
    mu, nu = mf.affinity * p, mf.affinity * p  # E[t; I in cell], E[B; I in cell]
    kernels: dict[float, np.ndarray] = {}
    for month in range(mf.steps):
        if sch.signed[month]:
            mu = mu + mf.cosign * mf.depth * (p - mu)
        c = sch.target[month]
        if c not in kernels:
            kernels[c] = kernel(grid, mf.rate, c, mf.noise)
        p, mu, nu = p @ kernels[c], mu @ kernels[c], nu @ kernels[c]
        ok = complied_share(grid, mf.tolerance * sch.obligation[month])
        v = sch.verification[month]
        mu = mu + v * (mf.gain * ok * (p - mu) - mf.loss * (1.0 - ok) * mu)
        mu = mu + mf.relax * (nu - mu)
        nu = nu + mf.drift * (mu - nu)
        out["trust"].append(mu.sum())
        out["implemented"].append(grid @ p)
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}


def decorrelated_map(mf: MeanField, points: int = 1001) -> dict[str, np.ndarray]:
    """The expected map with trust updated from E[t] and q = P(K) as if independent (the
    closure the ODE makes), implementation still exact: isolates the correlation term."""
    with one_blas_thread():
        return _decorrelated_map(mf, points)


def _decorrelated_map(mf: MeanField, points: int) -> dict[str, np.ndarray]:
    grid, p, out = _start(mf, points)
    sch = schedule(mf)
    trust = base = mf.affinity
    kernels: dict[float, np.ndarray] = {}
    for month in range(mf.steps):
        if sch.signed[month]:
            trust += mf.cosign * mf.depth * (1.0 - trust)
        c = sch.target[month]
        if c not in kernels:
            kernels[c] = kernel(grid, mf.rate, c, mf.noise)
        p = p @ kernels[c]
        q = float(complied_share(grid, mf.tolerance * sch.obligation[month]) @ p)
        v = sch.verification[month]
        trust += v * (mf.gain * q * (1.0 - trust) - mf.loss * (1.0 - q) * trust)
        trust += mf.relax * (base - trust)
        base += mf.drift * (trust - base)
        out["trust"].append(trust)
        out["implemented"].append(grid @ p)
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# path 2: the ODE (the reference of the noise-free world)


def monthly_matrix(mf: MeanField, c: float, obligation: float, verif: float,
                   m: float) -> np.ndarray:
    """The month's expected map A of z = (T, B, M, 1) for the month that starts with
    implementation ``m``: M' = M + r (c - M); trust T' = (1 - relax) (alpha T + beta) + relax B
    (verification with compliance K = [M' >= tolerance O], then relaxation toward the baseline),
    B' = B + drift (T' - B). K is known at the month's start (noise 0: M is deterministic), so
    E[t K] = E[t] K: no covariance term to close."""
    m_next = m + mf.rate * (c - m)
    k = float(m_next >= mf.tolerance * obligation)
    alpha = 1.0 - verif * (mf.gain * k + mf.loss * (1.0 - k))
    beta = verif * mf.gain * k
    rho, delta = mf.relax, mf.drift
    t_row = np.array([(1.0 - rho) * alpha, rho, 0.0, (1.0 - rho) * beta])
    return np.array([
        t_row,
        delta * t_row + np.array([0.0, 1.0 - delta, 0.0, 0.0]),
        [0.0, 0.0, 1.0 - mf.rate, mf.rate * c],
        [0.0, 0.0, 0.0, 1.0],
    ])


def generator(a: np.ndarray) -> np.ndarray:
    """L = log(A), real: the linear ODE dz/dt = L z whose flow over one month is A (A's
    eigenvalues are positive: relaxation, drift and the compliance step are partial moves)."""
    lg = logm(a)
    if np.iscomplexobj(lg):
        if np.max(np.abs(lg.imag)) > 1e-10:
            raise ValueError("the monthly map has no real logarithm")
        lg = lg.real
    return lg


def ode_path(mf: MeanField, naive: bool = False) -> dict[str, np.ndarray]:
    """Expected trust T, implementation M and commitment C per record 0..steps, from the ODE
    solved with ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-12) month by month: a session at
    month m is an impulse at t = m (T <- T + cosign d (1 - T)), then the month's linear ODE
    dz/dt = log(A) z (:func:`monthly_matrix`, :func:`generator`) carries z = (T, B, M, 1) to
    t = m + 1. ``naive``: the continuous limit with the monthly increments as rates,
    dz/dt = (A - 1) z, instead (not exact; kept to show that the band catches it). Needs
    compliance noise 0 (ConfigError otherwise): then the step is exact at the months, with
    nothing neglected."""
    if mf.noise != 0:
        raise ConfigError("compliance_noise", mf.noise, "the ODE path needs compliance noise 0 "
                          "(with noise, compare the runs with expected_map)")
    sch = schedule(mf)
    z = np.array([mf.affinity, mf.affinity, mf.implemented0, 1.0])
    out = {"trust": [z[0]], "implemented": [z[2]], "commitment": [mf.commitment0]}
    for month in range(mf.steps):
        if sch.signed[month]:
            z[0] += mf.cosign * mf.depth * (1.0 - z[0])
        a = monthly_matrix(mf, sch.target[month], sch.obligation[month],
                           sch.verification[month], z[2])
        gen = a - np.eye(4) if naive else generator(a)
        sol = solve_ivp(lambda _t, y, g=gen: g @ y, (month, month + 1), z, method="DOP853",
                        rtol=1e-12, atol=1e-14)
        z = sol.y[:, -1].copy()
        out["trust"].append(z[0])
        out["implemented"].append(z[2])
        out["commitment"].append(sch.target[month])
    return {k: np.array(v) for k, v in out.items()}


def closure_ode_path(mf: MeanField) -> dict[str, np.ndarray]:
    """The earlier ODE for the noisy world, kept for comparison: the continuous limit (dx/dt =
    the monthly increment) with a Gaussian closure for I (mean M, variance S, no clipping) and
    q = P(K) taken as independent of trust. It drops the trust-compliance covariance and leaves
    the 200-run band for trust (docs/VALIDATION.md)."""
    def rhs_of(c: float, obligation: float, verif: float):
        def rhs(_t, y):
            trust, base, m, s = y
            q = ndtr((m - mf.tolerance * obligation) / np.sqrt(max(s, 1e-12)))
            d_trust = (verif * (mf.gain * q * (1.0 - trust) - mf.loss * (1.0 - q) * trust)
                       + mf.relax * (base - trust))
            return [d_trust, mf.drift * (trust - base), mf.rate * (c - m),
                    mf.noise ** 2 - (2.0 * mf.rate - mf.rate ** 2) * s]
        return rhs

    sch = schedule(mf)
    y = np.array([mf.affinity, mf.affinity, mf.implemented0, 0.0])
    out = {"trust": [y[0]], "implemented": [y[2]], "commitment": [mf.commitment0]}
    for month in range(mf.steps):
        if sch.signed[month]:
            y[0] += mf.cosign * mf.depth * (1.0 - y[0])
        c = sch.target[month]
        sol = solve_ivp(rhs_of(c, sch.obligation[month], sch.verification[month]),
                        (month, month + 1), y, rtol=1e-8, atol=1e-10)
        y = sol.y[:, -1].copy()
        out["trust"].append(y[0])
        out["implemented"].append(y[2])
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}
