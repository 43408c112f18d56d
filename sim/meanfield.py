"""The model against its own mean field, for a homogeneous world (docs/VALIDATION.md, section 3).

Assumptions, which make every country statistically identical and independent of the others:
N identical countries in one bloc (affinity ``a``), no labs, no shocks, no incidents
(``incident_rate`` 0), no capability growth (equal capabilities, race pressure 1 for all), no chip
suppliers (no controls), one recurring consensus venue inviting all, and attendance made certain
(``attend_cost`` far below legitimacy + trust). Every session every country then signs the depth
d = min(ambition, ideal), ideal = risk_concern (1 - hawk_depth_drag hawkishness). All other values
are the baseline's.

What is compared, per month k (record k = the state after k monthly steps):

- commitment C_k: deterministic, C <- max(C, d) at each session;
- implemented safety I (mean over countries): per country the AR(1) step of
  :func:`sim.mechanisms.compliance.comply`, I' = clip(I + r (C - I) + eps), eps ~ N(0, s^2),
  r = compliance_rate (1 - hawk_drag hawkishness);
- mean trust T between distinct countries: at a session t <- t + cosign_trust_gain d (1 - t);
  each month j's compliance K = [I_j >= tolerance C] is observed with probability v (the
  venue's verification): t <- t + gain (1 - t) if K else t - loss t; then t <- t + relax (a - t).

Two worlds and their reference paths:

1. **Noise-free world (the test of the ODE).** Compliance noise 0 (``homogeneous_scenario``'s
   default; all else the baseline's), so I is deterministic and the same for every country, and
   so is compliance K_k = [I_k >= tolerance C]: E[t K] = E[t] K, the trust-compliance covariance
   that a closure would neglect is zero by construction. Trust stays random (each month j's
   compliance is observed by i only with probability v). The **ODE** (:func:`ode_path`) is
   solved with ``scipy.integrate.solve_ivp`` month by month: a session is an impulse at its
   month (C <- max(C, d), T <- T + cosign d (1 - T)), then within the month dM/dt = -lambda_I
   (M - C), dT/dt = -lambda_T (T - T*), with lambda_I = -ln(1 - r) and lambda_T, T* from the
   month's expected trust map (verification with K, then relaxation); the exponential rates make
   the ODE agree with the discrete monthly step at every month (the naive continuous limit
   dx/dt = increment does not, and leaves the band). The runs are tested against this path.
2. **Noisy world** (the baseline's compliance noise): the **exact expected map** of the discrete
   step (:func:`expected_map`). The step is a Markov chain in (I_j, t_ij); t enters linearly, so
   the measure mu(x) = E[t; I_j in dx] evolves in closed form on a grid of I (transition kernel
   of the clipped Gaussian step, clipping exact, 1001 points). It keeps the correlation between
   a country's trust record and its current compliance (I is autocorrelated), which the earlier
   Gaussian-closure ODE (:func:`closure_ode_path`, kept for comparison) drops: that ODE leaves
   the 200-run band for trust (docs/VALIDATION.md).

The band: the mean of R seeded runs with its simultaneous 95% band (Bonferroni over all months
and observables, z from the normal), half-width z * sd / sqrt(R); a path passes when it stays
inside at every month. Deterministic series (commitment, month 0) must match to 1e-9.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import ndtr, ndtri

from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.venues import NO_AGREEMENT_DEPTH

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
                         implemented: float = 0.1, affinity: float = 0.5,
                         noise: float | None = 0.0) -> dict:
    """A plain-dict scenario of ``n`` identical countries built from ``base`` (the baseline's
    composed scenario dict) for :func:`sim.config.build_scenario`; see the module docstring.
    ``noise``: the compliance noise (0 by default, the ODE's world; None keeps the baseline's)."""
    src = "homogeneous mean-field check (sim/meanfield.py): assumption"
    country = {"bloc": "all", "capability": 1.0, "chip_supply": 0.0, "hawkishness": hawkishness,
               "risk_concern": risk_concern, "commitment": commitment,
               "implemented": implemented,
               "legitimacy": {t: 0.7 for t in ("un", "summit", "bilateral", "track2")},
               "source": {"*": src}}
    names = [f"C{i:02d}" for i in range(n)]
    sections = {s: dict(base.get(s) or {}) for s in ("levers", "uncertainties", "constants")}
    fixed = {"incident_rate": 0.0, "capability_growth": 0.0, "attend_cost": -10.0}
    if noise is not None:
        fixed["compliance_noise"] = noise
    for name, value in fixed.items():
        section = next(s for s in sections if name in sections[s])
        sections[section][name] = {"value": value, "source": f"{src}: {name} = {value}"}
    return {
        "name": "homogeneous", "start": base["start"], **sections,
        "description": "N identical countries, one recurring consensus venue (mean-field check)",
        "affinity": {"within": affinity, "across": affinity, "source": src},
        "countries": {c: dict(country) for c in names}, "labs": {},
        "venues": {"forum": {"type": "un", "label": "forum", "host": names[0],
                             "decision": "consensus", "invite": "all", "ambition": ambition,
                             "verification": verification, "calendar": [base["start"]],
                             "every": every, "source": src}},
        "events": {},
    }


def homogeneous_run(steps: int = 60, **kwargs):
    """Validated run settings (sim.config) for :func:`homogeneous_scenario` from the baseline."""
    from omegaconf import OmegaConf

    from sim.api import compose_config
    from sim.config import build_run_config

    cfg = OmegaConf.to_container(compose_config("baseline"), resolve=True)
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
    affinity: float
    commitment0: float
    implemented0: float
    rate: float  # r = compliance_rate (1 - hawk_drag hawkishness pressure)
    noise: float
    tolerance: float
    gain: float
    loss: float
    relax: float
    cosign: float

    def signs(self, month: int) -> bool:
        """Whether an agreement is signed in ``month`` (a session with a text on the table)."""
        return month in self.sessions and self.depth >= NO_AGREEMENT_DEPTH


def mean_field_of(run) -> MeanField:
    """Read a homogeneous run's settings; ConfigError when they are not homogeneous."""
    sc, p = run.scenario, run.scenario.params
    c0 = sc.countries[0]
    same = all(dataclasses.replace(c, name=c0.name) == c0 for c in sc.countries)
    if not same or sc.labs or sc.events or len(sc.venues) != 1 or p["incident_rate"] != 0:
        raise ConfigError("scenario", sc.name, "the mean field needs identical countries, no "
                          "labs, no events, no incidents and one venue")
    v = sc.venues[0]
    if v.decision != "consensus" or v.invite != "all":
        raise ConfigError("scenario.venues", v.name, "must be a consensus venue inviting all")
    months = set(v.months)
    if v.every:
        months |= set(range(v.months[-1] + v.every, run.steps, v.every))
    pressure = 1.0  # equal capabilities
    ideal = c0.risk_concern * (1.0 - p["hawk_depth_drag"] * c0.hawkishness * pressure)
    return MeanField(
        steps=run.steps, sessions=tuple(sorted(m for m in months if m < run.steps)),
        depth=min(v.ambition, ideal), verification=v.verification,
        affinity=sc.affinity_within, commitment0=c0.commitment, implemented0=c0.implemented,
        rate=p["compliance_rate"] * (1.0 - p["hawk_drag"] * c0.hawkishness * pressure),
        noise=p["compliance_noise"], tolerance=p["compliance_tolerance"], gain=p["trust_gain"],
        loss=p["trust_loss"], relax=p["trust_relax"], cosign=p["cosign_trust_gain"])


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


def _session(mf: MeanField, month: int, grid: np.ndarray, c: float, verif: float,
             k_mat: np.ndarray) -> tuple[bool, float, float, np.ndarray]:
    """The agreement of ``month``, if one is signed: commitment rises to its depth (with the
    implementation kernel rebuilt) and its verification channel opens.
    Returns (signed, commitment, verification, kernel)."""
    if not mf.signs(month):
        return False, c, verif, k_mat
    if mf.depth > c:
        c = mf.depth
        k_mat = kernel(grid, mf.rate, c, mf.noise)
    return True, c, max(verif, mf.verification), k_mat


def expected_map(mf: MeanField, points: int = 1001) -> dict[str, np.ndarray]:
    """Expected trust, implementation and commitment per record 0..steps (exact up to the
    grid; see the module docstring)."""
    grid = np.linspace(0.0, 1.0, points)
    p = np.zeros(points)
    p[int(round(mf.implemented0 * (points - 1)))] = 1.0
    mu = mf.affinity * p  # E[t; I in cell]
    c, verif = mf.commitment0, 0.0
    k_mat = kernel(grid, mf.rate, c, mf.noise)
    out = {k: [v] for k, v in (("trust", mu.sum()), ("implemented", grid @ p),
                               ("commitment", c))}
    for month in range(mf.steps):
        signed, c, verif, k_mat = _session(mf, month, grid, c, verif, k_mat)
        if signed:
            mu = mu + mf.cosign * mf.depth * (p - mu)
        p, mu = p @ k_mat, mu @ k_mat
        ok = complied_share(grid, mf.tolerance * c)
        mu = mu + verif * (mf.gain * ok * (p - mu) - mf.loss * (1.0 - ok) * mu)
        mu = mu + mf.relax * (mf.affinity * p - mu)
        out["trust"].append(mu.sum())
        out["implemented"].append(grid @ p)
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}


def decorrelated_map(mf: MeanField, points: int = 1001) -> dict[str, np.ndarray]:
    """The expected map with trust updated from E[t] and q = P(K) as if independent (the
    closure the ODE makes), implementation still exact: isolates the correlation term."""
    grid = np.linspace(0.0, 1.0, points)
    p = np.zeros(points)
    p[int(round(mf.implemented0 * (points - 1)))] = 1.0
    trust, c, verif = mf.affinity, mf.commitment0, 0.0
    k_mat = kernel(grid, mf.rate, c, mf.noise)
    out = {"trust": [trust], "implemented": [grid @ p], "commitment": [c]}
    for month in range(mf.steps):
        signed, c, verif, k_mat = _session(mf, month, grid, c, verif, k_mat)
        if signed:
            trust += mf.cosign * mf.depth * (1.0 - trust)
        p = p @ k_mat
        q = float(complied_share(grid, mf.tolerance * c) @ p)
        trust += verif * (mf.gain * q * (1.0 - trust) - mf.loss * (1.0 - q) * trust)
        trust += mf.relax * (mf.affinity - trust)
        out["trust"].append(trust)
        out["implemented"].append(grid @ p)
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# path 2: the ODE (the reference of the noise-free world)


def monthly_rates(mf: MeanField, c: float, verif: float, m: float) -> tuple[float, float, float]:
    """Rates of the ODE for the month that starts with implementation ``m`` under commitment
    ``c``: (lambda_I, lambda_T, T*). Implementation: dM/dt = -lambda_I (M - c) with
    lambda_I = -ln(1 - r), so M(k + 1) = M(k) + r (c - M(k)) exactly. Trust: the month's
    expected map T -> alpha T + beta (verification update with compliance K, then relaxation)
    is dT/dt = -lambda_T (T - T*) with lambda_T = -ln(alpha), T* = beta / (1 - alpha), exact at
    the month's end. K = [M(k + 1) >= tolerance c] is known at the month's start (noise 0: M is
    deterministic), so E[t K] = E[t] K: no covariance term to close."""
    lam_i = -np.log1p(-mf.rate) if mf.rate > 0 else 0.0
    m_next = c + (m - c) * (1.0 - mf.rate)
    k = float(m_next >= mf.tolerance * c)
    alpha = (1.0 - verif * (mf.gain * k + mf.loss * (1.0 - k))) * (1.0 - mf.relax)
    beta = verif * mf.gain * k * (1.0 - mf.relax) + mf.relax * mf.affinity
    if alpha >= 1.0:
        return lam_i, 0.0, 0.0
    return lam_i, -np.log(alpha), beta / (1.0 - alpha)


def ode_rhs(lam_i: float, c: float, lam_t: float, t_star: float):
    """d(T, M)/dt within a month: trust and implementation relax linearly to their targets."""
    def rhs(_t, y):
        return [-lam_t * (y[0] - t_star), -lam_i * (y[1] - c)]
    return rhs


def ode_path(mf: MeanField) -> dict[str, np.ndarray]:
    """Expected trust T, implementation M and commitment C per record 0..steps, from the ODE
    solved with ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-12) month by month: a session at
    month m is an impulse at t = m (C <- max(C, d), T <- T + cosign d (1 - T)), then the month's
    linear ODE (:func:`monthly_rates`) carries (T, M) to t = m + 1. Needs compliance noise 0
    (ConfigError otherwise): then the step is exact at the months, with nothing neglected."""
    if mf.noise != 0:
        raise ConfigError("compliance_noise", mf.noise, "the ODE path needs compliance noise 0 "
                          "(with noise, compare the runs with expected_map)")
    y = np.array([mf.affinity, mf.implemented0])
    c, verif = mf.commitment0, 0.0
    out = {"trust": [y[0]], "implemented": [y[1]], "commitment": [c]}
    for month in range(mf.steps):
        if mf.signs(month):
            c, verif = max(c, mf.depth), max(verif, mf.verification)
            y[0] += mf.cosign * mf.depth * (1.0 - y[0])
        lam_i, lam_t, t_star = monthly_rates(mf, c, verif, y[1])
        sol = solve_ivp(ode_rhs(lam_i, c, lam_t, t_star), (month, month + 1), y,
                        method="DOP853", rtol=1e-12, atol=1e-14)
        y = sol.y[:, -1].copy()
        out["trust"].append(y[0])
        out["implemented"].append(y[1])
        out["commitment"].append(c)
    return {k: np.array(v) for k, v in out.items()}


def closure_ode_path(mf: MeanField) -> dict[str, np.ndarray]:
    """The earlier ODE for the noisy world, kept for comparison: the continuous limit (dx/dt =
    the monthly increment) with a Gaussian closure for I (mean M, variance S, no clipping) and
    q = P(K) taken as independent of trust. It drops the trust-compliance covariance and leaves
    the 200-run band for trust (docs/VALIDATION.md)."""
    def rhs_of(c: float, verif: float):
        def rhs(_t, y):
            trust, m, s = y
            q = ndtr((m - mf.tolerance * c) / np.sqrt(max(s, 1e-12)))
            d_trust = (verif * (mf.gain * q * (1.0 - trust) - mf.loss * (1.0 - q) * trust)
                       + mf.relax * (mf.affinity - trust))
            return [d_trust, mf.rate * (c - m),
                    mf.noise ** 2 - (2.0 * mf.rate - mf.rate ** 2) * s]
        return rhs

    y = np.array([mf.affinity, mf.implemented0, 0.0])
    c, verif = mf.commitment0, 0.0
    out = {"trust": [y[0]], "implemented": [y[1]], "commitment": [c]}
    cuts = sorted({0, *(m for m in mf.sessions if m < mf.steps), mf.steps})
    for t0, t1 in zip(cuts[:-1], cuts[1:], strict=True):
        if mf.signs(t0):
            c, verif = max(c, mf.depth), max(verif, mf.verification)
            y[0] += mf.cosign * mf.depth * (1.0 - y[0])
        sol = solve_ivp(rhs_of(c, verif), (t0, t1), y, t_eval=np.arange(t0 + 1, t1 + 1),
                        rtol=1e-8, atol=1e-10)
        y = sol.y[:, -1].copy()
        out["trust"] += list(sol.y[0])
        out["implemented"] += list(sol.y[1])
        out["commitment"] += [c] * len(sol.t)
    return {k: np.array(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# the model's runs and the band


def simulate(run, seeds: Sequence[int]) -> dict[str, np.ndarray]:
    """Per seed and record: mean off-diagonal trust, mean implemented and mean commitment
    (arrays R x (steps + 1))."""
    from sim.api import with_seed
    from sim.metrics import mean_trust
    from sim.model import GovernanceModel

    out = {k: [] for k in OBS}
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
    return {k: np.array(v) for k, v in out.items()}


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


def check(runs: int = 200, steps: int = 60, figure_path: Path | None = None,
          noisy: bool = True, **scenario) -> dict:
    """Run the comparison. ``ode``: deviations (band units) of the ODE path from the mean of
    ``runs`` runs of the noise-free homogeneous world (the test). With ``noisy``, the same world
    with the baseline's compliance noise against the exact expected map (``exact``), the
    decorrelated map and the Gaussian-closure ODE (which leaves the band: ``closure``)."""
    run = homogeneous_run(steps, **scenario)
    mf = mean_field_of(run)
    sims = simulate(run, range(runs))
    b = band(sims)
    ode = ode_path(mf)
    if figure_path is not None:
        figure(b, ode, Path(figure_path), sims)
    res = {"runs": runs, "z": b.z, "ode": deviation(b, ode),
           "ode_minus_map": {k: float(np.max(np.abs(ode[k] - expected_map(mf)[k])))
                             for k in OBS}}
    if noisy:
        nrun = homogeneous_run(steps, **{**scenario, "noise": None})
        nmf = mean_field_of(nrun)
        nb = band(simulate(nrun, range(runs)))
        exact = expected_map(nmf)
        res.update({"noisy_z": nb.z, "exact": deviation(nb, exact),
                    "decorrelated": deviation(nb, decorrelated_map(nmf)),
                    "closure": deviation(nb, closure_ode_path(nmf))})
    return res


_positive = int_at_least(2)


def main(argv: Sequence[str] | None = None) -> None:
    p = OneLineParser(prog="python -m sim.meanfield", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=_positive, default=200, help="seeded runs (default 200)")
    p.add_argument("--steps", type=_positive, default=60, help="months (default 60)")
    p.add_argument("--out", type=Path, default=DEFAULT_FIGURE, help="figure path")
    args = p.parse_args(argv)
    try:
        check_output("--out", args.out, kind="file")
        res = check(args.runs, args.steps, args.out)
    except ConfigError as exc:
        fail(exc)
    worst = max(res["ode"].values())
    print(f"noise-free world, {res['runs']} runs, simultaneous 95% band z = {res['z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} ODE path (solve_ivp): max deviation {res['ode'][k]:.3f} band units "
              f"(|ODE - grid map| <= {res["ode_minus_map"][k]:.1e})")
    print(f"noisy world (compliance noise {NOISY}), {res['runs']} runs, z = {res['noisy_z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} exact map: {res['exact'][k]:.3f}; decorrelated map: "
              f"{res['decorrelated'][k]:.2f}; Gaussian-closure ODE: {res['closure'][k]:.2f} "
              "band units")
    print(f"max deviation of the ODE path: {worst:.3f} band units "
          f"({'inside' if worst <= 1 else 'OUTSIDE'} the band); figure: {args.out}")
    if worst > 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
