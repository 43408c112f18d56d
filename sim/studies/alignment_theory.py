"""Alignment: the Curie-Weiss check (docs/VALIDATION.md, section 4).

This module owns the mean-field theory of the alignment layer
(:mod:`sim.model.mechanisms.alignment`) and its comparison with simulations: of the layer alone
(the pure functions, many seeds at once) and of the full :class:`sim.model.model.GovernanceModel`
in a homogeneous world.

The theory is the Curie-Weiss reading that Galam (Physica A 230, 1996) gave of the landscape
theory of aggregation of Axelrod and Bennett (Brit. J. Pol. Sci. 23, 1993). Each month every
country moves a share ``rate`` of the way toward tanh(beta h_i), h_i = sum_j omega_ij J_ij a_j
(plus noise). In a **homogeneous world** (N countries of equal capability, J_ij = J for every
pair, omega_ij = 1/(N-1)) the field is J times the mean alignment of the others, so the mean
alignment m = mean(a) obeys, for many countries and small noise, the monthly map

    m_{k+1} = m_k + rate (tanh(beta J m_k) - m_k)                          (the model's step)

whose continuous-time limit (rate -> 0, time in months) is the Curie-Weiss ODE

    dm/dt = rate (tanh(beta J m) - m).

Both have the fixed points m = tanh(beta J m): only m = 0 (one non-aligned world) below the
critical coupling beta J = 1, and two polarized states +-m* (m = 0 unstable) above it. In a
**two-community world** (communities xi_i = +-1, J_ij = J xi_i xi_j: attraction within,
repulsion across; Mattis) the staggered alignment m_s = mean(xi_i a_i) obeys the same equations:
one world below beta J = 1, two opposed camps above it.

The map is the forward-Euler step (one month) of the ODE, so the two share their fixed points
and stability but not their transients: the ODE's path differs from the map's by O(rate). The
model is compared with the map (and with the ODE solved month by month with the field frozen
over each month and the rate -ln(1 - rate), which is the map exactly: ``ode_path(...,
monthly=True)``); the continuous ODE is shown alongside, and its transient gap is measured.
Finite N and noise add fluctuations of m around the fixed point, of variance
noise^2 / (N (1 - mu^2)) with mu the map's slope there (:func:`fluctuation_sd`); they set the
floor of |m| below the critical point.

Units: alignment a and m in [-1, 1] (dimensionless; +1 leader A's camp); J in trust units
(propensity, trust minus the neutral level); beta in 1/trust units; beta J dimensionless; rate
per month; noise the s.d. of a country's monthly alignment shock (alignment units); time in
months.

Command: ``python -m sim.studies.alignment_theory --out DIR`` writes ``alignment_meanfield.png``
(the bifurcation diagram) and ``alignment_meanfield.csv`` (its numbers and the critical points).
"""

from __future__ import annotations

import csv
import functools
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.model.mechanisms import alignment as align_m
from sim.model.mechanisms import fill_diagonal
from sim.studies.meanfield import baseline_config, one_blas_thread

CRITICAL_BETA_J = 1.0  # the Curie-Weiss critical coupling (homogeneous and two-community worlds)
NEUTRAL = 0.4  # the baseline's propensity_trust_neutral: trust that neither attracts nor repels
COUPLING = 0.2  # J used by the checks: trust 0.6 within a community, 0.2 across
FIGURE_NAME = "alignment_meanfield.png"
CSV_NAME = "alignment_meanfield.csv"
WORLDS = ("homogeneous", "two communities")
SWEEP = (0.5, 0.7, 0.8, 0.9, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0)
MODEL_SWEEP = (0.5, 0.8, 1.2, 1.5, 2.0, 3.0)
CRITICAL_SWEEP = (0.8, 0.9, 1.0, 1.1, 1.2)  # beta J values for the growth-factor estimate


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


# ---------------------------------------------------------------------------------------------
# simulations: the layer alone, and the full model


def communities(n: int, k: int) -> np.ndarray:
    """xi (N,): +1 for every country (k = 1) or +1 for the first half and -1 for the second
    (k = 2, the two-community world)."""
    if k not in (1, 2):
        raise ConfigError("communities", k, "must be 1 (homogeneous) or 2 (two communities)")
    if k == 2 and (n < 4 or n % 2):
        raise ConfigError("n", n, "two communities need an even number of countries >= 4")
    xi = np.ones(n)
    if k == 2:
        xi[n // 2:] = -1.0
    return xi


@dataclass(frozen=True)
class Runs:
    """Seeded runs of a homogeneous (or two-community) world.

    m: (S, months + 1) order parameter per seed and month (mean alignment, or the staggered
    mean(xi a) in the two-community world); final: (S, N) alignments at the last month.
    """

    m: np.ndarray
    final: np.ndarray
    beta_j: float
    rate: float
    noise: float
    n: int
    xi: np.ndarray
    trust_change: float = 0.0  # largest change of any trust value over the run (model only)

    @property
    def seeds(self) -> int:
        return self.m.shape[0]

    @property
    def mean_abs(self) -> np.ndarray:
        """(months + 1,) the mean over runs of |m| per month (the sign of m is a gauge)."""
        return np.abs(self.m).mean(axis=0)

    @property
    def final_m(self) -> np.ndarray:
        """(S,) the order parameter at the last month of each run."""
        return self.m[:, -1]

    def tail_abs(self, months: int) -> np.ndarray:
        """(S,) mean |m| over the last ``months`` months of each seed."""
        return np.abs(self.m[:, -months:]).mean(axis=1)

    def camps(self) -> np.ndarray:
        """(S, 2) mean final alignment of each community (the first half, then the second;
        for one community both are the mean over the halves)."""
        half = self.n // 2
        return np.stack([self.final[:, :half].mean(axis=1), self.final[:, half:].mean(axis=1)],
                        axis=1)


def simulate_layer(beta_j: float, *, n: int = 50, j: float = COUPLING, rate: float = 0.1,
                   noise: float = 0.02, m0: float = 0.5, months: int = 120, seeds: int = 200,
                   k: int = 1, seed: int = 0, neutral: float = NEUTRAL) -> Runs:
    """The alignment layer alone, with the model's pure functions
    (:func:`sim.model.mechanisms.alignment.propensity`, ``field``, ``update_alignment``), for N
    countries of equal capability and ``seeds`` independent runs at once.

    Trust is neutral + j xi_i xi_j (so J_ij = j xi_i xi_j; k = 1 homogeneous, k = 2 two
    communities); beta = beta_j / j; every country starts at m0 xi_i. Each seed has its own
    stream (``numpy.random.SeedSequence(seed).spawn(seeds)``) for its monthly shocks
    (N(0, noise^2) per country). The runs are columns of an (N, S) array: ``field`` reads it
    with capability as an (N, 1) column, which is the per-run field for every column at once
    (tests/studies/test_alignment_theory.py checks it). j in (0, min(neutral, 1 - neutral)] keeps
    trust in [0, 1]; months >= 1; rate in (0, 1].
    """
    if not 0 < j <= min(neutral, 1.0 - neutral):
        raise ConfigError("j", j, f"must be in (0, {min(neutral, 1 - neutral)}] so that trust "
                          "stays in [0, 1]")
    xi = communities(n, k)
    trust = neutral + j * np.outer(xi, xi)
    fill_diagonal(trust, 1.0)
    zero = np.zeros((n, n))
    jm = align_m.propensity(trust, zero, zero, zero, neutral, 0.0, 0.0, 0.0)
    cap = np.ones((n, 1))
    beta = beta_j / j
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(seeds)]
    shocks = np.stack([g.normal(0.0, noise, (months, n)) for g in streams], axis=-1)
    a = np.repeat((m0 * xi)[:, None], seeds, axis=1)
    out = np.empty((seeds, months + 1))
    out[:, 0] = xi @ a / n
    with one_blas_thread():
        for month in range(months):
            h = align_m.field(jm, cap, a)
            a = align_m.update_alignment(a, h, beta, rate, shocks[month])
            out[:, month + 1] = xi @ a / n
    return Runs(out, a.T.copy(), beta_j, rate, noise, n, xi)


def model_scenario(base: dict, beta_j: float, *, n: int = 20, j: float = COUPLING,
                   rate: float = 0.1, noise: float = 0.02, k: int = 1) -> dict:
    """A plain-dict scenario (for :func:`sim.config.build_scenario`) of the homogeneous world
    for the full model, from the baseline's composed scenario ``base``.

    N identical countries (equal capability, no chip supply, no labs), no venues, no events, no
    incidents, no capability growth, no compliance noise; no alliances or partnerships. Starting
    relations come from UN ideal points alone: relation_voting = 2 j, relation_base =
    neutral - j, all ideal points 0 (k = 1: every pair's baseline trust neutral + j) or the two
    halves at +-voting_scale / 2 (k = 2: neutral + j within a half, neutral - j across, since
    their voting distance is the whole scale). Alignment: beta = beta_j / j, the given rate and
    noise. With no verification (no regime), no rivalry or controls (no suppliers, no events)
    and trust starting at its baseline, trust never moves (relaxation and drift act on
    trust - baseline = 0), so J = trust - neutral is known and constant: the model's alignment
    is then the homogeneous Curie-Weiss system. All other values are the baseline's."""
    from sim.studies.meanfield import homogeneous_scenario

    p = {s: {k_: v["value"] if isinstance(v, dict) else v for k_, v in (base.get(s) or {}).items()}
         for s in ("levers", "uncertainties", "constants")}
    neutral = next(v["propensity_trust_neutral"] for v in p.values()
                   if "propensity_trust_neutral" in v)
    scale = next(v["voting_scale"] for v in p.values() if "voting_scale" in v)
    if not 0 < j <= min(neutral, 1.0 - neutral):
        raise ConfigError("j", j, f"must be in (0, {min(neutral, 1 - neutral)}] so that trust "
                          "stays in [0, 1]")
    xi = communities(n, k)
    src = "alignment Curie-Weiss check (sim/studies/alignment_theory.py): assumption"
    return homogeneous_scenario(
        base, n=n, venue=False, noise=0.0, ideal_points=list(xi * scale / 2 if k == 2 else 0 * xi),
        name="alignment_homogeneous", source=src,
        params={"relation_base": neutral - j, "relation_voting": 2 * j,
                "alignment_beta": beta_j / j, "alignment_rate": rate, "alignment_noise": noise})


def model_run(beta_j: float, *, months: int = 120, **kwargs):
    """Validated run settings (sim.config) for :func:`model_scenario` from the baseline."""
    from sim.config import build_run_config

    cfg = baseline_config()
    cfg["scenario"] = model_scenario(cfg["scenario"], beta_j, **kwargs)
    cfg["steps"] = months
    return build_run_config(cfg)


def world_of(model) -> tuple[float, np.ndarray]:
    """(beta J, xi) of a model built from :func:`model_scenario`, read from its state at
    set-up: J from its trust matrix and neutral level; ConfigError when the capabilities are
    unequal or the propensity is not +-J xi_i xi_j."""
    p = model.p
    n = model.n
    zero = np.zeros((n, n))
    jm = align_m.propensity(model.trust, zero, zero, zero, p["propensity_trust_neutral"],
                            0.0, 0.0, 0.0)
    xi = np.where(jm[0] >= 0, 1.0, -1.0)
    xi[0] = 1.0
    coupling = float(jm[0, 1:].dot(xi[1:])) / (n - 1)
    target = coupling * np.outer(xi, xi)
    fill_diagonal(target, 0.0)
    if (np.ptp(model.capability) > 0 or coupling <= 0 or not np.allclose(jm, target, atol=1e-12)
            or model.supply.any() or model.verif.any()):
        raise ConfigError("scenario", model.scenario_name, "the Curie-Weiss check needs equal "
                          "capabilities, no suppliers, no verification and propensities +-J")
    return p["alignment_beta"] * coupling, xi


def simulate_model(run, *, m0: float = 0.5, seeds: int = 20, first_seed: int = 0) -> Runs:
    """The full GovernanceModel in the world of :func:`model_scenario`, seeds first_seed, ...:
    after set-up every country's alignment is set to m0 xi_i (the model's own starts, from
    relations, put the two leaders at +1 and -1 and everyone else at 0: m = 0, not a chosen
    m0), then the model steps month by month and the order parameter mean(xi a) is read after
    each step. Also records the largest change of any trust value over the run (0 in this
    world)."""
    with one_blas_thread():
        rows, finals, change, beta_j, xi = _model_runs(run, m0, seeds, first_seed)
    p = run.scenario.params
    return Runs(np.array(rows), np.array(finals), beta_j, p["alignment_rate"],
                p["alignment_noise"], len(xi), xi, change)


def _model_runs(run, m0: float, seeds: int, first_seed: int):
    """The loop of :func:`simulate_model`: per seed, the order parameter per month, the final
    alignments, the largest trust change, and (beta J, xi) read from the model."""
    from sim.api import with_seed
    from sim.model.model import GovernanceModel

    rows, finals, change = [], [], 0.0
    beta_j = xi = None
    for seed in range(first_seed, first_seed + seeds):
        model = GovernanceModel(with_seed(run, seed))
        beta_j, xi = world_of(model)
        t0 = model.trust.copy()
        model.alignment = m0 * xi
        row = [float(xi @ model.alignment) / model.n]
        for _ in range(run.steps):
            model.step()
            row.append(float(xi @ model.alignment) / model.n)
        change = max(change, float(np.max(np.abs(model.trust - t0))))
        rows.append(row)
        finals.append(model.alignment.copy())
    return rows, finals, change, beta_j, xi


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


# ---------------------------------------------------------------------------------------------
# the sweep (bifurcation diagram) and its outputs


@dataclass(frozen=True)
class SweepSettings:
    """What the bifurcation study runs (defaults: the documented figure)."""

    beta_js: tuple[float, ...] = SWEEP  # layer points
    model_beta_js: tuple[float, ...] = MODEL_SWEEP  # full-model points
    critical_beta_js: tuple[float, ...] = CRITICAL_SWEEP  # growth-factor points
    n: int = 50  # countries in the layer runs
    model_n: int = 20  # countries in the model runs
    seeds: int = 200  # layer runs per point
    model_seeds: int = 16  # model runs per point
    months: int = 600  # layer horizon
    model_months: int = 240  # model horizon
    tail: int = 60  # months averaged at the end
    m0: float = 0.8  # the polarized start
    critical_m0: float = 0.05  # the small start of the growth-factor estimate
    critical_months: int = 20
    critical_seeds: int = 400  # layer runs per growth-factor point
    model_critical_seeds: int = 40  # model runs per growth-factor point
    rate: float = 0.1  # alignment_rate, per month
    noise: float = 0.02  # alignment_noise


def _critical(s: SweepSettings, k: int, source: str, count: int) -> tuple[Critical, list]:
    """The growth-factor estimate of the critical coupling for one world and source
    (``layer``, ``model``, or ``map``: the same estimator on the noise-free map, whose offset
    from 1 is the estimator's own bias from the cubic term of tanh), and the growth factors.
    Each beta J point has its own seeds: with common random numbers the points' errors would
    be correlated (one run's noise lifts every growth factor alike), which the fit's
    independent-error standard error would not see."""
    mus, ses = [], []
    for i, bj in enumerate(s.critical_beta_js):  # independent seeds per point (see below)
        if source == "map":
            x = map_path(s.critical_m0, bj, s.rate, s.critical_months)
            mus.append((x[-1] / x[0]) ** (1.0 / s.critical_months))
            ses.append(1.0)
            continue
        if source == "layer":
            runs = simulate_layer(bj, n=s.n, rate=s.rate, noise=s.noise, m0=s.critical_m0,
                                  months=s.critical_months, seeds=count, k=k, seed=1 + i)
        else:
            run = model_run(bj, months=s.critical_months, n=s.model_n, rate=s.rate,
                            noise=s.noise, k=k)
            runs = simulate_model(run, m0=s.critical_m0, seeds=count,
                                  first_seed=1000 + i * count)
        mu, se = growth_factor(runs, s.critical_months)
        mus.append(mu)
        ses.append(se)
    return estimate_critical(s.critical_beta_js, mus, ses), list(zip(mus, ses, strict=True))


def sweep(s: SweepSettings = SweepSettings()) -> list[dict]:
    """Rows of the bifurcation diagram and the critical-point estimates, tidy: one number per
    row with its 95% interval (ci_low, ci_high; equal to the value for theory) and the runs,
    countries and months behind it. Per world (homogeneous, two communities):

    - theory ``m_star`` (Curie-Weiss, noise 0) and ``m_star_noisy`` (with the noise and the
      clip, :func:`noisy_m`) at every beta J of the sweeps;
    - ``final_abs_m``: the layer's and the model's (mean over the last ``tail`` months of each
      run from m0, then over runs, +- 95% CI) and the theory's for the same N and horizon
      (:func:`expected_final_abs_m`);
    - ``critical_beta_j`` and ``growth_slope_per_month`` (the fitted rate) from growth factors,
      for the layer, the model and the noise-free map (the estimator's own bias), and the
      theory's (1 and the rate).
    """
    rows: list[dict] = []
    z = float(ndtri(0.975))

    def row(world, source, quantity, beta_j, value, half=0.0, runs=0, n=0, months=0):
        rows.append({"world": world, "source": source, "quantity": quantity,
                     "beta_j": beta_j, "value": value, "ci_low": value - half,
                     "ci_high": value + half, "runs": runs, "n": n, "months": months})

    model_points = s.model_beta_js if s.model_seeds >= 2 else ()
    for k, world in enumerate(WORLDS, start=1):
        for bj in sorted(set(s.beta_js) | set(model_points)):
            row(world, "theory", "m_star", bj, spontaneous_m(bj))
            row(world, "theory", "m_star_noisy", bj, noisy_m(bj, s.rate, s.noise))
        for bj in s.beta_js:
            runs = simulate_layer(bj, n=s.n, rate=s.rate, noise=s.noise, m0=s.m0,
                                  months=s.months, seeds=s.seeds, k=k)
            row(world, "layer", "final_abs_m", bj, *mean_ci(runs.tail_abs(s.tail)), s.seeds,
                s.n, s.months)
            row(world, "theory", "final_abs_m", bj, expected_final_abs_m(
                bj, s.rate, s.noise, s.n, s.m0, s.months, s.tail), 0.0, 0, s.n, s.months)
        for bj in model_points:
            run = model_run(bj, months=s.model_months, n=s.model_n, rate=s.rate,
                            noise=s.noise, k=k)
            runs = simulate_model(run, m0=s.m0, seeds=s.model_seeds)
            row(world, "model", "final_abs_m", bj, *mean_ci(runs.tail_abs(s.tail)),
                s.model_seeds, s.model_n, s.model_months)
            row(world, "theory", "final_abs_m", bj, expected_final_abs_m(
                bj, s.rate, s.noise, s.model_n, s.m0, s.model_months, s.tail), 0.0, 0,
                s.model_n, s.model_months)
        for source, count, n in (("layer", s.critical_seeds, s.n),
                                 ("model", s.model_critical_seeds, s.model_n),
                                 ("map", 0, 0)):
            if source != "map" and count < 2:
                continue
            crit, _ = _critical(s, k, source, count)
            half_c = z * crit.se if source != "map" else 0.0
            half_b = z * crit.slope_se if source != "map" else 0.0
            row(world, source, "critical_beta_j", crit.beta_j, crit.beta_j, half_c, count, n,
                s.critical_months)
            row(world, source, "growth_slope_per_month", crit.beta_j, crit.slope, half_b,
                count, n, s.critical_months)
        row(world, "theory", "critical_beta_j", CRITICAL_BETA_J, CRITICAL_BETA_J)
        row(world, "theory", "growth_slope_per_month", CRITICAL_BETA_J, s.rate)
    return rows


def csv_text(rows: list[dict]) -> str:
    """The sweep's rows as CSV text (numbers to 6 significant digits)."""
    buf = io.StringIO()
    fields = ["world", "source", "quantity", "beta_j", "value", "ci_low", "ci_high", "runs",
              "n", "months"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in r.items()})
    return buf.getvalue()


def figure_bytes(rows: list[dict], s: SweepSettings) -> bytes:
    """The bifurcation diagram as PNG bytes: one panel per world, final |m| (or |m_s|) against
    beta J. Lines: the Curie-Weiss m*, the polarized state with the model's noise and clip, the
    unstable m = 0, the stationary finite-size floor of |m| below the critical point (layer's
    N). Points with 95% error bars: the layer's and the model's final |m|; crosses: the theory
    for the same N and horizon. The critical point: theory (line) and the growth-factor
    estimates (bands, values in the panel titles). One legend below the panels, outside the
    data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5.6), sharey=True)
    top = max((*s.beta_js, *s.model_beta_js)) * 1.04
    fine = np.linspace(0.0, top, 800)
    easy = [b for b in fine if b > CRITICAL_BETA_J and clip_negligible(b, s.rate, s.noise)]
    start = max(easy, default=CRITICAL_BETA_J)
    hard = np.linspace(start, top, max(3, int(np.ceil((top - start) / 0.15)) + 1))[1:]
    coarse = np.array([*easy, *hard])
    noisy = [noisy_m(b, s.rate, s.noise, points=201 if b in hard else 401)  # to the eye
             for b in coarse]
    below = fine[(fine > 0) & (fine < 0.98)]
    floor = [expected_abs_m(b, s.rate, s.noise, s.n) for b in below]
    for ax, world in zip(axes, WORLDS, strict=True):
        sel = [r for r in rows if r["world"] == world]

        def pick(source, quantity, sel=sel):
            return [r for r in sel if r["source"] == source and r["quantity"] == quantity]

        ax.plot(fine, [spontaneous_m(b) for b in fine], color="#d62728", lw=1.8,
                label="theory: Curie-Weiss m* = tanh(beta J m*) (noise 0)")
        ax.plot(coarse, noisy, color="#9467bd", lw=1.2, ls="--",
                label=f"theory: polarized state with noise {s.noise:g} and the clip to [-1, 1]")
        above = fine[fine > CRITICAL_BETA_J]
        ax.plot(above, np.zeros_like(above), color="#d62728", lw=1.2, ls=":",
                label="theory: m = 0, unstable above the critical point")
        ax.plot(below, floor, color="#ff7f0e", lw=1.2, ls="-.",
                label=f"theory: stationary noise floor of |m| (N = {s.n})")
        ax.axvline(CRITICAL_BETA_J, color="#555555", lw=1, ls="-",
                   label="critical point, theory: beta J = 1")
        for source, colour, marker, dx, n, months in (
                ("layer", "#1f77b4", "o", -0.015, s.n, s.months),
                ("model", "#2ca02c", "s", 0.015, s.model_n, s.model_months)):
            pts = pick(source, "final_abs_m")
            if pts:
                x = np.array([r["beta_j"] for r in pts])
                y = np.array([r["value"] for r in pts])
                err = np.array([r["ci_high"] - r["value"] for r in pts])
                what = ("alignment layer (pure functions)" if source == "layer"
                        else "full GovernanceModel")
                ax.errorbar(x + dx, y, yerr=err, fmt=marker, ms=5, color=colour, capsize=3,
                            mfc="none" if source == "model" else colour,
                            label=f"{what}, N = {n}, {pts[0]['runs']} runs, {months} months: "
                                  "final |m| +- 95% CI")
                th = [r for r in pick("theory", "final_abs_m") if r["n"] == n
                      and r["months"] == months]
                ax.plot([r["beta_j"] + dx for r in th], [r["value"] for r in th], "x",
                        color=colour, ms=6, mew=1.2,
                        label=f"theory at N = {n} and {months} months (linear noise around "
                              "the map)")
        found = []
        for source, colour in (("layer", "#1f77b4"), ("model", "#2ca02c")):
            crit = pick(source, "critical_beta_j")
            if crit:
                c = crit[0]
                ax.axvspan(c["ci_low"], c["ci_high"], color=colour, alpha=0.2,
                           label=f"critical point, {source} estimate (growth factor): 95% CI")
                found.append(f"{source} {c['value']:.3f} [{c['ci_low']:.3f}, "
                             f"{c['ci_high']:.3f}]")
        crit_line = "critical beta J: theory 1" + "".join(f"; {f}" for f in found)
        if world == "homogeneous":
            ax.set_title(f"Homogeneous world: J = {COUPLING:g} for every pair\n{crit_line}",
                         fontsize=9)
            ax.set_ylabel("final |m| (homogeneous: m = mean alignment;\ntwo communities: "
                          "m_s = mean(xi a)) [alignment units, 0-1]", fontsize=9)
        else:
            ax.set_title(f"Two communities: J = {COUPLING:g} within, -{COUPLING:g} across "
                         f"(order parameter m_s)\n{crit_line}", fontsize=9)
        ax.set_xlabel("coupling beta J [dimensionless: intensity of choice x propensity]")
        ax.set_xlim(0, top)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=2, frameon=False)
    fig.suptitle(f"Alignment vs the Curie-Weiss mean field: order parameter after a polarized "
                 f"start (m0 = {s.m0:g}), rate {s.rate:g} per month, noise {s.noise:g}",
                 fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _beta_js(text: str) -> tuple[float, ...]:
    """argparse type: a comma-separated list of beta J values > 0."""
    import argparse

    try:
        vals = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers") from None
    if not vals or any(not np.isfinite(v) or v <= 0 or v > 10 for v in vals):
        raise argparse.ArgumentTypeError(f"values must be in (0, 10], got {text!r}")
    return tuple(sorted(set(vals)))


def agreement(rows: list[dict]) -> list[dict]:
    """Per simulated point (world, source, beta J): the run mean, its 95% half-width, the
    theory for the same N and horizon, and their gap in half-widths (<= 1: inside the CI)."""
    theory = {(r["world"], r["beta_j"], r["n"], r["months"]): r["value"] for r in rows
              if r["source"] == "theory" and r["quantity"] == "final_abs_m"}
    out = []
    for r in rows:
        if r["source"] in ("layer", "model") and r["quantity"] == "final_abs_m":
            th = theory[(r["world"], r["beta_j"], r["n"], r["months"])]
            half = r["ci_high"] - r["value"]
            out.append({"world": r["world"], "source": r["source"], "beta_j": r["beta_j"],
                        "value": r["value"], "half": half, "theory": th,
                        "gap": abs(r["value"] - th) / half if half > 0 else np.inf})
    return out


def _write(out: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: temporary names first, then renamed."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.tmp" for name in files}
    try:
        for name, data in files.items():
            tmp[name].write_bytes(data)
        for name in files:
            tmp[name].replace(out / name)
    finally:
        for t in tmp.values():
            t.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> None:
    d = SweepSettings()
    p = OneLineParser(prog="python -m sim.studies.alignment_theory",
                      description="Alignment layer and full model against the Curie-Weiss mean "
                                  "field: bifurcation diagram and critical point.")
    p.add_argument("--out", type=Path, required=True,
                   help=f"output directory ({FIGURE_NAME}, {CSV_NAME})")
    p.add_argument("--seeds", type=int_at_least(2), default=d.seeds,
                   help=f"layer runs per point (default {d.seeds})")
    p.add_argument("--model-seeds", type=int_at_least(0), default=d.model_seeds,
                   help=f"full-model runs per point, 0: none (default {d.model_seeds})")
    p.add_argument("--critical-seeds", type=int_at_least(2), default=d.critical_seeds,
                   help=f"layer runs per growth-factor point (default {d.critical_seeds})")
    p.add_argument("--model-critical-seeds", type=int_at_least(0),
                   default=d.model_critical_seeds,
                   help="model runs per growth-factor point, 0: none "
                        f"(default {d.model_critical_seeds})")
    p.add_argument("--months", type=int_at_least(1), default=d.months,
                   help=f"layer horizon in months (default {d.months})")
    p.add_argument("--model-months", type=int_at_least(1), default=d.model_months,
                   help=f"model horizon in months (default {d.model_months})")
    p.add_argument("--tail", type=int_at_least(1), default=d.tail,
                   help=f"months averaged at the end, at most both horizons (default {d.tail})")
    p.add_argument("--beta-j", type=_beta_js, default=d.beta_js,
                   help="layer points, comma-separated beta J in (0, 10]")
    p.add_argument("--model-beta-j", type=_beta_js, default=d.model_beta_js,
                   help="full-model points, comma-separated beta J in (0, 10]")
    args = p.parse_args(argv)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        fail(f"--out={str(out)!r}: exists and is not a directory")
    if args.tail > min(args.months, args.model_months):
        fail(f"--tail={args.tail}: must not exceed --months ({args.months}) and --model-months "
             f"({args.model_months})")
    s = SweepSettings(beta_js=args.beta_j, model_beta_js=args.model_beta_j, seeds=args.seeds,
                      model_seeds=args.model_seeds, months=args.months,
                      model_months=args.model_months, tail=args.tail,
                      critical_seeds=args.critical_seeds,
                      model_critical_seeds=args.model_critical_seeds)
    try:
        rows = sweep(s)
        files = {FIGURE_NAME: figure_bytes(rows, s), CSV_NAME: csv_text(rows).encode()}
        _write(out, files)
    except (ConfigError, OSError) as exc:
        fail(exc)
    for r in rows:
        if r["quantity"] == "critical_beta_j":
            print(f"{r['world']:15s} {r['source']:6s} critical beta J = {r['value']:.4f} "
                  f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]")
    for world in WORLDS:
        for source in ("layer", "model"):
            gaps = [g for g in agreement(rows) if g["world"] == world and g["source"] == source]
            if gaps:
                worst = max(gaps, key=lambda g: g["gap"])
                print(f"{world:15s} {source:6s} final |m| vs theory: largest gap "
                      f"{worst['gap']:.2f} CI half-widths (beta J = {worst['beta_j']:g}: "
                      f"{worst['value']:.4f} vs {worst['theory']:.4f})")
    print(f"wrote {out / FIGURE_NAME} and {out / CSV_NAME}")


if __name__ == "__main__":
    main(sys.argv[1:])
