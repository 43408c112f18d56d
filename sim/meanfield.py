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

Two mean-field paths:

1. **Exact expected map** of the discrete monthly step (the reference the runs are tested
   against). The step is a Markov chain in (I_j, t_ij); t enters linearly, so the measure
   mu(x) = E[t; I_j in dx] evolves in closed form on a grid of I (transition kernel of the
   clipped Gaussian step, clipping exact). This keeps the correlation between a country's trust
   record and its current compliance, which a moment closure drops: trust gained from past
   compliance co-varies with compliance now (I is autocorrelated), so E[t K] != E[t] E[K]. Noise
   and clipping are kept at the baseline's values; E[clip(x)] != clip(E[x]) is handled by the
   kernel's point masses at 0 and 1. Trust needs no clipping: every update is a convex
   combination in [0, 1]. The only approximation is the grid (1001 points: error below 1e-5).
2. **ODE**, the continuous limit (dx/dt = the monthly increment) with a Gaussian closure for I
   (mean M, variance S, no clipping) and q = P(K) = Phi((M - tolerance C) / sqrt(S)) taken as
   independent of trust, solved with ``scipy.integrate.solve_ivp`` between sessions, sessions as
   jumps. It shows the shape of the dynamics and how far the continuous, decorrelated picture is
   from the model; it is not expected to lie inside the band.

The band: the mean of R seeded runs with its simultaneous 95% band (Bonferroni over all months
and observables, z from the normal), half-width z * sd / sqrt(R); a path passes when it stays
inside at every month. Deterministic series (commitment, month 0) must match to 1e-9.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import ndtr, ndtri

from sim.errors import ConfigError, fail

OBS = ("trust", "implemented", "commitment")
DEFAULT_FIGURE = Path("docs") / "figures" / "meanfield_homogeneous.png"
EXACT_TOL = 1e-9  # a deterministic series must match to this
ZERO_SPREAD = 1e-12  # a spread below this is rounding, not randomness


# ---------------------------------------------------------------------------------------------
# the homogeneous scenario


def homogeneous_scenario(base: dict, *, n: int = 14, ambition: float = 0.3,
                         verification: float = 0.3, every: int = 12, hawkishness: float = 0.5,
                         risk_concern: float = 0.5, commitment: float = 0.15,
                         implemented: float = 0.1, affinity: float = 0.5) -> dict:
    """A plain-dict scenario of ``n`` identical countries built from ``base`` (the baseline's
    composed scenario dict) for :func:`sim.config.build_scenario`; see the module docstring."""
    src = "homogeneous mean-field check (sim/meanfield.py): assumption"
    country = {"bloc": "all", "capability": 1.0, "chip_supply": 0.0, "hawkishness": hawkishness,
               "risk_concern": risk_concern, "commitment": commitment,
               "implemented": implemented,
               "legitimacy": {t: 0.7 for t in ("un", "summit", "bilateral", "track2")},
               "source": {"*": src}}
    names = [f"C{i:02d}" for i in range(n)]
    sections = {s: dict(base.get(s) or {}) for s in ("levers", "uncertainties", "constants")}
    fixed = {"incident_rate": 0.0, "capability_growth": 0.0, "attend_cost": -10.0}
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
        if month in mf.sessions and mf.depth >= 0.01:
            if mf.depth > c:
                c = mf.depth
                k_mat = kernel(grid, mf.rate, c, mf.noise)
            verif = max(verif, mf.verification)
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
        if month in mf.sessions and mf.depth >= 0.01:
            if mf.depth > c:
                c = mf.depth
                k_mat = kernel(grid, mf.rate, c, mf.noise)
            verif = max(verif, mf.verification)
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
# path 2: the ODE, continuous limit with a Gaussian, decorrelated closure


def ode_rhs(mf: MeanField, c: float, verif: float):
    """d(T, M, S)/dt between sessions (months): trust, mean and variance of implementation."""
    def rhs(_t, y):
        trust, m, s = y
        q = ndtr((m - mf.tolerance * c) / np.sqrt(max(s, 1e-12)))
        d_trust = (verif * (mf.gain * q * (1.0 - trust) - mf.loss * (1.0 - q) * trust)
                   + mf.relax * (mf.affinity - trust))
        d_m = mf.rate * (c - m)
        d_s = mf.noise ** 2 - (2.0 * mf.rate - mf.rate ** 2) * s
        return [d_trust, d_m, d_s]
    return rhs


def ode_path(mf: MeanField) -> dict[str, np.ndarray]:
    """The ODE solved with solve_ivp (RK45, rtol 1e-8) segment by segment; a session at month m
    is a jump at t = m, after record m. Values at records 0..steps."""
    y = np.array([mf.affinity, mf.implemented0, 0.0])
    c, verif = mf.commitment0, 0.0
    out = {"trust": [y[0]], "implemented": [y[1]], "commitment": [c]}
    cuts = sorted({0, *(m for m in mf.sessions if m < mf.steps), mf.steps})
    for t0, t1 in zip(cuts[:-1], cuts[1:], strict=True):
        if t0 in mf.sessions and mf.depth >= 0.01:
            c, verif = max(c, mf.depth), max(verif, mf.verification)
            y[0] += mf.cosign * mf.depth * (1.0 - y[0])
        sol = solve_ivp(ode_rhs(mf, c, verif), (t0, t1), y, t_eval=np.arange(t0 + 1, t1 + 1),
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


def figure(b: Band, exact: dict, ode: dict, path: Path, runs: dict | None = None,
           decorrelated: dict | None = None) -> None:
    """Three panels (trust, implemented, commitment): runs' mean with its band, the exact map,
    the ODE and (trust) the decorrelated map; a few single runs in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    titles = {"trust": "Mean trust between countries", "implemented": "Mean implemented safety",
              "commitment": "Mean commitment (depth signed)"}
    for ax, k in zip(axes, OBS, strict=True):
        x = np.arange(len(exact[k]))
        if runs is not None:
            for row in runs[k][:5]:
                ax.plot(x, row, color="#bbbbbb", lw=0.6)
        ax.fill_between(x, b.mean[k] - b.half[k], b.mean[k] + b.half[k], color="#1f77b4",
                        alpha=0.3, label=f"mean of {b.runs} runs, 95% band")
        ax.plot(x, b.mean[k], color="#1f77b4", lw=1)
        ax.plot(x, exact[k], color="#d62728", lw=1.2, ls="--", label="exact expected map")
        ax.plot(x, ode[k], color="#2ca02c", lw=1.2, ls=":", label="ODE (continuous limit)")
        if decorrelated is not None and k == "trust":
            ax.plot(x, decorrelated[k], color="#ff7f0e", lw=1, ls="-.",
                    label="map without trust-compliance correlation")
        ax.set_title(titles[k], fontsize=10)
        ax.set_xlabel("month")
        ax.set_ylabel("level [0-1]")
    axes[0].legend(fontsize=7)
    fig.suptitle("Homogeneous world: model runs against the mean field "
                 f"(band z = {b.z:.2f}, simultaneous)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def check(runs: int = 200, steps: int = 60, figure_path: Path | None = None,
          **scenario) -> dict:
    """Run the comparison: deviations (band units) of the exact map and of the ODE."""
    run = homogeneous_run(steps, **scenario)
    mf = mean_field_of(run)
    sims = simulate(run, range(runs))
    b = band(sims)
    exact, ode, decor = expected_map(mf), ode_path(mf), decorrelated_map(mf)
    if figure_path is not None:
        figure(b, exact, ode, Path(figure_path), sims, decor)
    gap = {k: float(np.max(np.abs(ode[k] - exact[k]))) for k in OBS}
    return {"runs": runs, "z": b.z, "exact": deviation(b, exact), "ode": deviation(b, ode),
            "decorrelated": deviation(b, decor), "ode_minus_exact": gap,
            "decorrelated_minus_exact": float(np.max(np.abs(decor["trust"] - exact["trust"])))}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        fail(message)


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {v}")
    return v


def main(argv: Sequence[str] | None = None) -> None:
    p = _Parser(prog="python -m sim.meanfield", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=_positive, default=200, help="seeded runs (default 200)")
    p.add_argument("--steps", type=_positive, default=60, help="months (default 60)")
    p.add_argument("--out", type=Path, default=DEFAULT_FIGURE, help="figure path")
    args = p.parse_args(argv)
    try:
        res = check(args.runs, args.steps, args.out)
    except ConfigError as exc:
        fail(exc)
    worst = max(res["exact"].values())
    print(f"{res['runs']} runs, simultaneous 95% band z = {res['z']:.2f}")
    for k in OBS:
        print(f"  {k:12s} exact map: max deviation {res['exact'][k]:.3f} band units; ODE: "
              f"{res['ode'][k]:.2f} band units (|ODE - map| <= {res['ode_minus_exact'][k]:.4f})")
    print(f"  trust, decorrelated map (exact I, E[tK] = E[t]E[K]): "
          f"{res['decorrelated']['trust']:.2f} band units "
          f"(|decorrelated - map| <= {res['decorrelated_minus_exact']:.4f})")
    print(f"max deviation of the exact map: {worst:.3f} band units "
          f"({'inside' if worst <= 1 else 'OUTSIDE'} the band); figure: {args.out}")
    if worst > 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
