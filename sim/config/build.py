"""From a composed config to the run settings the model reads (:mod:`sim.config.settings`).

Data flows one way: ``conf/`` + ``scenarios/*.yaml`` are composed by Hydra into one DictConfig;
:func:`build_run_config` validates its shape with the pydantic documents of
:mod:`sim.config.models`, then checks what relates one part of the scenario to another (every
name on the roster, every date after the start, the parameters of :mod:`sim.config.params`)
while building the frozen dataclasses. Nothing downstream re-reads YAML, and no default is
repeated in code: every value comes from a scenario.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf
from pydantic import TypeAdapter

from sim.config.calendar import month_index, parse_month
from sim.config.messages import check, validate
from sim.config.models import RunDoc, ScenarioDoc, Seed
from sim.config.params import check_growth, params
from sim.config.schema import COUNTRY_FIELDS, LAB_FIELDS, SYNTHETIC_RANGES
from sim.config.settings import (
    CounterForum,
    Country,
    Event,
    Lab,
    Outcome,
    RunConfig,
    Scenario,
    Venue,
)
from sim.errors import ConfigError

TOP_KEYS = ("scenario", "seed", "steps", "outcome", "replicates")
SEED = TypeAdapter(Seed)


def build_run_config(cfg: DictConfig | dict) -> RunConfig:
    """Validate a composed config (Hydra DictConfig or plain dict) into a :class:`RunConfig`."""
    data = _resolved(cfg) if isinstance(cfg, (DictConfig, ListConfig)) else cfg
    if not isinstance(data, dict):
        raise ConfigError("config", data, "must be a mapping")
    data = {k: v for k, v in data.items() if k != "hydra"}
    doc = validate(RunDoc, data)
    scenario = scenario_of(doc.scenario, data["scenario"], doc.steps)
    check_growth(scenario, doc.steps)
    outcome = Outcome(**doc.outcome.model_dump())
    return RunConfig(scenario=scenario, seed=doc.seed, steps=doc.steps, outcome=outcome,
                     config_hash=config_hash(data), raw=data)


def build_scenario(sc: dict, steps: int = 60) -> Scenario:
    """Validate a plain-dict scenario (as composed by Hydra) into a :class:`Scenario`."""
    return scenario_of(validate(ScenarioDoc, sc, "scenario"), sc, steps)


def scenario_of(doc: ScenarioDoc, sc: dict, steps: int) -> Scenario:
    """The scenario of a validated document ``doc`` (``sc``: the same as plain data, whose
    parameter sections :func:`sim.config.params.params` reads)."""
    start = parse_month("scenario.start", doc.start)
    if len(doc.countries) < 2:
        raise ConfigError("scenario.countries", len(doc.countries),
                          "needs at least two countries")
    countries = tuple(Country(name=name, bloc=c.bloc, legitimacy=c.legitimacy.model_dump(),
                              **{f: getattr(c, f) for f in COUNTRY_FIELDS})
                      for name, c in doc.countries.items()) + synthetic_states(doc)
    cnames = {c.name for c in countries}
    labs = _labs(doc.labs or {}, cnames)
    lnames = {lab.name for lab in labs}
    if cnames & lnames:
        raise ConfigError("scenario.labs", sorted(cnames & lnames)[0], "is also a country name")
    venues = tuple(_venue(name, v, start, cnames, lnames) for name, v in (doc.venues or {}).items())
    events = tuple(sorted((_event(eid, e, start, cnames) for eid, e in (doc.events or {}).items()),
                          key=lambda ev: ev.month))
    values, prov = params(sc)
    alliances = _groups("alliances", doc.relations.alliances, cnames)
    partnerships = _groups("partnerships", doc.relations.partnerships, cnames)
    cf = doc.counter_forum
    return Scenario(
        name=str(doc.name), start=start, countries=countries, labs=labs, venues=venues,
        events=events, params=values, provenance=prov, alliances=alliances,
        partnerships=partnerships, initial_alignment=doc.initial_alignment,
        counter_forum=None if cf is None else CounterForum(**cf.model_dump(exclude={"source"})),
    )


def synthetic_states(doc: ScenarioDoc) -> tuple[Country, ...]:
    """Small states for scale studies: ``count`` countries of bloc ``nonaligned`` whose
    attributes are drawn uniformly from the given ranges with their own ``seed`` (so the roster
    is the same for every run seed). No chip supply; implemented = 0.8 x commitment."""
    node = doc.synthetic_states
    if node is None:
        return ()
    legit = node.legitimacy.model_dump()
    rng = np.random.default_rng(node.seed)
    draws = {f: rng.uniform(*getattr(node, f), node.count)
             for f in SYNTHETIC_RANGES}
    return tuple(Country(name=f"State {i + 1:03d}", bloc="nonaligned",
                         capability=float(draws["capability"][i]), chip_supply=0.0,
                         hawkishness=float(draws["hawkishness"][i]),
                         risk_concern=float(draws["risk_concern"][i]),
                         commitment=float(draws["commitment"][i]),
                         implemented=0.8 * float(draws["commitment"][i]),
                         un_ideal_point=float(draws["un_ideal_point"][i]), legitimacy=legit)
                 for i in range(node.count))


def _on_roster(key: str, names: tuple[str, ...], roster: set[str], allowed: str) -> None:
    for n in names:
        if n not in roster:
            raise ConfigError(key, n, allowed)


def _labs(docs: dict, countries: set[str]) -> tuple[Lab, ...]:
    out = []
    for name, lab in docs.items():
        if lab.home not in countries:
            raise ConfigError(f"scenario.labs.{name}.home", lab.home,
                              f"must be a country of the roster ({', '.join(sorted(countries))})")
        out.append(Lab(name=name, home=lab.home, **{f: getattr(lab, f) for f in LAB_FIELDS}))
    return tuple(out)


def _venue(name: str, v, start: tuple[int, int], countries: set[str], labs: set[str]) -> Venue:
    key = f"scenario.venues.{name}"
    host = v.host
    if host is None and v.type == "track2":
        host = ""
    elif host not in countries and host not in labs:
        raise ConfigError(f"{key}.host", host, "must be an actor of the roster (null only "
                          "for a privately mediated track-two venue)")
    for field_name in ("invite", "also_invite", "exclude"):
        names = getattr(v, field_name)
        if isinstance(names, tuple):
            _on_roster(f"{key}.{field_name}", names, countries,
                       "must name a country of the roster")
    if isinstance(v.labs, tuple):
        _on_roster(f"{key}.labs", v.labs, labs, "must name a lab of the roster")
    months = tuple(sorted(month_index(start, parse_month(f"{key}.calendar", m))
                          for m in v.calendar))
    if months and months[0] < 0:
        raise ConfigError(f"{key}.calendar", v.calendar,
                          "sessions must not precede the start month")
    return Venue(name=name, type=v.type, host=host, decision=v.decision, invite=v.invite,
                 also_invite=v.also_invite, exclude=v.exclude, ambition=v.ambition,
                 verification=v.verification, labs=v.labs, months=months, every=v.every,
                 label=name if v.label is None else str(v.label),
                 series=name if v.series is None else v.series)


def _event(eid: str, e, start: tuple[int, int], countries: set[str]) -> Event:
    key = f"scenario.events.{eid}"
    if e.actor not in countries:
        raise ConfigError(f"{key}.actor", e.actor, "must be a country of the roster")
    _on_roster(f"{key}.targets", e.targets, countries, "must name countries of the roster")
    month = month_index(start, parse_month(f"{key}.date", e.date))
    government = e.kind == "government"
    return Event(id=eid, month=month, kind=e.kind, actor=e.actor, targets=e.targets,
                 delta=0.0 if government else e.delta, venue_type=e.venue_type,
                 changes=tuple((e.changes or {}).items()) if government else (),
                 withdraw=e.withdraw if government else False)


def _groups(kind: str, groups: dict | None, cnames: set[str]) -> tuple[tuple[str, ...], ...]:
    for gname, members in (groups or {}).items():
        _on_roster(f"scenario.relations.{kind}.{gname}", members, cnames,
                   "must name countries of the roster")
    return tuple((groups or {}).values())


def _resolved(cfg: DictConfig | ListConfig) -> Any:
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
    return check(SEED, "seed", seed)


def config_hash(data: dict) -> str:
    """16 hex digits identifying a run: scenario, seed, steps and outcome settings."""
    return hashlib.sha256(json.dumps(
        {k: data[k] for k in ("scenario", "seed", "steps", "outcome")},
        sort_keys=True, default=str).encode()).hexdigest()[:16]

