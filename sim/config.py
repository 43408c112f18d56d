"""From a composed Hydra config to validated, typed run settings.

Data flows one way: ``conf/`` + ``scenarios/*.yaml`` are composed by Hydra into one DictConfig;
:func:`build_run_config` checks every value against :data:`PARAMETERS` (the schema: names, hard
bounds, meaning and units) and returns frozen dataclasses that the model reads. Nothing
downstream re-reads YAML, and no default is repeated in code: every value comes from a scenario.

A scenario parameter is written ``{value, range, source}`` (range: the plausible interval used by
sensitivity analysis; source: its provenance). A command-line override may replace it by a bare
number; its provenance is then recorded as ``override: command line``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim import decision_rules
from sim.errors import ConfigError

# The config tree and the scenario library are package data (sim/conf links to the checkout's
# conf/, whose scenario/ links to scenarios/; a wheel holds copies), found with importlib.resources.
# ROOT is the checkout (or, installed, the folder that holds the package): paths are shown
# relative to it.
ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = Path(str(importlib.resources.files("sim") / "conf")).resolve()
SCENARIO_DIR = (CONF_DIR / "scenario").resolve()
DATA_DIR = Path(str(importlib.resources.files("sim") / "data")).resolve()
SCENARIOS_ENV = "AIGOV_SCENARIOS"  # the user's scenario folders, separated by os.pathsep

VENUE_TYPES = ("un", "summit", "bilateral", "track2")
DECISION_RULES = tuple(decision_rules.RULES)  # one declaration: the registry's names
SECTIONS = ("levers", "uncertainties", "constants")
INF = math.inf
MAX_STEPS = 600  # 50 years: capability grows exponentially, so longer horizons lose meaning
MAX_SEED = 2**63 - 1  # seeds fit the 64-bit integer columns of the run tables
MAX_RUNS = 1_000_000  # model runs one command may start (about two weeks on two cores)
MAX_JOBS = 256  # worker processes one command may start
MAX_REPLICATES = 100_000  # runs per sweep job
YEARS = (1900, 2200)  # dates the calendar can carry (pandas dates end in 2262)
# Hard caps of quantities with no natural upper end, far beyond any plausible value: they keep
# every number the model computes finite (a weight or rate of 1e30 is a typo, not a what-if).
MAX_WEIGHT = 100.0  # rates, weights and thresholds on the model's own [0, 1]-ish scales
MAX_CAPABILITY = 1000.0  # capability is relative to the frontier (about 1 for the leader)
MAX_PAYOFF = 1e9  # DSAIR payoffs and race length, in the game's abstract units
MAX_RACE_RATE = 1000.0  # DSAIR speed-up s and intensity of selection beta
# The expected incidents of a month are drawn from a Poisson law, which numpy cannot draw above
# about 9e18; capability compounds monthly, so rate x exposure x capability x growth^steps must
# stay below this (checked for the whole run before it starts).
MAX_HAZARD = 1e18


@dataclass(frozen=True)
class ParamSpec:
    """Schema entry: hard bounds (inclusive), kind and meaning with units."""

    lo: float
    hi: float
    meaning: str
    kind: type = float


# Hard bounds: what the functional forms accept, finite everywhere (see MAX_WEIGHT and the caps
# above). Plausible ranges live in the scenarios.
PARAMETERS: dict[str, ParamSpec] = {
    # levers: what governments choose
    "safety_for_compute": ParamSpec(0, 1, "safety-for-compute deal enabled (002)", bool),
    "deal_safety_threshold": ParamSpec(0, 1, "verified implemented safety the target must show"),
    "deal_trust_threshold": ParamSpec(0, 1, "supplier's trust in the target needed for the deal"),
    "deal_rivalry_gate": ParamSpec(0, MAX_WEIGHT,
                                   "rivalry above which the supplier will not budge"),
    "deal_easing": ParamSpec(0, 1, "share of controls lifted per month while the deal holds"),
    "club_easing": ParamSpec(0, 1, "share of control pressure a supplier waives for fellow "
                             "members, per unit depth of the regime they share (club penalty)"),
    # uncertainties: what nobody knows
    "trust_gain": ParamSpec(0, 1, "trust gain per verified compliance (share of gap to 1)"),
    "trust_loss": ParamSpec(0, 1, "trust loss per verified shortfall (share of trust)"),
    "trust_relax": ParamSpec(0, 1, "monthly relaxation of trust toward its baseline"),
    "trust_drift": ParamSpec(0, 1, "monthly drift of the baseline toward lived trust (memory)"),
    "cosign_trust_gain": ParamSpec(0, 1, "trust gain between co-signatories per unit depth"),
    "exclusion_penalty": ParamSpec(0, 1, "trust lost in the host and its circle when left out"),
    "dialogue_trust_gain": ParamSpec(0, 1, "trust gain from a bilateral meeting (share of gap)"),
    "track2_spillover": ParamSpec(0, 1, "share of the dialogue gain reaching labs' home countries"),
    "rivalry_trust_cut": ParamSpec(0, 1, "trust lost each month per unit of rivalry"),
    "rivalry_decay": ParamSpec(0, 1, "monthly decay of rivalry toward zero"),
    "risk_salience": ParamSpec(0, 1, "jump in risk concern per incident (share of gap to 1)"),
    "risk_decay": ParamSpec(0, 1, "monthly decay of risk concern toward its baseline"),
    "substitution_speed": ParamSpec(0, 1, "monthly domestic chip substitution under controls"),
    "incident_rate": ParamSpec(0, MAX_WEIGHT,
                               "expected incidents per month per unit unsafe capability"),
    "compliance_rate": ParamSpec(0, 1, "monthly closure of the commitment-implementation gap"),
    "compliance_noise": ParamSpec(0, 1, "s.d. of monthly implementation shocks"),
    "hawk_drag": ParamSpec(0, 1, "how far hawkishness under race pressure slows compliance"),
    "controls_tighten_rate": ParamSpec(0, 1, "monthly move of controls up toward pressure"),
    "controls_relax_rate": ParamSpec(0, 1, "monthly move of controls down toward pressure"),
    "lab_imitation_rate": ParamSpec(0, 1, "monthly rate at which labs revise safety (Fermi)"),
    "lab_regulation_pull": ParamSpec(0, 1, "monthly pull of lab safety up to home rules/pledges"),
    "attend_sensitivity": ParamSpec(0, MAX_WEIGHT, "steepness of the attendance logit"),
    "sign_noise": ParamSpec(1e-6, 1, "scale of the signing logit (depth units)"),
    "alignment_rate": ParamSpec(0, 1, "monthly share of the way to the preferred alignment"),
    "alignment_beta": ParamSpec(0, 50, "intensity of alignment choice (inverse noise)"),
    "alignment_noise": ParamSpec(0, 1, "s.d. of monthly alignment shocks"),
    "propensity_trust_neutral": ParamSpec(0, 1, "mutual trust neither attracting nor repelling"),
    "propensity_regime": ParamSpec(0, 10, "propensity per unit depth of a shared regime"),
    "propensity_dependence": ParamSpec(0, 10, "propensity per unit compute dependence"),
    "propensity_rivalry": ParamSpec(0, 10, "weight of rivalry in who stands with whom "
                                    "(alignment propensity lost per unit rivalry)"),
    "controls_rivalry": ParamSpec(0, 10, "rivalry felt per unit export controls endured"),
    "controls_follow": ParamSpec(0, 1, "how far allied suppliers follow their leader's controls"),
    "rivalry_narrowing": ParamSpec(0, 10, "bilateral zone of agreement lost per unit rivalry"),
    "club_trust_weight": ParamSpec(0, 10, "signing utility per unit trust in a regime's members "
                                   "above neutral"),
    "like_minded": ParamSpec(-1, 1, "alignment toward the host's side a like-minded "
                             "invitation needs"),
    "lab_follow": ParamSpec(0, 10, "signing utility per unit alignment of a lab's home with the "
                            "host's camp"),
    "counter_forum_trust": ParamSpec(0, 1, "trust in the other camp's host below which a leader "
                                     "convenes its own forum"),
    # constants
    "capability_growth": ParamSpec(0, 1, "monthly capability growth at full compute access"),
    "safety_cost": ParamSpec(0, 1, "share of growth lost per unit safety investment"),
    "openness_hazard": ParamSpec(0, MAX_WEIGHT, "extra hazard per unit openness"),
    "race_b": ParamSpec(0, MAX_PAYOFF, "DSAIR benefit per round b"),
    "race_c": ParamSpec(0, MAX_PAYOFF, "DSAIR cost of safety per round c"),
    "race_B": ParamSpec(0, MAX_PAYOFF, "DSAIR prize of winning the race B"),
    "race_W": ParamSpec(1e-9, MAX_PAYOFF, "DSAIR rounds to win W"),
    "race_s": ParamSpec(1, MAX_RACE_RATE, "DSAIR speed-up of unsafe play s"),
    "race_beta": ParamSpec(0, MAX_RACE_RATE, "DSAIR intensity of selection beta"),
    "compliance_tolerance": ParamSpec(0, 1, "implemented/commitment ratio read as compliance"),
    "verification_cost": ParamSpec(0, 1, "signing cost per unit verification and distrust"),
    "hawk_depth_drag": ParamSpec(0, 1, "how far hawkishness lowers a country's ideal depth"),
    "threat_capability": ParamSpec(0, MAX_WEIGHT,
                                   "weight of target capability in control pressure"),
    "threat_unsafe": ParamSpec(0, MAX_WEIGHT, "weight of unverified safety in control pressure"),
    "threat_rivalry": ParamSpec(0, MAX_WEIGHT, "weight of rivalry in control pressure"),
    "attend_cost": ParamSpec(-MAX_WEIGHT, MAX_WEIGHT, "attendance threshold on legitimacy + trust"),
    "regime_lapse": ParamSpec(1, MAX_STEPS, "months a regime stays in force without renewal"),
    "implementation_months": ParamSpec(1, MAX_STEPS, "months over which a signed depth phases "
                                       "in as an obligation"),
    "shortfall_limit": ParamSpec(1, MAX_STEPS, "months in a row of shortfall before a member "
                                 "withdraws"),
    "relation_base": ParamSpec(0, 1, "baseline trust of two states with nothing in common"),
    "relation_alliance": ParamSpec(0, 1, "baseline trust added by a formal defence alliance"),
    "relation_partnership": ParamSpec(0, 1, "baseline trust added by a strategic partnership"),
    "relation_voting": ParamSpec(0, 1, "baseline trust added by identical UN voting"),
    "voting_scale": ParamSpec(1e-3, 100, "UN ideal-point distance at which voting adds nothing"),
}

COUNTRY_FIELDS = ("capability", "chip_supply", "hawkishness", "risk_concern", "commitment",
                  "implemented", "un_ideal_point")
IDEAL_POINT_RANGE = (-4.0, 4.0)  # the UN voting scale of Bailey, Strezhnev and Voeten
INITIAL_ALIGNMENT = ("relations", "united", "split")
LAB_FIELDS = ("capability", "safety_investment", "openness", "track2_propensity")


@dataclass(frozen=True)
class Country:
    name: str
    bloc: str  # a colour for plots only: nothing in the dynamics reads it
    capability: float
    chip_supply: float
    hawkishness: float
    risk_concern: float
    commitment: float
    implemented: float
    un_ideal_point: float
    legitimacy: dict[str, float]


@dataclass(frozen=True)
class Lab:
    name: str
    home: str
    capability: float
    safety_investment: float
    openness: float
    track2_propensity: float


@dataclass(frozen=True)
class Venue:
    """A configured venue: who is invited, how depth is decided, when it meets."""

    name: str
    type: str
    host: str
    decision: str
    invite: tuple[str, ...] | str  # "all", "like_minded", or explicit names
    also_invite: tuple[str, ...]
    exclude: tuple[str, ...]
    ambition: float
    verification: float
    labs: tuple[str, ...] | str  # "none", "all" or names
    months: tuple[int, ...]  # 0-based month indices of sessions
    every: int  # recurrence in months after the last listed session (0: none)
    label: str
    series: str = ""  # the regime this venue's texts renew (default: the venue's own name)

    def __post_init__(self) -> None:
        if not self.series:
            object.__setattr__(self, "series", self.name)


@dataclass(frozen=True)
class Event:
    """An exogenous shock at a month: controls, rivalry, risk_concern, hawkishness, legitimacy,
    or a change of government (several attributes at once, optionally withdrawing from the
    regimes in force)."""

    id: str
    month: int
    kind: str
    actor: str
    targets: tuple[str, ...]
    delta: float
    venue_type: str | None = None
    changes: tuple[tuple[str, float], ...] = ()  # government: (attribute, delta)
    withdraw: bool = False  # government: leave every regime in force


@dataclass(frozen=True)
class CounterForum:
    """A leading power's own forum, convened when its camp is shut out (endogenous)."""

    type: str
    decision: str
    ambition: float
    verification: float
    every: int
    delay: int


@dataclass(frozen=True)
class Scenario:
    name: str
    start: tuple[int, int]  # (year, month) of step 1
    countries: tuple[Country, ...]
    labs: tuple[Lab, ...]
    venues: tuple[Venue, ...]
    events: tuple[Event, ...]
    params: dict[str, float]
    provenance: dict[str, dict[str, Any]]
    alliances: tuple[tuple[str, ...], ...]
    partnerships: tuple[tuple[str, ...], ...]
    initial_alignment: str
    counter_forum: CounterForum | None


@dataclass(frozen=True)
class Outcome:
    depth_threshold: float  # a shared regime at least this deep ...
    coverage_threshold: float  # ... covering at least this share of world capability
    polarization_high: float  # bifurcation: at least this; cooperation: below it
    camp_threshold: float  # |alignment| that counts as being in a camp
    window: int  # months over which polarization is averaged at the end


OUTCOME_FIELDS = ("depth_threshold", "coverage_threshold", "polarization_high", "camp_threshold")


@dataclass(frozen=True)
class RunConfig:
    scenario: Scenario
    seed: int
    steps: int
    outcome: Outcome
    config_hash: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)


# ---------------------------------------------------------------------------------------------
# small validators: each raises ConfigError(key, value, allowed)


def bound(x: float) -> str:
    """A bound as written in messages: ``0.0``, ``1``, ``100.0``, ``1e+09``."""
    return f"{x:g}" if abs(x) >= 1e6 else str(x)


def _num(key: str, value: Any, lo: float = -INF, hi: float = INF) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, value, f"must be a number in [{bound(lo)}, {bound(hi)}]")
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(key, value, f"must be a finite number in [{bound(lo)}, {bound(hi)}]")
    if not lo <= v <= hi:
        raise ConfigError(key, value, f"must be in [{bound(lo)}, {bound(hi)}]")
    return v


def _int(key: str, value: Any, lo: int, hi: int | None = None) -> int:
    allowed = f"must be an integer >= {lo}" if hi is None else \
        f"must be an integer in [{lo}, {hi}]"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, value, allowed)
    if value < lo or (hi is not None and value > hi):
        raise ConfigError(key, value, allowed)
    return int(value)


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(key, value, f"must be one of {', '.join(allowed)}")
    return value


def _names(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, value, "must be a list of actor names")
    return tuple(value)


def _mapping(key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(key, value, "must be a mapping")
    return value


def _only(key: str, mapping: dict, allowed: tuple[str, ...]) -> None:
    for k in mapping:
        if k not in allowed:
            raise ConfigError(f"{key}.{k}", mapping[k],
                              f"unknown key; allowed: {', '.join(allowed)}")


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


def parse_month(key: str, value: Any) -> tuple[int, int]:
    """'2023-07' or '2023-07-18' -> (2023, 7); years outside :data:`YEARS` are refused."""
    m = MONTH_RE.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(key, value, "must be a month 'YYYY-MM' (or a date 'YYYY-MM-DD')")
    if not YEARS[0] <= int(m.group(1)) <= YEARS[1]:
        raise ConfigError(key, value, f"must be a month of the years {YEARS[0]}-{YEARS[1]}")
    return int(m.group(1)), int(m.group(2))


def month_index(start: tuple[int, int], ym: tuple[int, int]) -> int:
    """Months from the start month (0 = the month of step 1); negative before the start."""
    return (ym[0] - start[0]) * 12 + (ym[1] - start[1])


@functools.cache
def month_label(start: tuple[int, int], index: int) -> str:
    y, m = divmod(start[0] * 12 + start[1] - 1 + index, 12)
    return f"{y:04d}-{m + 1:02d}"


# ---------------------------------------------------------------------------------------------


def _param(key: str, name: str, node: Any) -> tuple[float, dict]:
    spec = PARAMETERS[name]
    if isinstance(node, dict):
        _only(key, node, ("value", "range", "source"))
        if "value" not in node:
            raise ConfigError(f"{key}.value", None, "is required")
        raw, source, rng = node["value"], node.get("source"), node.get("range")
    else:
        raw, source, rng = node, "override: command line", None
    if spec.kind is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{key}.value", raw, "must be true or false")
        value = float(raw)
    else:
        value = _num(f"{key}.value" if isinstance(node, dict) else key, raw, spec.lo, spec.hi)
    if rng is not None:
        if not isinstance(rng, list) or len(rng) != 2:
            raise ConfigError(f"{key}.range", rng, "must be [low, high]")
        lo = _num(f"{key}.range", rng[0], spec.lo, spec.hi)
        hi = _num(f"{key}.range", rng[1], spec.lo, spec.hi)
        if lo > hi:
            raise ConfigError(f"{key}.range", rng, "low must not exceed high")
        if not lo <= value <= hi:
            raise ConfigError(f"{key}.value", raw, f"must lie in its declared range [{lo}, {hi}]")
        rng = [lo, hi]
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(f"{key}.source", source, "every value needs its provenance")
    return value, {"value": raw, "range": rng, "source": source}


def _countries(node: dict) -> tuple[Country, ...]:
    out = []
    for name, c in _mapping("scenario.countries", node).items():
        key = f"scenario.countries.{name}"
        c = _mapping(key, c)
        _only(key, c, ("bloc", "legitimacy", "source", *COUNTRY_FIELDS))
        vals = {}
        for f in COUNTRY_FIELDS:
            if f not in c:
                raise ConfigError(f"{key}.{f}", None, "is required")
            lo, hi = _field_bounds(f)
            vals[f] = _num(f"{key}.{f}", c[f], lo, hi)
        leg = _mapping(f"{key}.legitimacy", c.get("legitimacy"))
        _only(f"{key}.legitimacy", leg, VENUE_TYPES)
        legit = {t: _num(f"{key}.legitimacy.{t}", leg.get(t), 0.0, 1.0) for t in VENUE_TYPES}
        if not isinstance(c.get("bloc"), str):
            raise ConfigError(f"{key}.bloc", c.get("bloc"), "must name a bloc")
        _sources(key, c, COUNTRY_FIELDS + ("bloc", "legitimacy"))
        out.append(Country(name=name, bloc=c["bloc"], legitimacy=legit, **vals))
    if len(out) < 2:
        raise ConfigError("scenario.countries", len(out), "needs at least two countries")
    return tuple(out)


def _field_bounds(f: str) -> tuple[float, float]:
    if f == "capability":
        return 0.0, MAX_CAPABILITY
    if f == "un_ideal_point":
        return IDEAL_POINT_RANGE
    return 0.0, 1.0


SYNTHETIC_RANGES = ("capability", "hawkishness", "risk_concern", "commitment", "un_ideal_point")


def _synthetic(node: dict | None) -> tuple[Country, ...]:
    """Small states for scale studies: ``count`` countries of bloc ``nonaligned`` whose
    attributes are drawn uniformly from the given ranges with their own ``seed`` (so the roster
    is the same for every run seed). No chip supply; implemented = 0.8 x commitment."""
    if not node:
        return ()
    key = "scenario.synthetic_states"
    node = _mapping(key, node)
    _only(key, node, ("count", "seed", "legitimacy", "source", *SYNTHETIC_RANGES))
    count = _int(f"{key}.count", node.get("count"), 0, 5000)
    seed = _int(f"{key}.seed", node.get("seed", 0), 0)
    if not isinstance(node.get("source"), str) or not node["source"].strip():
        raise ConfigError(f"{key}.source", node.get("source"), "needs its provenance")
    ranges = {}
    for f in SYNTHETIC_RANGES:
        r = node.get(f)
        if not isinstance(r, list) or len(r) != 2:
            raise ConfigError(f"{key}.{f}", r, "must be a range [low, high]")
        lo_v, hi_v = (_num(f"{key}.{f}", x, *_field_bounds(f)) for x in r)
        if lo_v > hi_v:
            raise ConfigError(f"{key}.{f}", r, "low must not exceed high")
        ranges[f] = (lo_v, hi_v)
    leg = _mapping(f"{key}.legitimacy", node.get("legitimacy"))
    legit = {t: _num(f"{key}.legitimacy.{t}", leg.get(t), 0.0, 1.0) for t in VENUE_TYPES}
    rng = np.random.default_rng(seed)
    draws = {f: rng.uniform(lo, hi, count) for f, (lo, hi) in ranges.items()}
    return tuple(Country(name=f"State {i + 1:03d}", bloc="nonaligned",
                         capability=float(draws["capability"][i]), chip_supply=0.0,
                         hawkishness=float(draws["hawkishness"][i]),
                         risk_concern=float(draws["risk_concern"][i]),
                         commitment=float(draws["commitment"][i]),
                         implemented=0.8 * float(draws["commitment"][i]),
                         un_ideal_point=float(draws["un_ideal_point"][i]), legitimacy=legit)
                 for i in range(count))


def _sources(key: str, node: dict, fields: tuple[str, ...]) -> None:
    """Each attribute needs a source entry, or a '*' entry covering the rest."""
    src = node.get("source")
    if not isinstance(src, dict):
        raise ConfigError(f"{key}.source", src, "must map attributes (or '*') to provenance")
    for f in fields:
        text = src.get(f, src.get("*"))
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{key}.source.{f}", text, "every value needs its provenance")


def _labs(node: dict, countries: set[str]) -> tuple[Lab, ...]:
    out = []
    for name, lab in _mapping("scenario.labs", node or {}).items():
        key = f"scenario.labs.{name}"
        lab = _mapping(key, lab)
        _only(key, lab, ("home", "source", *LAB_FIELDS))
        if lab.get("home") not in countries:
            raise ConfigError(f"{key}.home", lab.get("home"),
                              f"must be a country of the roster ({', '.join(sorted(countries))})")
        vals = {f: _num(f"{key}.{f}", lab.get(f), 0.0, 1.0) for f in LAB_FIELDS}
        _sources(key, lab, LAB_FIELDS + ("home",))
        out.append(Lab(name=name, home=lab["home"], **vals))
    return tuple(out)


def _venues(node: dict, start, countries: set[str], labs: set[str], steps: int):
    out = []
    allowed_keys = ("type", "host", "decision", "invite", "also_invite", "exclude", "ambition",
                    "verification", "labs", "calendar", "every", "label", "series", "source")
    for name, v in _mapping("scenario.venues", node or {}).items():
        key = f"scenario.venues.{name}"
        v = _mapping(key, v)
        _only(key, v, allowed_keys)
        vtype = _choice(f"{key}.type", v.get("type"), VENUE_TYPES)
        decision = _choice(f"{key}.decision", v.get("decision"), DECISION_RULES)
        host = v.get("host")
        if host is None and vtype == "track2":
            host = ""
        elif host not in countries and host not in labs:
            raise ConfigError(f"{key}.host", host, "must be an actor of the roster (null only "
                              "for a privately mediated track-two venue)")
        invite = v.get("invite", "all")
        if invite not in ("all", "like_minded", "none"):
            invite = _names(f"{key}.invite", invite)
        for field_name in ("invite", "also_invite", "exclude"):
            names = v.get(field_name, [])
            if isinstance(names, str) and names in ("all", "like_minded", "none"):
                continue
            for n in _names(f"{key}.{field_name}", names):
                if n not in countries:
                    raise ConfigError(f"{key}.{field_name}", n,
                                      "must name a country of the roster")
        vlabs = v.get("labs", "none")
        if vlabs not in ("none", "all"):
            vlabs = _names(f"{key}.labs", vlabs)
            for n in vlabs:
                if n not in labs:
                    raise ConfigError(f"{key}.labs", n, "must name a lab of the roster")
        cal = v.get("calendar", [])
        if not isinstance(cal, list):
            raise ConfigError(f"{key}.calendar", cal, "must be a list of months 'YYYY-MM'")
        months = tuple(sorted(month_index(start, parse_month(f"{key}.calendar", m)) for m in cal))
        if months and months[0] < 0:
            raise ConfigError(f"{key}.calendar", cal, "sessions must not precede the start month")
        if not isinstance(v.get("source"), str) or not v["source"].strip():
            raise ConfigError(f"{key}.source", v.get("source"), "every venue needs its provenance")
        if vtype == "bilateral" and (not isinstance(invite, tuple) or len(invite) != 2):
            raise ConfigError(f"{key}.invite", invite, "a bilateral venue invites two countries")
        out.append(Venue(
            name=name, type=vtype, host=host, decision=decision, invite=invite,
            also_invite=_names(f"{key}.also_invite", v.get("also_invite", [])),
            exclude=_names(f"{key}.exclude", v.get("exclude", [])),
            ambition=_num(f"{key}.ambition", v.get("ambition"), 0.0, 1.0),
            verification=_num(f"{key}.verification", v.get("verification"), 0.0, 1.0),
            labs=vlabs, months=months,
            every=_int(f"{key}.every", v.get("every", 0), 0),
            label=str(v.get("label", name)),
            series=_series(f"{key}.series", v.get("series", name)),
        ))
    return tuple(out)


def _series(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, value, "must name the regime the venue's texts renew")
    return value


EVENT_KINDS = ("controls", "rivalry", "risk_concern", "hawkishness", "legitimacy", "government")
GOVERNMENT_CHANGES = ("risk_concern", "hawkishness", *(f"legitimacy.{t}" for t in VENUE_TYPES))


def _events(node: dict, start, countries: set[str]) -> tuple[Event, ...]:
    out = []
    for eid, e in _mapping("scenario.events", node or {}).items():
        key = f"scenario.events.{eid}"
        e = _mapping(key, e)
        _only(key, e, ("date", "kind", "actor", "targets", "delta", "venue_type", "changes",
                       "withdraw", "source"))
        kind = _choice(f"{key}.kind", e.get("kind"), EVENT_KINDS)
        if e.get("actor") not in countries:
            raise ConfigError(f"{key}.actor", e.get("actor"), "must be a country of the roster")
        targets = _names(f"{key}.targets", e.get("targets", []))
        for t in targets:
            if t not in countries:
                raise ConfigError(f"{key}.targets", t, "must name countries of the roster")
        if kind in ("controls", "rivalry") and not targets:
            raise ConfigError(f"{key}.targets", [], f"a {kind} event needs targets")
        vt = e.get("venue_type")
        if kind == "legitimacy":
            _choice(f"{key}.venue_type", vt, VENUE_TYPES)
        if not isinstance(e.get("source"), str) or not e["source"].strip():
            raise ConfigError(f"{key}.source", e.get("source"), "every event needs its provenance")
        month = month_index(start, parse_month(f"{key}.date", e.get("date")))
        changes: tuple[tuple[str, float], ...] = ()
        withdraw = False
        if kind == "government":
            ch = _mapping(f"{key}.changes", e.get("changes") or {})
            flat = {}
            for attr, val in ch.items():
                if attr == "legitimacy":
                    for t, d in _mapping(f"{key}.changes.legitimacy", val).items():
                        flat[f"legitimacy.{t}"] = d
                else:
                    flat[attr] = val
            for attr, val in flat.items():
                if attr not in GOVERNMENT_CHANGES:
                    allowed = ", ".join(GOVERNMENT_CHANGES)
                    raise ConfigError(f"{key}.changes.{attr}", val,
                                      f"unknown attribute; allowed: {allowed}")
            changes = tuple((a, _num(f"{key}.changes.{a}", v, -1.0, 1.0)) for a, v in flat.items())
            withdraw = e.get("withdraw", False)
            if not isinstance(withdraw, bool):
                raise ConfigError(f"{key}.withdraw", withdraw, "must be true or false")
            if not changes and not withdraw:
                raise ConfigError(f"{key}.changes", None,
                                  "a change of government changes something or withdraws")
        elif "changes" in e or "withdraw" in e:
            raise ConfigError(f"{key}.changes", e.get("changes", e.get("withdraw")),
                              "only a 'government' event takes changes or withdraw")
        delta = 0.0 if kind == "government" else _num(f"{key}.delta", e.get("delta"), -1.0, 1.0)
        out.append(Event(id=eid, month=month, kind=kind, actor=e["actor"], targets=targets,
                         delta=delta, venue_type=vt, changes=changes, withdraw=withdraw))
    return tuple(sorted(out, key=lambda ev: ev.month))


def _params(sc: dict) -> tuple[dict[str, float], dict[str, dict]]:
    values: dict[str, float] = {}
    prov: dict[str, dict] = {}
    for section in SECTIONS:
        for name, node in _mapping(f"scenario.{section}", sc.get(section) or {}).items():
            key = f"scenario.{section}.{name}"
            if name not in PARAMETERS:
                raise ConfigError(key, node, "unknown parameter; see docs/ODD.md for the list")
            if name in values:
                raise ConfigError(key, node, "declared in more than one section")
            values[name], p = _param(key, name, node)
            prov[name] = {"section": section, **p}
    missing = [n for n in PARAMETERS if n not in values]
    if missing:
        raise ConfigError(f"scenario.constants.{missing[0]}", None,
                          f"is required ({len(missing)} parameter(s) missing)")
    return values, prov


def build_scenario(sc: dict, steps: int = 60) -> Scenario:
    """Validate a plain-dict scenario (as composed by Hydra) into a :class:`Scenario`."""
    _only("scenario", sc, ("name", "description", "start", "levers", "uncertainties",
                           "constants", "relations", "countries", "labs", "venues", "events",
                           "synthetic_states", "initial_alignment", "counter_forum"))
    start = parse_month("scenario.start", sc.get("start"))
    countries = _countries(sc.get("countries")) + _synthetic(sc.get("synthetic_states"))
    cnames = {c.name for c in countries}
    labs = _labs(sc.get("labs"), cnames)
    lnames = {lab.name for lab in labs}
    if cnames & lnames:
        raise ConfigError("scenario.labs", sorted(cnames & lnames)[0], "is also a country name")
    venues = _venues(sc.get("venues"), start, cnames, lnames, steps)
    events = _events(sc.get("events"), start, cnames)
    values, prov = _params(sc)
    alliances, partnerships = _relations(sc.get("relations"), cnames)
    mode = sc.get("initial_alignment", "relations")
    _choice("scenario.initial_alignment", mode, INITIAL_ALIGNMENT)
    return Scenario(
        name=str(sc.get("name", "unnamed")), start=start, countries=countries, labs=labs,
        venues=venues, events=events, params=values, provenance=prov, alliances=alliances,
        partnerships=partnerships, initial_alignment=mode,
        counter_forum=_counter_forum(sc.get("counter_forum")),
    )


def _relations(node: Any, cnames: set[str]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Groups of countries tied by alliance or by partnership (pairwise facts, cited)."""
    rel = _mapping("scenario.relations", node)
    _only("scenario.relations", rel, ("alliances", "partnerships", "source"))
    src = rel.get("source")
    if not isinstance(src, dict) or not all(isinstance(src.get(k), str) and src[k].strip()
                                            for k in ("alliances", "partnerships")):
        raise ConfigError("scenario.relations.source", src,
                          "must give the provenance of alliances and partnerships")
    out = []
    for kind in ("alliances", "partnerships"):
        groups = rel.get(kind) or {}
        groups = _mapping(f"scenario.relations.{kind}", groups)
        parsed = []
        for gname, members in groups.items():
            key = f"scenario.relations.{kind}.{gname}"
            names = _names(key, members)
            for n in names:
                if n not in cnames:
                    raise ConfigError(key, n, "must name countries of the roster")
            parsed.append(names)
        out.append(tuple(parsed))
    return out[0], out[1]


def _counter_forum(node: Any) -> CounterForum | None:
    if node is None:
        return None
    key = "scenario.counter_forum"
    cf = _mapping(key, node)
    _only(key, cf, ("type", "decision", "ambition", "verification", "every", "delay", "source"))
    if not isinstance(cf.get("source"), str) or not cf["source"].strip():
        raise ConfigError(f"{key}.source", cf.get("source"), "needs its provenance")
    every = _int(f"{key}.every", cf.get("every"), 1)
    delay = _int(f"{key}.delay", cf.get("delay", 1), 0)
    return CounterForum(
        type=_choice(f"{key}.type", cf.get("type"), VENUE_TYPES),
        decision=_choice(f"{key}.decision", cf.get("decision"), decision_rules.FORUM_RULES),
        ambition=_num(f"{key}.ambition", cf.get("ambition"), 0.0, 1.0),
        verification=_num(f"{key}.verification", cf.get("verification"), 0.0, 1.0),
        every=every, delay=delay)


TOP_KEYS = ("scenario", "seed", "steps", "outcome", "replicates")


def build_run_config(cfg: DictConfig | dict) -> RunConfig:
    """Validate a composed config (Hydra DictConfig or plain dict) into a :class:`RunConfig`."""
    if isinstance(cfg, (DictConfig, ListConfig)):
        data = _resolved(cfg)
    else:
        data = cfg
    data = {k: v for k, v in data.items() if k != "hydra"}
    _only("config", data, TOP_KEYS)
    seed = check_seed(data.get("seed"))
    steps = _int("steps", data.get("steps"), 1)
    if steps > MAX_STEPS:
        raise ConfigError("steps", steps, f"must be an integer in [1, {MAX_STEPS}] (months)")
    if "replicates" in data:
        _int("replicates", data["replicates"], 1, MAX_REPLICATES)
    oc = _mapping("outcome", data.get("outcome"))
    _only("outcome", oc, (*OUTCOME_FIELDS, "window"))
    outcome = Outcome(**{k: _num(f"outcome.{k}", oc.get(k), 0.0, 1.0) for k in OUTCOME_FIELDS},
                      window=_int("outcome.window", oc.get("window"), 1))
    scenario = build_scenario(_mapping("scenario", data.get("scenario")), steps)
    check_growth(scenario, steps)
    return RunConfig(scenario=scenario, seed=seed, steps=steps, outcome=outcome,
                     config_hash=config_hash(data), raw=data)


def _resolved(cfg: DictConfig | ListConfig) -> dict:
    """The config as plain data, interpolations resolved; a missing value (``???``) or one
    that cannot be resolved is named."""
    from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

    try:
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except MissingMandatoryValue as exc:
        raise ConfigError(getattr(exc, "full_key", None) or "config", "???",
                          "is required (no value given)") from None
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "config"
        raw = OmegaConf.to_container(cfg, resolve=False)
        for part in key.split("."):
            raw = raw.get(part) if isinstance(raw, dict) else None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(key, raw, f"cannot be resolved ({reason})") from None


def check_seed(seed: Any) -> int:
    """A run seed: an integer in [0, MAX_SEED]."""
    return _int("seed", seed, 0, MAX_SEED)


def check_growth(sc: Scenario, steps: int) -> None:
    """Refuse settings under which capability would compound past what the model can draw.

    The incident hazard of a month is at most incident_rate x (1 + openness_hazard) x the
    world's capability (countries plus their labs' shares), and capability grows at most by a
    factor 1 + capability_growth a month; over ``steps`` months that bound must stay below
    :data:`MAX_HAZARD`. Only settings far outside every plausible range are refused.
    """
    p = sc.params
    home = {c.name: c.capability for c in sc.countries}
    world = sum(home.values()) + sum(lab.capability * home[lab.home] for lab in sc.labs)
    start = p["incident_rate"] * (1.0 + p["openness_hazard"]) * world
    if start <= 0:
        return
    growth = p["capability_growth"]
    room = math.log10(MAX_HAZARD) - math.log10(start)
    if steps * math.log1p(growth) / math.log(10) <= room:
        return
    g_max = 10 ** (room / steps) - 1 if room > 0 else 0.0
    section = sc.provenance["capability_growth"]["section"]
    raise ConfigError(
        f"scenario.{section}.capability_growth", growth,
        f"with incident_rate={p['incident_rate']:g}, openness_hazard={p['openness_hazard']:g} "
        f"and {steps} months, capability could compound {(1 + growth) ** steps:.1e}-fold and "
        f"the incident hazard pass {MAX_HAZARD:.0e} a month, more than the model can draw; "
        f"at most {g_max:.4g} (or a lower incident_rate, or fewer months)")


def config_hash(data: dict) -> str:
    """16 hex digits identifying a run: scenario, seed, steps and outcome settings."""
    return hashlib.sha256(json.dumps(
        {k: data[k] for k in ("scenario", "seed", "steps", "outcome")},
        sort_keys=True, default=str).encode()).hexdigest()[:16]


def scenario_dirs() -> list[Path]:
    """Folders of scenario files, in the order a name is looked up: the library (package data),
    then the folders of ``AIGOV_SCENARIOS`` (and of ``hydra.searchpath`` roots on the command
    line, which :mod:`sim.cli` adds to it), as Hydra's search path orders them."""
    from hydra_plugins.aigov_scenarios import scenario_folders

    return [SCENARIO_DIR, *(Path(f) for f in scenario_folders() if Path(f) != SCENARIO_DIR)]


def available_scenarios() -> list[str]:
    """Names of every scenario in :func:`scenario_dirs`, sorted, each once."""
    return sorted({p.stem for d in scenario_dirs() for p in d.glob("*.yaml")})
