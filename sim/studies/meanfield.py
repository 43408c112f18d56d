"""The model against its own mean field, for a homogeneous world (docs/VALIDATION.md, section 3).

Assumptions, which make every country statistically identical and independent of the others:
N identical countries with equal UN ideal points and no alliances or partnerships (so every pair
starts from the same baseline trust ``a``, the ``affinity``: ``relation_base`` = a, voting adds
nothing), no labs, no shocks, no incidents (``incident_rate`` 0), no capability growth (equal
capabilities, race pressure 1 for all), no chip suppliers (no controls, no rivalry felt), one
recurring consensus venue inviting all, attendance made certain (``attend_cost`` far below
legitimacy + trust), and no withdrawal after a shortfall streak (``shortfall_limit`` beyond the
horizon: a withdrawal would make membership depend on each country's own compliance record, a
state the expected map below does not carry). Every session every country then signs the depth
d = min(ambition, ideal), ideal = risk_concern (1 - hawk_depth_drag hawkishness). All other
values are the baseline's. The alignment layer runs too but reads nothing back here (no
suppliers, no like-minded invitations, no counter-forum).

What is compared, per month k (record k = the state after k monthly steps):

- commitment C_k: deterministic; a session makes C = max(domestic, d) and renews the regime,
  which lapses ``regime_lapse`` months after its last renewal (C falls back to the domestic
  level); the obligation O phases in, O <- min(O + C / implementation_months, C), and falls at
  once with C (:func:`schedule`);
- implemented safety I (mean over countries): per country the AR(1) step of
  :func:`sim.model.mechanisms.compliance.comply`, I' = clip(I + r (C - I) + eps), eps ~ N(0, s^2),
  r = compliance_rate (1 - hawk_drag hawkishness);
- mean trust T between distinct countries, and the pair's baseline B (trust with memory): at a
  session t <- t + cosign_trust_gain d (1 - t); each month j's compliance K = [I_j >= tolerance
  O] is observed with probability v (the venue's verification, while its regime is in force):
  t <- t + gain (1 - t) if K else t - loss t; then t <- t + relax (B - t), and the baseline
  drifts toward lived trust, B <- B + drift (t - B).

Two worlds and their reference paths:

1. **Noise-free world (the test of the ODE).** Compliance noise 0 (``homogeneous_scenario``'s
   default; all else the baseline's), so I is deterministic and the same for every country, and
   so is compliance K_k = [I_k >= tolerance O_k]: E[t K] = E[t] K, the trust-compliance
   covariance that a closure would neglect is zero by construction. Trust stays random (each
   month j's compliance is observed by i only with probability v). The **ODE**
   (:func:`ode_path`) is solved with ``scipy.integrate.solve_ivp`` month by month: a session is
   an impulse at its month (T <- T + cosign d (1 - T)), then within the month the state
   z = (T, B, M, 1) follows the linear ODE dz/dt = log(A_k) z, A_k the month's expected map
   (verification with K, relaxation, drift, implementation): its flow over one month is A_k, so
   the ODE agrees with the discrete monthly step at every month (the naive continuous limit
   dz/dt = (A_k - 1) z, the increments taken as rates, does not, and leaves the band). The runs
   are tested against this path.
2. **Noisy world** (the baseline's compliance noise): the **exact expected map** of the discrete
   step (:func:`expected_map`). The step is a Markov chain in (I_j, t_ij, B_ij); t and B enter
   linearly, so the measures mu(x) = E[t; I_j in dx] and nu(x) = E[B; I_j in dx] evolve in
   closed form on a grid of I (transition kernel of the clipped Gaussian step, clipping exact,
   1001 points). It keeps the correlation between a country's trust record and its current
   compliance (I is autocorrelated), which the Gaussian-closure ODE (:func:`closure_ode_path`,
   kept for comparison) drops: that ODE leaves the band for trust (docs/VALIDATION.md). This
   world is read with :data:`NOISY_RUNS` runs (seeds 0-999) against the 99% band: a fixed seed
   set misses a correct path's simultaneous 95% band once in twenty, and seeds 0-199 alone do
   (their first compliance shocks run high; the world starts at the compliance boundary, so
   trust follows them), while 1,000 runs both average that out and resolve errors in the map
   that 200 cannot (a trust gain 10% too high).

The band: the mean of R seeded runs with its simultaneous 95% band (Bonferroni over all months
and observables, z from the normal), half-width z * sd / sqrt(R); a path passes when it stays
inside at every month. Deterministic series (commitment, month 0) must match to 1e-9.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import logm
from scipy.special import ndtr, ndtri

from sim.config import MAX_STEPS
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.model.decision_rules import Consensus
from sim.model.venues import NO_AGREEMENT_DEPTH

OBS = ("trust", "implemented", "commitment")
DEFAULT_FIGURE = Path("docs") / "figures" / "meanfield_homogeneous.png"
NOISY = "as the baseline"  # the noisy world keeps the baseline's compliance noise
EXACT_TOL = 1e-9  # a deterministic series must match to this
ZERO_SPREAD = 1e-12  # a spread below this is rounding, not randomness


# ---------------------------------------------------------------------------------------------
# the homogeneous scenario


def homogeneous_scenario(base: dict, *, n: int = 14, ambition: float = 0.3,
                         verification: float = 0.3, every: int = 12, hawkishness: float = 0.5,
                         risk_concern: float = 0.5, commitment: float = 0.15,
                         implemented: float = 0.15, affinity: float = 0.5,
                         noise: float | None = 0.0, venue: bool = True,
                         ideal_points: Sequence[float] | None = None,
                         params: dict[str, float] | None = None,
                         name: str = "homogeneous", source: str = "") -> dict:
    """A plain-dict scenario of ``n`` identical countries built from ``base`` (the baseline's
    composed scenario dict) for :func:`sim.config.build_scenario`; see the module docstring.

    ``affinity``: every pair's baseline trust (``relation_base``; ``relation_voting`` 0, no
    alliances or partnerships); ``noise``: the compliance noise (0 by default, the ODE's world;
    None keeps the baseline's); ``venue``: the one recurring consensus venue (False: no venue
    at all); ``ideal_points``: the countries' UN ideal points (default all 0); ``params``:
    further parameter values, applied last (they may replace the ones above); ``name`` and
    ``source``: the scenario's name and the provenance its values cite.
    """
    src = source or "homogeneous mean-field check (sim/studies/meanfield.py): assumption"
    points = [0.0] * n if ideal_points is None else [float(x) for x in ideal_points]
    if len(points) != n:
        raise ConfigError("ideal_points", len(points), f"must give one point per country ({n})")
    country = {"bloc": "all", "capability": 1.0, "chip_supply": 0.0, "hawkishness": hawkishness,
               "risk_concern": risk_concern, "commitment": commitment,
               "implemented": implemented,
               "legitimacy": {t: 0.7 for t in ("un", "summit", "bilateral", "track2")},
               "source": {"*": src}}
    names = [f"C{i:02d}" for i in range(n)]
    sections = {s: dict(base.get(s) or {}) for s in ("levers", "uncertainties", "constants")}
    fixed = {"incident_rate": 0.0, "capability_growth": 0.0, "attend_cost": -10.0,
             "relation_base": affinity, "relation_voting": 0.0, "shortfall_limit": MAX_STEPS}
    if noise is not None:
        fixed["compliance_noise"] = noise
    fixed.update(params or {})
    for key, value in fixed.items():
        section = next((s for s in sections if key in sections[s]), None)
        if section is None:
            raise ConfigError("params", key, "unknown parameter; see docs/PARAMETERS.md")
        sections[section][key] = {"value": value, "source": f"{src}: {key} = {value}"}
    venues = {"forum": {"type": "un", "label": "forum", "host": names[0],
                        "decision": Consensus.name, "invite": "all", "ambition": ambition,
                        "verification": verification, "calendar": [base["start"]],
                        "every": every, "source": src}} if venue else {}
    return {
        "name": name, "start": base["start"], **sections,
        "description": f"{n} identical countries"
                       + (", one recurring consensus venue" if venue else ", no venue")
                       + " (mean-field check)",
        "relations": {"alliances": {}, "partnerships": {},
                      "source": {"alliances": f"{src}: none", "partnerships": f"{src}: none"}},
        "countries": {c: {**country, "un_ideal_point": x} for c, x in zip(names, points,
                                                                          strict=True)},
        "labs": {}, "venues": venues, "events": {},
    }


@functools.cache
def _baseline() -> dict:
    from omegaconf import OmegaConf

    from sim.config import compose_config

    return OmegaConf.to_container(compose_config("baseline"), resolve=True)


def baseline_config() -> dict:
    """The baseline's composed config as a plain dict (composed once; a fresh copy each call)."""
    return copy.deepcopy(_baseline())


def one_blas_thread():
    """A context with a single BLAS thread for the small matrix products and solves of the mean
    fields (threads only add overhead at these sizes, and on a shared machine they oversubscribe
    the cores: several times slower); a no-op when threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional dependency
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def homogeneous_run(steps: int = 60, **kwargs):
    """Validated run settings (sim.config) for :func:`homogeneous_scenario` from the baseline."""
    from sim.config import build_run_config

    cfg = baseline_config()
    cfg["scenario"] = homogeneous_scenario(cfg["scenario"], **kwargs)
    cfg["steps"] = steps
    return build_run_config(cfg)


@dataclass(frozen=True)
class MeanField:
    """The homogeneous world's parameters as the mean field reads them (per month)."""

    steps: int
    sessions: tuple[int, ...]  # months with a session
    depth: float
    verification: float
    affinity: float  # every pair's starting baseline trust
    commitment0: float  # domestic commitment (the obligation starts at min(implemented, it))
    implemented0: float
    rate: float  # r = compliance_rate (1 - hawk_drag hawkishness pressure)
    noise: float
    tolerance: float
    gain: float
    loss: float
    relax: float
    cosign: float
    drift: float = 0.0  # trust_drift: the baseline's monthly move toward lived trust
    phase_in: float = 1.0  # implementation_months
    lapse: float = float(MAX_STEPS)  # regime_lapse

    def signs(self, month: int) -> bool:
        """Whether an agreement is signed in ``month`` (a session with a text on the table)."""
        return month in self.sessions and self.depth >= NO_AGREEMENT_DEPTH


def mean_field_of(run) -> MeanField:
    """Read a homogeneous run's settings; ConfigError when they are not homogeneous."""
    sc, p = run.scenario, run.scenario.params
    c0 = sc.countries[0]
    same = all(dataclasses.replace(c, name=c0.name) == c0 for c in sc.countries)
    if (not same or sc.labs or sc.events or len(sc.venues) != 1 or p["incident_rate"] != 0
            or sc.alliances or sc.partnerships):
        raise ConfigError("scenario", sc.name, "the mean field needs identical countries, no "
                          "labs, no events, no incidents, no alliances or partnerships and one "
                          "venue")
    if p["shortfall_limit"] <= run.steps:
        raise ConfigError("shortfall_limit", p["shortfall_limit"], "must exceed the horizon "
                          f"({run.steps} months): the mean field carries no withdrawals")
    v = sc.venues[0]
    if v.decision != Consensus.name or v.invite != "all":
        raise ConfigError("scenario.venues", v.name, "must be a consensus venue inviting all")
    months = set(v.months)
    if v.every:
        months |= set(range(v.months[-1] + v.every, run.steps, v.every))
    pressure = 1.0  # equal capabilities
    ideal = c0.risk_concern * (1.0 - p["hawk_depth_drag"] * c0.hawkishness * pressure)
    affinity = min(p["relation_base"] + p["relation_voting"], 1.0)  # equal ideal points
    return MeanField(
        steps=run.steps, sessions=tuple(sorted(m for m in months if m < run.steps)),
        depth=min(v.ambition, ideal), verification=v.verification,
        affinity=affinity, commitment0=c0.commitment, implemented0=c0.implemented,
        rate=p["compliance_rate"] * (1.0 - p["hawk_drag"] * c0.hawkishness * pressure),
        noise=p["compliance_noise"], tolerance=p["compliance_tolerance"], gain=p["trust_gain"],
        loss=p["trust_loss"], relax=p["trust_relax"], cosign=p["cosign_trust_gain"],
        drift=p["trust_drift"], phase_in=p["implementation_months"], lapse=p["regime_lapse"])


@dataclass(frozen=True)
class Schedule:
    """The deterministic part of the homogeneous world, per month k = 0..steps-1 (the step that
    closes month k runs at model time k + 1, after month k's session)."""

    signed: np.ndarray  # an agreement signed at month k's session
    target: np.ndarray  # commitment C during step k (what implementation moves toward)
    obligation: np.ndarray  # obligation O that compliance is judged against in step k
    verification: np.ndarray  # probability of observing a country's compliance in step k


def schedule(mf: MeanField) -> Schedule:
    """Commitment, obligation and verification month by month. A session renews the regime
    (C = max(domestic, d), O = min(O, C), verification v); in step k the regime is in force while
    k + 1 - (month of the last renewal) < regime_lapse (else C falls back to the domestic level
    and verification to 0); then the obligation phases in, O <- min(O + C / phase_in, C)."""
    n = mf.steps
    out = Schedule(np.zeros(n, bool), np.zeros(n), np.zeros(n), np.zeros(n))
    dom = mf.commitment0
    c, o, renewed = dom, min(mf.implemented0, dom), None  # obligation: what is in place
    for k in range(n):
        if mf.signs(k):
            renewed = k
            out.signed[k] = True
        active = renewed is not None and (k + 1 - renewed) < mf.lapse
        c = max(dom, mf.depth) if active else dom
        o = min(o, c)
        o = min(o + c / mf.phase_in, c)
        out.target[k], out.obligation[k] = c, o
        out.verification[k] = mf.verification if active else 0.0
    return out


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


# ---------------------------------------------------------------------------------------------
# the model's runs and the band


def simulate(run, seeds: Sequence[int]) -> dict[str, np.ndarray]:
    """Per seed and record: mean off-diagonal trust, mean implemented and mean commitment
    (arrays R x (steps + 1))."""
    out = {k: [] for k in OBS}
    with one_blas_thread():
        _simulate(run, seeds, out)
    return {k: np.array(v) for k, v in out.items()}


def _simulate(run, seeds: Sequence[int], out: dict[str, list]) -> None:
    """The loop of :func:`simulate`, appending each seed's rows to ``out``."""
    from sim.api import with_seed
    from sim.model.metrics import mean_trust
    from sim.model.model import GovernanceModel

    for seed in seeds:
        m = GovernanceModel(with_seed(run, seed))
        rows = {k: [] for k in OBS}
        for step in range(run.steps + 1):
            if step:
                m.step()
            rows["trust"].append(mean_trust(m.trust))
            rows["implemented"].append(float(m.implemented.mean()))
            rows["commitment"].append(float(m.commitment.mean()))
        for k in OBS:
            out[k].append(rows[k])


@dataclass(frozen=True)
class Band:
    mean: dict[str, np.ndarray]
    half: dict[str, np.ndarray]  # half-width of the simultaneous 95% band
    z: float
    runs: int


def band(runs: dict[str, np.ndarray], level: float = 0.95) -> Band:
    """Mean of the runs and its simultaneous band (Bonferroni over every random point)."""
    se = {k: v.std(axis=0, ddof=1) / np.sqrt(v.shape[0]) for k, v in runs.items()}
    se = {k: np.where(s > ZERO_SPREAD, s, 0.0) for k, s in se.items()}
    m = sum(int((s > 0).sum()) for s in se.values())
    z = float(ndtri(1.0 - (1.0 - level) / (2 * max(m, 1))))
    return Band({k: v.mean(axis=0) for k, v in runs.items()}, {k: z * s for k, s in se.items()},
                z, next(iter(runs.values())).shape[0])


def deviation(b: Band, path: dict[str, np.ndarray]) -> dict[str, float]:
    """Max |mean - path| in band half-widths per observable; where the band has zero width the
    path must match to EXACT_TOL, else the deviation is infinite."""
    out = {}
    for k, half in b.half.items():
        diff = np.abs(b.mean[k] - path[k])
        random = half > 0
        dev = float(np.max(diff[random] / half[random])) if random.any() else 0.0
        if np.any(diff[~random] > EXACT_TOL):
            dev = np.inf
        out[k] = dev
    return out


UNITS = {"trust": "mean trust between countries\n[0-1, dimensionless]",
         "implemented": "mean implemented safety\n[0-1, share of full safety]",
         "commitment": "mean commitment\n[0-1, depth signed]"}


def figure(b: Band, ode: dict, path: Path, runs: dict | None = None) -> None:
    """Three columns (trust, implemented, commitment) over months. Top: the ODE path
    (solve_ivp), the mean of the runs with its simultaneous 95% band, a few single runs in grey.
    Bottom: the same around the ODE path (run mean - ODE, band +/- its half-width), where the
    narrow band is visible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, grid = plt.subplots(2, 3, figsize=(13, 7), sharex=True,
                             gridspec_kw={"height_ratios": [3, 2]})
    axes = grid[0]
    titles = {"trust": "Trust", "implemented": "Implemented safety", "commitment": "Commitment"}
    for ax, k in zip(axes, OBS, strict=True):
        x = np.arange(len(ode[k]))
        if runs is not None:
            for i, row in enumerate(runs[k][:5]):
                ax.plot(x, row, color="#bbbbbb", lw=0.6, label="single runs" if i == 0 else None)
        ax.fill_between(x, b.mean[k] - b.half[k], b.mean[k] + b.half[k], color="#1f77b4",
                        alpha=0.3, label="95% band (simultaneous)")
        ax.plot(x, b.mean[k], color="#1f77b4", lw=1.2, label=f"mean of {b.runs} runs")
        ax.plot(x, ode[k], color="#d62728", lw=1.2, ls="--", label="ODE path (solve_ivp)")
        ax.set_title(titles[k], fontsize=10)
        ax.set_ylabel(UNITS[k], fontsize=8)
        ax.legend(fontsize=7)
        lo = grid[1][list(OBS).index(k)]
        if np.all(b.half[k] == 0):  # deterministic: must match to EXACT_TOL
            lo.fill_between(x, -EXACT_TOL, EXACT_TOL, color="#1f77b4", alpha=0.3,
                            label=f"deterministic: tolerance {EXACT_TOL:g}")
            lo.set_ylim(-2 * EXACT_TOL, 2 * EXACT_TOL)
        else:
            lo.fill_between(x, -b.half[k], b.half[k], color="#1f77b4", alpha=0.3,
                            label="95% band around the run mean")
        lo.plot(x, b.mean[k] - ode[k], color="#1f77b4", lw=1.2, label="run mean - ODE path")
        lo.axhline(0.0, color="#d62728", lw=1, ls="--", label="ODE path")
        lo.set_xlabel("time [months from the first session]")
        lo.set_ylabel("run mean - ODE\n[same units as above]", fontsize=8)
        lo.legend(fontsize=7)
    fig.suptitle(f"Homogeneous world (compliance noise 0): mean of {b.runs} seeded runs vs the "
                 f"ODE path, band z = {b.z:.2f}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


LAPSE_WORLD = {"implemented": 0.15, "every": 40}  # sessions 40 months apart: the regime lapses
# (regime_lapse 36) and, starting compliant, countries stay so only thanks to the phase-in


NOISY_RUNS = 1000  # the noisy world's runs: its band resolves a 10% error in the trust gain
BLOCK = 200  # the noisy world's runs are also read in consecutive blocks of this many seeds
NOISY_MISWIRED = (("phase_in", 1.0), ("tolerance", 0.75), ("gain", 0.055))  # the exact map
# with obligations in force at once, a tolerance of 0.75 (0.8) and a trust gain 10% too high


def check(runs: int = 200, steps: int = 60, figure_path: Path | None = None,
          noisy: bool = True, noisy_runs: int = NOISY_RUNS, **scenario) -> dict:
    """Run the comparison. ``ode``: deviations (band units) of the ODE path from the mean of
    ``runs`` runs of the noise-free homogeneous world (the test); ``lapse_ode``: the same in
    the noise-free world of :data:`LAPSE_WORLD` (regime lapse and phase-in at work). With
    ``noisy``, ``noisy_runs`` runs of the first world with the baseline's compliance noise
    against the exact expected map (``exact``; ``exact_99``: in half-widths of the 99% band;
    ``exact_blocks``: the 99% deviations, trust and implemented, of each consecutive block of
    :data:`BLOCK` seeds), the same map mis-wired (``noisy_miswired``, 99% band), the
    decorrelated map and the Gaussian-closure ODE (which leave the band: ``decorrelated``,
    ``closure``)."""
    run = homogeneous_run(steps, **scenario)
    mf = mean_field_of(run)
    sims = simulate(run, range(runs))
    b = band(sims)
    ode = ode_path(mf)
    if figure_path is not None:
        figure(b, ode, Path(figure_path), sims)
    lrun = homogeneous_run(steps, **{**scenario, **LAPSE_WORLD})
    lmf = mean_field_of(lrun)
    lb = band(simulate(lrun, range(runs)))
    res = {"runs": runs, "z": b.z, "ode": deviation(b, ode),
           "ode_minus_map": {k: float(np.max(np.abs(ode[k] - expected_map(mf)[k])))
                             for k in OBS},
           "lapse_ode": deviation(lb, ode_path(lmf)),
           "lapse_miswired": {name: max(deviation(lb, ode_path(dataclasses.replace(
               lmf, **{name: value}))).values())
               for name, value in (("phase_in", 1.0), ("lapse", float(MAX_STEPS)),
                                   ("drift", 0.0))}}
    if noisy:
        nrun = homogeneous_run(steps, **{**scenario, "noise": None})
        nmf = mean_field_of(nrun)
        nsims = simulate(nrun, range(noisy_runs))
        nb, nb99 = band(nsims), band(nsims, 0.99)
        exact = expected_map(nmf)
        blocks = [(lo, deviation(band({k: v[lo:lo + BLOCK] for k, v in nsims.items()}, 0.99),
                                 exact))
                  for lo in range(0, noisy_runs - BLOCK + 1, BLOCK)] if noisy_runs > BLOCK else []
        res.update({"noisy_runs": noisy_runs, "noisy_z": nb.z, "exact": deviation(nb, exact),
                    "exact_99": deviation(nb99, exact), "exact_blocks": blocks,
                    "noisy_miswired": {name: max(deviation(nb99, expected_map(
                        dataclasses.replace(nmf, **{name: value}))).values())
                        for name, value in NOISY_MISWIRED},
                    "decorrelated": deviation(nb, decorrelated_map(nmf)),
                    "closure": deviation(nb, closure_ode_path(nmf))})
    return res


_positive = int_at_least(2)


def main(argv: Sequence[str] | None = None) -> None:
    p = OneLineParser(prog="python -m sim.studies.meanfield", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=_positive, default=200, help="seeded runs (default 200)")
    p.add_argument("--steps", type=_positive, default=60, help="months (default 60)")
    p.add_argument("--noisy-runs", type=_positive, default=NOISY_RUNS,
                   help=f"seeded runs of the noisy world (default {NOISY_RUNS})")
    p.add_argument("--out", type=Path, default=DEFAULT_FIGURE, help="figure path")
    args = p.parse_args(argv)
    try:
        check_output("--out", args.out, kind="file")
        res = check(args.runs, args.steps, args.out, noisy_runs=args.noisy_runs)
    except ConfigError as exc:
        fail(exc)
    worst = max(*res["ode"].values(), *res["lapse_ode"].values())
    worst_map = max(res["exact_99"].values())
    print(f"noise-free world, {res['runs']} runs, simultaneous 95% band z = {res['z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} ODE path (solve_ivp): max deviation {res['ode'][k]:.3f} band units "
              f"(|ODE - grid map| <= {res["ode_minus_map"][k]:.1e})")
    print(f"noise-free world with a lapsing regime ({LAPSE_WORLD}), {res['runs']} runs")
    for k in OBS:
        print(f"  {k:12s} ODE path (solve_ivp): max deviation {res['lapse_ode'][k]:.3f} band "
              "units")
    print("  mis-wired ODE (phase-in, lapse, drift of the baseline forgotten): "
          + ", ".join(f"{k} {v:.1f}" for k, v in res["lapse_miswired"].items()) + " band units")
    print(f"noisy world (compliance noise {NOISY}), {res['noisy_runs']} runs, "
          f"z = {res['noisy_z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} exact map: {res['exact'][k]:.3f} (99% band: {res['exact_99'][k]:.3f}); "
              f"decorrelated map: {res['decorrelated'][k]:.2f}; Gaussian-closure ODE: "
              f"{res['closure'][k]:.2f} band units")
    print("  mis-wired exact map (99% band; " + ", ".join(
        f"{k} {v:g}" for k, v in NOISY_MISWIRED) + "): " + ", ".join(
        f"{k} {v:.2f}" for k, v in res["noisy_miswired"].items()) + " band units")
    for lo, dev in res["exact_blocks"]:
        print(f"  seeds {lo}-{lo + BLOCK - 1} alone: exact map, 99% band of {BLOCK} runs: "
              f"trust {dev['trust']:.2f}, implemented {dev['implemented']:.2f}")
    print(f"max deviation of the ODE paths: {worst:.3f} band units "
          f"({'inside' if worst <= 1 else 'OUTSIDE'} the band); of the exact map, "
          f"{res['noisy_runs']} runs: {worst_map:.3f} of the 99% band "
          f"({'inside' if worst_map <= 1 else 'OUTSIDE'}); figure: {args.out}")
    if worst > 1 or worst_map > 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
