"""Scenario parameters: ``{value, range, source}`` per name, checked against :data:`PARAMETERS`.

A scenario gives every parameter of the schema once, in one of the sections levers,
uncertainties and constants. The value must lie within the parameter's hard bounds and within
its declared plausible range (used by sensitivity analysis); the source is its provenance. A
command-line override may replace the whole entry by a bare number, whose provenance is then
recorded as ``override: command line``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from sim.config.fields import Bool, Num, Range, Text, adapter
from sim.config.messages import check, validate
from sim.config.models import ParamDoc
from sim.config.schema import MAX_HAZARD, PARAMETERS, SECTIONS, ParamSpec
from sim.errors import ConfigError

PROVENANCE = Text("every value needs its provenance")


@functools.cache
def _types(spec: ParamSpec) -> tuple[Any, Any]:
    """(value, range) validators of one parameter."""
    value = adapter(Bool) if spec.kind is bool else adapter(Num(spec.lo, spec.hi))
    return value, adapter(Range(spec.lo, spec.hi, "must be [low, high]"))


def params(sc: dict) -> tuple[dict[str, float], dict[str, dict]]:
    """Values (floats; a switch is 0.0 or 1.0) and provenance of every parameter, from the
    sections of a plain-dict scenario whose sections are known to be mappings or null."""
    values: dict[str, float] = {}
    prov: dict[str, dict] = {}
    for section in SECTIONS:
        for name, node in (sc.get(section) or {}).items():
            key = f"scenario.{section}.{name}"
            if name not in PARAMETERS:
                raise ConfigError(key, node, "unknown parameter; see docs/ODD.md for the list")
            if name in values:
                raise ConfigError(key, node, "declared in more than one section")
            values[name], p = param(key, name, node)
            prov[name] = {"section": section, **p}
    missing = [n for n in PARAMETERS if n not in values]
    if missing:
        raise ConfigError(f"scenario.constants.{missing[0]}", None,
                          f"is required ({len(missing)} parameter(s) missing)")
    return values, prov


def param(key: str, name: str, node: Any) -> tuple[float, dict]:
    """One parameter's value and its provenance entry (value as written, range, source)."""
    spec = PARAMETERS[name]
    value_type, range_type = _types(spec)
    if isinstance(node, dict):
        doc = validate(ParamDoc, node, key)
        raw, source, rng = doc.value, doc.source, doc.range
        value_key = f"{key}.value"
    else:
        raw, source, rng = node, "override: command line", None
        value_key = key if spec.kind is not bool else f"{key}.value"
    value = float(check(value_type, value_key, raw))
    if rng is not None:
        lo, hi = check(range_type, f"{key}.range", rng)
        if lo > hi:
            raise ConfigError(f"{key}.range", rng, "low must not exceed high")
        if not lo <= value <= hi:
            raise ConfigError(f"{key}.value", raw, f"must lie in its declared range [{lo}, {hi}]")
        rng = [lo, hi]
    check(adapter(PROVENANCE), f"{key}.source", source)
    return value, {"value": raw, "range": rng, "source": source}


def check_growth(sc, steps: int) -> None:
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
