"""Mean field, the world: the homogeneous scenario, its mean-field parameters and schedule."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config import MAX_STEPS
from sim.errors import ConfigError
from sim.model.decision_rules import Consensus
from sim.model.venues import NO_AGREEMENT_DEPTH

OBS = ("trust", "implemented", "commitment")
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
    src = source or "homogeneous mean-field check (sim/studies/meanfield/): assumption"
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
