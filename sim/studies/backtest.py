"""Back-test: replay a file of real governance outcomes and score who the model says endorses.

The events file (``data/governance_events_2023_2024.yaml``; schema in its header) lists real
outcomes: for each, the venue type, date, host, who was at the table and who endorsed. The
back-test turns every outcome into one venue session of the ``history`` scenario (the baseline's
roster and dynamics, its own calendar replaced), feeds the file's export controls and context
changes as shocks, runs the model over several seeds and compares the simulated signatories with
``endorsed`` (docs/VALIDATION.md, section 2). Who endorses is never an input: ``endorsed`` and
``not_endorsed`` enter only the score, except as evidence of presence when ``present`` is free
text (endorsers and non-endorsers were at the table by the schema's definition).

Rules, one per schema field, with no case for any particular event:

- ``venue_type`` -> the model's venue type and decision rule (:data:`VENUE_RULES`, after the venue
  table of docs/ODD.md, 6.8); an outcome whose scored actors are all labs is a lab pledge.
- ``instrument`` null -> ambition 0: a dialogue, nothing to sign. Otherwise the ambition of the
  venue type's template, the venue ``history_<venue_type>`` of the scenario (``history_lab_pledge``
  for lab pledges; a scenario without templates, the baseline, gets the median ambition and
  verification of its own venues with the same decision rule), and the verification of the
  text's ``asks`` level (below).
- ``asks`` (optional, this project's extension of the schema: what the text requires of its
  signatories, ``none | reporting | testing``, known before the meeting) -> the verification of
  the level, the venue ``history_asks_<level>`` of the scenario (:data:`ASKS_BOUNDS`; a scenario
  without it gets the level's prior, :data:`ASKS_PRIOR`). Absent (the shared schema has no such
  field): the level is read from the ``instrument``'s title (:func:`infer_asks`: words of testing,
  then of reporting; a title naming neither asks ``none``, a treaty ``reporting``).
- ``present`` -> the invitees ("all UN members": every country of the roster); ``host`` -> the
  first name in it that is a roster actor, else no host.
- regime series (not in the schema): a bilateral channel is one series, every other outcome its
  own (:func:`series_of`). The file is the calendar: no endogenous convening (:func:`history_run`).
- ``export_controls`` / ``context`` -> shocks with signed deltas whose size is the median size
  of the scenario's own shocks of that group (:func:`shock_magnitudes`).

Names outside the roster are ignored; labs match with or without the parenthesised model name
("Alibaba" is "Alibaba (Qwen)").
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import re
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config import (
    DATA_DIR,
    MAX_JOBS,
    MAX_RUNS,
    MAX_STEPS,
    SCENARIO_DIR,
    YEARS,
    Event,
    RunConfig,
    Scenario,
    Venue,
    month_index,
    month_label,
    parse_month,
)
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.model.decision_rules import RULES, Bargaining, Consensus, HostProposal, Pledge

log = logging.getLogger(__name__)

DEFAULT_EVENTS = DATA_DIR / "governance_events_2023_2024.yaml"
HISTORY_YAML = SCENARIO_DIR / "history.yaml"
DEFAULT_OUT = Path("outputs") / "backtest"
KEY_ACTORS = ("United States", "China", "United Kingdom", "EU")
ALL_UN = "all UN members"
RUN_UNTIL = (2025, 12)  # the history run covers at least July 2023 - December 2025
LAB_PLEDGE = "lab_pledge"
TEMPLATE_PREFIX = "history_"
# The optional outcome field `asks` (this project's extension of the schema): what a text requires
# of its signatories, an input known before the meeting. Each level's verification strength is a
# declared value (the venue history_asks_<level> of the scenario) within its range, calibrated
# where a country text of the file uses it; the ranges are ordered so that a text asking more is
# never read as less verifiable. A scenario without the venue (baseline) gets the level's prior:
# `none` is 0 by definition (nothing verifiable is asked) and never fitted; the others the
# midpoint of their range (nothing in the sources puts them nearer either end).
ASKS_LEVELS = ("none", "reporting", "testing")
ASKS_BOUNDS: dict[str, tuple[float, float]] = {"none": (0.0, 0.1), "reporting": (0.1, 0.5),
                                               "testing": (0.5, 1.0)}
ASKS_FIXED = {"none": 0.0}
ASKS_PRIOR = {level: ASKS_FIXED.get(level, 0.5 * (lo + hi))
              for level, (lo, hi) in ASKS_BOUNDS.items()}
ASKS_PREFIX = "asks_"  # template keys asks_<level>: (ambition 0, verification)
# A file without `asks` (the shared schema): the level is read from the instrument's title, the
# text on the table, known before the meeting like `asks` itself. Words that name a verification
# step, the most demanding first; a title naming none asks nothing verifiable (in the annotated
# 2023-24 file every text whose title names neither was read as `none` from its full text), except
# a treaty: a binding text whose parties report on its implementation as a rule.
ASKS_WORDS: tuple[tuple[str, re.Pattern], ...] = (
    ("testing", re.compile(r"\b(test(s|ing|ed)?|evaluat\w*|red[- ]?team\w*|audit\w*|"
                           r"inspect\w*)\b", re.I)),
    ("reporting", re.compile(r"\b(report\w*|publish\w*|disclos\w*|transparen\w*|"
                             r"notif\w*)\b", re.I)),
)
ASKS_DEFAULT = {"treaty": "reporting"}  # venue type -> level of a title naming no step; else none

# schema venue_type -> (model venue type, decision rule); docs/ODD.md 6.8. A treaty is an
# intergovernmental text each state signs or not, negotiated in a multilateral body.
VENUE_RULES: dict[str, tuple[str, str]] = {
    "un": ("un", Consensus.name),
    "summit": ("summit", HostProposal.name),
    "bilateral": ("bilateral", Bargaining.name),
    "track2": ("track2", Pledge.name),
    "treaty": ("un", HostProposal.name),
    LAB_PLEDGE: ("track2", Pledge.name),
}
OUTCOME_FIELDS = ("id", "date", "venue_type", "host", "instrument", "present", "endorsed",
                  "not_endorsed")
CONTROL_FIELDS = ("id", "date", "imposed_by", "targets", "direction")
CONTEXT_FIELDS = ("id", "date", "actor", "variable", "direction")
CONTROL_DIRECTIONS = {"tighten": ("controls", 1.0), "relax": ("controls", -1.0),
                      "rivalry": ("rivalry", 1.0)}
CONTEXT_VARIABLES = {"risk_concern": "risk_concern", "hawkishness": "hawkishness",
                     "rivalry": "rivalry", "venue_legitimacy": "legitimacy"}
CONTEXT_DIRECTIONS = {"up": 1.0, "down": -1.0}
SHOCK_GROUPS = {"controls": "controls", "rivalry": "rivalry", "risk_concern": "attitude",
                "hawkishness": "attitude", "legitimacy": "attitude"}


# ---------------------------------------------------------------------------------------------
# the events file


@dataclass(frozen=True)
class RealOutcome:
    """One outcome of the events file, names as written there."""

    id: str
    ym: tuple[int, int]
    venue_type: str
    host: str
    has_instrument: bool
    present: tuple[str, ...] | str  # a list, ALL_UN, or free text (then: endorsers + others)
    endorsed: tuple[str, ...] | str  # a list or ALL_UN
    not_endorsed: tuple[str, ...]
    labs_present: tuple[str, ...]
    asks: str | None = None  # optional: none | reporting | testing (None: read from the title)
    instrument: str = ""  # the text's title ("" when there is none)


@dataclass(frozen=True)
class RealShock:
    """One export-control or context entry: a shock of ``kind`` with a sign, names as written."""

    id: str
    ym: tuple[int, int]
    kind: str
    actor: str
    targets: tuple[str, ...]
    sign: float
    venue_type: str | None


@dataclass(frozen=True)
class EventsFile:
    path: Path
    outcomes: tuple[RealOutcome, ...]
    shocks: tuple[RealShock, ...]


def _require(where: str, entry: object, fields: Sequence[str]) -> dict:
    if not isinstance(entry, dict):
        raise ConfigError(where, entry, "must be a mapping")
    for f in fields:
        if f not in entry:
            raise ConfigError(f"{where}.{f}", None, "missing required field")
    return entry


def this_month() -> tuple[int, int]:
    """The current (year, month): real outcomes and shocks cannot be dated later."""
    today = dt.date.today()
    return today.year, today.month


def _ym(where: str, value: object) -> tuple[int, int]:
    """A real event's month: a valid date no later than the current month."""
    ym = parse_month(where, value.isoformat() if isinstance(value, dt.date) else value)
    if ym > this_month():
        raise ConfigError(where, str(value), f"must be a month in [{YEARS[0]}-01, "
                          f"{month_label(this_month(), 0)}]: a real event is not dated after the "
                          "current month")
    return ym


def _names(where: str, value: object, *, free_text: bool = False) -> tuple[str, ...] | str:
    """A list of names; ALL_UN; or (``free_text``) any other string, returned as is."""
    if value is None:
        return ()
    if isinstance(value, str):
        if value == ALL_UN or free_text:
            return value
        raise ConfigError(where, value, f"must be a list of names or {ALL_UN!r}")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, value, "must be a list of names")
    return tuple(value)


def _choice(where: str, value: object, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(where, value, f"must be one of {', '.join(allowed)}")
    return str(value)


def _outcome(where: str, e: dict) -> RealOutcome:
    _require(where, e, OUTCOME_FIELDS)
    not_endorsed = _names(f"{where}.not_endorsed", e["not_endorsed"])
    if isinstance(not_endorsed, str):
        raise ConfigError(f"{where}.not_endorsed", not_endorsed, "must be a list of names")
    labs_present = _names(f"{where}.labs_present", e.get("labs_present"))
    if isinstance(labs_present, str):
        raise ConfigError(f"{where}.labs_present", labs_present, "must be a list of names")
    host = e["host"]
    if host is not None and not isinstance(host, str):
        raise ConfigError(f"{where}.host", host, "must be a name or null")
    asks = e.get("asks")
    if asks is not None:
        asks = _choice(f"{where}.asks", asks, ASKS_LEVELS)
    return RealOutcome(
        id=str(e["id"]), ym=_ym(f"{where}.date", e["date"]),
        venue_type=_choice(f"{where}.venue_type", e["venue_type"],
                           [k for k in VENUE_RULES if k != LAB_PLEDGE]),
        host=host or "", has_instrument=e["instrument"] is not None,
        present=_names(f"{where}.present", e["present"], free_text=True),
        endorsed=_names(f"{where}.endorsed", e["endorsed"]),
        not_endorsed=not_endorsed, labs_present=labs_present, asks=asks,
        instrument="" if e["instrument"] is None else str(e["instrument"]))


def _targets(where: str, value: object) -> tuple[str, ...]:
    names = _names(where, [value] if isinstance(value, str) else value)
    if isinstance(names, str):
        raise ConfigError(where, value, "must be a list of names")
    return names


def _control(where: str, e: dict) -> RealShock:
    _require(where, e, CONTROL_FIELDS)
    kind, sign = CONTROL_DIRECTIONS[_choice(f"{where}.direction", e["direction"],
                                            list(CONTROL_DIRECTIONS))]
    return RealShock(id=str(e["id"]), ym=_ym(f"{where}.date", e["date"]), kind=kind,
                     actor=str(e["imposed_by"]),
                     targets=_targets(f"{where}.targets", e["targets"]), sign=sign,
                     venue_type=None)


def _context(where: str, e: dict) -> RealShock:
    _require(where, e, CONTEXT_FIELDS)
    kind = CONTEXT_VARIABLES[_choice(f"{where}.variable", e["variable"], list(CONTEXT_VARIABLES))]
    sign = CONTEXT_DIRECTIONS[_choice(f"{where}.direction", e["direction"],
                                      list(CONTEXT_DIRECTIONS))]
    if kind == "rivalry" and "targets" not in e:
        raise ConfigError(f"{where}.targets", None, "a rivalry change needs targets")
    venue_type = None
    if kind == "legitimacy":
        # The schema names no venue; without one the shift is to the UN framework (the venue
        # the file's one legitimacy entry names), override with an optional venue_type.
        venue_type = _choice(f"{where}.venue_type", e.get("venue_type", "un"),
                             ("un", "summit", "bilateral", "track2"))
    return RealShock(id=str(e["id"]), ym=_ym(f"{where}.date", e["date"]), kind=kind,
                     actor=str(e["actor"]), targets=_targets(f"{where}.targets",
                                                             e.get("targets", [])),
                     sign=sign, venue_type=venue_type)


def _entries(data: dict, key: str, *, required: bool) -> list:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise ConfigError(key, value, "must be a non-empty list" if required else "must be a list")
    return value


def read_events(path: Path | str) -> EventsFile:
    """Read and check an events file (schema in its header). Raises ConfigError naming the entry
    and field that is wrong: a missing required field, an unknown venue type, direction or
    variable, a malformed date or name list, a duplicate id."""
    from sim.config import MAX_FILE_BYTES, MAX_VALUES, expanded_size

    path = Path(path)
    if not path.is_file():
        raise ConfigError("--events", str(path), "file not found")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError("--events", str(path), f"is larger than {MAX_FILE_BYTES:,} bytes")
        data = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError("--events", str(path), f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError("--events", str(path), f"is not UTF-8 text (offset {exc.start})") \
            from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError("--events", str(path), f"malformed YAML{where}") from exc
    except RecursionError:
        raise ConfigError("--events", str(path), "nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError("--events", str(path), "must hold a mapping with 'outcomes'")
    if expanded_size(data) > MAX_VALUES:
        raise ConfigError("--events", str(path), f"expands to more than {MAX_VALUES:,} values "
                          "(YAML aliases count once per use)")
    outcomes = []
    for i, e in enumerate(_entries(data, "outcomes", required=True)):
        label = e.get("id", i) if isinstance(e, dict) else i
        outcomes.append(_outcome(f"outcomes[{i}] ({label})", e))
    shocks = [_control(f"export_controls[{i}]", e)
              for i, e in enumerate(_entries(data, "export_controls", required=False))]
    shocks += [_context(f"context[{i}]", e)
               for i, e in enumerate(_entries(data, "context", required=False))]
    ids = [o.id for o in outcomes] + [s.id for s in shocks]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise ConfigError("id", dup, "ids must be unique in an events file")
    order = sorted(range(len(outcomes)), key=lambda k: outcomes[k].ym)  # stable: file order
    return EventsFile(path=path, outcomes=tuple(outcomes[k] for k in order),
                      shocks=tuple(shocks))


# ---------------------------------------------------------------------------------------------
# names: the file's actors on the model's roster


@dataclass(frozen=True)
class Roster:
    countries: tuple[str, ...]
    labs: tuple[str, ...]

    @classmethod
    def of(cls, sc: Scenario) -> Roster:
        return cls(tuple(c.name for c in sc.countries), tuple(lab.name for lab in sc.labs))


def _base(name: str) -> str:
    """'Alibaba (Qwen)' -> 'alibaba'; 'Switzerland (location only)' -> 'switzerland'."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip().casefold()


def roster_name(name: str, roster: Roster) -> str | None:
    """The roster actor a file name denotes (exact, or without parenthesised notes), or None."""
    for actor in (*roster.countries, *roster.labs):
        if name.casefold() == actor.casefold() or _base(name) == _base(actor):
            return actor
    return None


def on_roster(names: Sequence[str], roster: Roster) -> tuple[str, ...]:
    """Roster actors named in ``names``, deduplicated, in roster order; others ignored."""
    found = {roster_name(n, roster) for n in names} - {None}
    return tuple(a for a in (*roster.countries, *roster.labs) if a in found)


def host_actor(host: str, roster: Roster) -> str:
    """First roster actor named in a host string ('Korea and United Kingdom' -> 'Korea');
    '' (no host) when none is: 'Switzerland (location only)', 'private mediator (Geneva)'."""
    for part in re.split(r"\s+and\s+|,|&|/", host):
        actor = roster_name(part.strip(), roster) if part.strip() else None
        if actor is not None:
            return actor
    return ""


# ---------------------------------------------------------------------------------------------
# outcomes -> sessions, and the truth each is scored against


@dataclass(frozen=True)
class SessionPlan:
    """What the model is told about one outcome: no endorsement data in here."""

    id: str
    month: int
    venue_type: str
    template: str  # key of VENUE_RULES
    host: str
    invite: tuple[str, ...] | str  # "all" or country names
    labs: tuple[str, ...]
    has_instrument: bool
    asks: str | None = None  # what the text asks of signatories; None: the template's verification
    asks_inferred: bool = False  # the level was read from the title (the file has no `asks`)


def scored_kind(o: RealOutcome, roster: Roster) -> str:
    """'labs' when the actors the outcome is scored on (or, with no endorsement lists, those
    present) are all labs of the roster; else 'countries'."""
    if ALL_UN in (o.endorsed, o.present):
        return "countries"
    listed = on_roster([*o.endorsed, *o.not_endorsed], roster)
    if not listed and not isinstance(o.present, str):
        listed = on_roster([*o.present, *o.labs_present], roster)
    return "labs" if listed and set(listed) <= set(roster.labs) else "countries"


def at_table(o: RealOutcome) -> tuple[str, ...]:
    """Names at the table: ``present``, ``labs_present`` and (by the schema's definitions,
    presence, not endorsement) everyone in ``endorsed`` and ``not_endorsed``."""
    present = () if isinstance(o.present, str) else o.present
    endorsed = () if isinstance(o.endorsed, str) else o.endorsed
    return (*present, *o.labs_present, *endorsed, *o.not_endorsed)


def plan_session(o: RealOutcome, roster: Roster, start: tuple[int, int]) -> SessionPlan:
    """The session the model holds for outcome ``o`` (see the module docstring)."""
    kind = scored_kind(o, roster)
    names = on_roster(at_table(o), roster)
    host = host_actor(o.host, roster)
    if kind == "labs":
        invite: tuple[str, ...] | str = ()
    elif o.present == ALL_UN:
        invite = "all"
    else:
        invite = tuple(n for n in names if n in roster.countries)
    month = month_index(start, o.ym)
    last = min(MAX_STEPS - 1, month_index(start, this_month()))
    if not 0 <= month <= last:
        raise ConfigError(f"outcomes ({o.id}).date", f"{o.ym[0]}-{o.ym[1]:02d}",
                          f"must be a month in [{month_label(start, 0)}, "
                          f"{month_label(start, last)}]: from the scenario's start to the "
                          f"current month (at most {MAX_STEPS} months)")
    asks, inferred = o.asks, False
    if asks is None and o.has_instrument:
        asks, inferred = infer_asks(o.instrument, o.venue_type), True
    return SessionPlan(id=o.id, month=month, venue_type=o.venue_type,
                       template=LAB_PLEDGE if kind == "labs" else o.venue_type, host=host,
                       invite=invite, labs=tuple(n for n in names if n in roster.labs),
                       has_instrument=o.has_instrument, asks=asks, asks_inferred=inferred)


def infer_asks(instrument: str, venue_type: str) -> str:
    """The ``asks`` level of a text read from its title (:data:`ASKS_WORDS`): ``testing`` when
    it names testing or evaluation, else ``reporting`` when it names reporting, publication or
    disclosure, else the venue type's default (:data:`ASKS_DEFAULT`, ``none``)."""
    for level, words in ASKS_WORDS:
        if words.search(instrument):
            return level
    return ASKS_DEFAULT.get(venue_type, "none")


def truth(o: RealOutcome, roster: Roster) -> frozenset[str]:
    """Roster actors that endorsed outcome ``o`` (all countries for 'all UN members')."""
    if o.endorsed == ALL_UN:
        return frozenset(roster.countries)
    return frozenset(on_roster(o.endorsed, roster))


# ---------------------------------------------------------------------------------------------
# the history scenario: templates, shocks, venues


def template_rule(key: str) -> tuple[str, str]:
    """(model venue type, decision rule) of a template key; an ``asks_<level>`` entry is a
    placeholder venue that only carries the level's verification."""
    return ("track2", Pledge.name) if key.startswith(ASKS_PREFIX) else VENUE_RULES[key]


def templates(sc: Scenario) -> dict[str, tuple[float, float]]:
    """(ambition, verification) per key of :data:`VENUE_RULES`: the scenario's venue
    ``history_<key>`` when it has one, else the median over its other venues with the same
    decision rule and a text on the table (ambition > 0). Then, per level of ``asks``, the key
    ``asks_<level>``: (0, the verification of the venue ``history_asks_<level>``, else the
    level's prior, :data:`ASKS_PRIOR`)."""
    named = {v.name: v for v in sc.venues}
    out = {}
    for level in ASKS_LEVELS:
        v = named.get(TEMPLATE_PREFIX + ASKS_PREFIX + level)
        out[ASKS_PREFIX + level] = (0.0, v.verification if v is not None
                                    else ASKS_PRIOR[level])
    for key, (_, decision) in VENUE_RULES.items():
        v = named.get(TEMPLATE_PREFIX + key)
        if v is not None:
            out[key] = (v.ambition, v.verification)
            continue
        pool = [w for w in sc.venues if w.decision == decision and w.ambition > 0
                and not w.name.startswith(TEMPLATE_PREFIX)]
        if not pool:
            raise ConfigError(f"scenario.venues.{TEMPLATE_PREFIX}{key}", None,
                              f"no template and no {decision} venue to take a prior from")
        out[key] = (statistics.median(w.ambition for w in pool),
                    statistics.median(w.verification for w in pool))
    return {**{k: out[k] for k in VENUE_RULES}, **{k: v for k, v in out.items()
                                                   if k.startswith(ASKS_PREFIX)}}


def shock_magnitudes(events: Sequence[Event]) -> dict[str, float]:
    """Size of a shock per event kind: the median |delta| of the scenario's own events of its
    group (controls; rivalry; attitudes = risk concern, hawkishness, legitimacy), or of all its
    events when the group has none."""
    sizes = {g: [abs(e.delta) for e in events if SHOCK_GROUPS[e.kind] == g and e.delta]
             for g in set(SHOCK_GROUPS.values())}
    every = [abs(e.delta) for e in events if e.delta]
    if not every:
        raise ConfigError("scenario.events", [], "shock sizes are taken from the scenario's "
                          "events, and it has none")
    return {k: statistics.median(sizes[g] or every) for k, g in SHOCK_GROUPS.items()}


def file_events(shocks: Sequence[RealShock], roster: Roster, start: tuple[int, int],
                size: dict[str, float]) -> list[Event]:
    """Model events for the file's shocks; entries whose actor (or all targets) are off the
    roster are dropped."""
    out = []
    for s in shocks:
        actor = roster_name(s.actor, roster)
        targets = tuple(t for t in on_roster(s.targets, roster) if t in roster.countries)
        if actor not in roster.countries or (s.kind in ("controls", "rivalry") and not targets):
            continue
        out.append(Event(id=s.id, month=month_index(start, s.ym), kind=s.kind, actor=actor,
                         targets=targets, delta=s.sign * size[s.kind], venue_type=s.venue_type))
    return out


def merge_events(background: Sequence[Event], given: Sequence[Event]) -> tuple[Event, ...]:
    """The scenario's own events plus the file's; a file event supersedes a scenario event with
    the same id or the same kind, actor and month (one real event, not two)."""
    keys = {(e.kind, e.actor, e.month) for e in given}
    ids = {e.id for e in given}
    kept = [e for e in background if e.id not in ids and (e.kind, e.actor, e.month) not in keys]
    return tuple(sorted([*kept, *given], key=lambda e: e.month))


def series_of(plan: SessionPlan) -> str:
    """The regime series an outcome's session renews: a bilateral channel (the same two parties,
    e.g. Woodside 2023 and the Geneva dialogue it opened) is one series; any other outcome is its
    own. The schema names no series, and a renewal replaces the regime's members and depth: a
    second General Assembly resolution stands beside the first, and one venue type holds unrelated
    summits (the summit series and, say, the G7's), so nothing in the schema says that a
    multilateral text renews an earlier one."""
    if plan.venue_type == "bilateral" and not isinstance(plan.invite, str) \
            and len(plan.invite) == 2:
        return "bilateral: " + " / ".join(sorted(plan.invite))
    return plan.id


def history_venues(plans: Sequence[SessionPlan], tmpl: dict[str, tuple[float, float]]
                   ) -> tuple[Venue, ...]:
    """One single-session venue per outcome, named by the outcome's id, in date order, in its
    regime series (:func:`series_of`). A text with an ``asks`` level (given or read from its
    title) gets that level's verification instead of its template's."""
    out = []
    for p in plans:
        vtype, decision = VENUE_RULES[p.template]
        ambition, verification = tmpl[p.template] if p.has_instrument else (0.0, 0.0)
        if p.has_instrument and p.asks is not None:
            verification = tmpl[ASKS_PREFIX + p.asks][1]
        out.append(Venue(name=p.id, type=VENUE_RULES[p.venue_type][0], host=p.host,
                         decision=decision, invite=p.invite, also_invite=(), exclude=(),
                         ambition=ambition, verification=verification, labs=p.labs,
                         months=(p.month,), every=0, label=p.id, series=series_of(p)))
    return tuple(out)


def run_length(start: tuple[int, int], plans: Sequence[SessionPlan]) -> int:
    """Months from the start through December 2025 or the last outcome, whichever is later."""
    return max(month_index(start, RUN_UNTIL) + 1, max(p.month for p in plans) + 1)


def history_run(run: RunConfig, events: EventsFile) -> tuple[RunConfig, list[SessionPlan]]:
    """The run settings of the back-test: ``run``'s roster, parameters and own shocks, its venues
    replaced by one session per outcome and the file's shocks added.

    The file is the calendar: the run holds its sessions and no others, so endogenous convening
    (the scenario's ``counter_forum``) is off. A forum that really met is an outcome of the file
    (or, like China's initiative of October 2023, a context entry); one the model invented on top
    would be a second, unscored copy of it, and its exclusions and co-signatures would move the
    trust that later outcomes are scored on."""
    sc = run.scenario
    roster = Roster.of(sc)
    plans = [plan_session(o, roster, sc.start) for o in events.outcomes]
    given = file_events(events.shocks, roster, sc.start, shock_magnitudes(sc.events))
    sc = dataclasses.replace(sc, venues=history_venues(plans, templates(sc)),
                             events=merge_events(sc.events, given), counter_forum=None)
    return dataclasses.replace(run, scenario=sc, steps=run_length(sc.start, plans)), plans


def load_history(scenario: str = "history", events: EventsFile | None = None
                 ) -> tuple[RunConfig, EventsFile, list[SessionPlan]]:
    """Compose ``scenario`` (Hydra) and turn it into the back-test run for ``events``."""
    from sim.api import load_config

    events = events or read_events(DEFAULT_EVENTS)
    run, plans = history_run(load_config(scenario), events)
    return run, events, plans


# ---------------------------------------------------------------------------------------------
# simulate and score


def f1(predicted: frozenset[str] | set[str], actual: frozenset[str] | set[str]) -> float:
    """F1 = 2 |P & A| / (|P| + |A|), in [0, 1]. Both empty (no text, nobody signs): 1; one empty
    and the other not: 0."""
    if not predicted and not actual:
        return 1.0
    return 2.0 * len(set(predicted) & set(actual)) / (len(predicted) + len(actual))


def key_actor_hits(predicted: frozenset[str] | set[str], actual: frozenset[str] | set[str],
                   actors: Sequence[str]) -> dict[str, bool]:
    """Per key actor: did the model get its endorsement (yes or no) right?"""
    return {a: (a in predicted) == (a in actual) for a in actors}


def simulate(run: RunConfig, seed: int) -> dict[str, frozenset[str]]:
    """Simulated endorsers per outcome id for one seed: signatories (countries), or the labs
    that signed for a lab pledge."""
    from sim.api import with_seed
    from sim.model.model import GovernanceModel

    # Nothing after the last session changes a score: stop there (the months before it draw the
    # same random numbers whatever the run's length, so the signatories are the same).
    last = max((m for v in run.scenario.venues for m in v.months), default=run.steps - 1)
    run = dataclasses.replace(run, steps=min(run.steps, last + 1))
    model = GovernanceModel(with_seed(run, seed)).run()
    return {s.venue: frozenset(map(str, s.labs_signed if not RULES[s.decision].countries_sign
                                   and not s.signatories else s.signatories))
            for s in model.sessions}


@dataclass(frozen=True)
class Target:
    """What one outcome is scored against: the real endorsers on the roster."""

    id: str
    truth: frozenset[str]
    labs: bool  # a lab pledge: scored on labs, no key actors


def targets(events: EventsFile, plans: Sequence[SessionPlan], roster: Roster) -> list[Target]:
    return [Target(o.id, truth(o, roster), p.template == LAB_PLEDGE)
            for o, p in zip(events.outcomes, plans, strict=True)]


@dataclass(frozen=True)
class Score:
    outcome: str
    seed: int
    f1: float
    keys: dict[str, bool]  # empty for lab pledges
    predicted: frozenset[str]


def score_seed(run: RunConfig, goals: Sequence[Target], seed: int) -> list[Score]:
    """Scores of every outcome for one seed."""
    keys = [a for a in KEY_ACTORS if a in {c.name for c in run.scenario.countries}]
    sim = simulate(run, seed)
    out = []
    for g in goals:
        pred = sim.get(g.id, frozenset())
        hits = {} if g.labs else key_actor_hits(pred, g.truth, keys)
        out.append(Score(g.id, seed, f1(pred, g.truth), hits, pred))
    return out


def score_seeds(run: RunConfig, events: EventsFile, plans: Sequence[SessionPlan],
                seeds: Sequence[int], goals: Sequence[Target] | None = None) -> list[Score]:
    """Scores of every outcome and seed (``goals`` precomputed by :func:`targets`, or built)."""
    goals = goals if goals is not None else targets(events, plans, Roster.of(run.scenario))
    return [s for seed in seeds for s in score_seed(run, goals, seed)]


def objective(scores: Sequence[Score], penalty: float) -> tuple[float, float, float]:
    """(mean F1, key-actor error rate, mean F1 - penalty * error rate). The error rate is the
    share of (outcome, key actor, seed) triples the model gets wrong."""
    by_outcome: dict[str, list[float]] = {}
    for s in scores:
        by_outcome.setdefault(s.outcome, []).append(s.f1)
    mean_f1 = float(np.mean([np.mean(v) for v in by_outcome.values()]))
    hits = [h for s in scores for h in s.keys.values()]
    err = 1.0 - float(np.mean(hits)) if hits else 0.0
    return mean_f1, err, mean_f1 - penalty * err


def summarise(scores: Sequence[Score], events: EventsFile, plans: Sequence[SessionPlan],
              run: RunConfig) -> dict:
    """The JSON report: per outcome F1 (mean, sd, min, max over seeds) and key actors (right in
    more than half of the seeds: a coin flip is not right; and the share of seeds right);
    overall means."""
    seeds = sorted({s.seed for s in scores})
    per = []
    for o, p in zip(events.outcomes, plans, strict=True):
        mine = [s for s in scores if s.outcome == o.id]
        f = np.array([s.f1 for s in mine])
        share = {a: float(np.mean([s.keys[a] for s in mine])) for a in mine[0].keys}
        per.append({
            "id": o.id, "date": f"{o.ym[0]}-{o.ym[1]:02d}", "venue_type": o.venue_type,
            "scored": "labs" if p.template == LAB_PLEDGE else "countries",
            "instrument": o.has_instrument, "asks": p.asks, "asks_inferred": p.asks_inferred,
            "f1": float(f.mean()), "f1_sd": float(f.std()),
            "f1_min": float(f.min()), "f1_max": float(f.max()), "f1_seeds": f.tolist(),
            "key_actors_correct": {a: v > 0.5 for a, v in share.items()},
            "key_actor_share": share,
            "truth": sorted(truth(o, Roster.of(run.scenario))),
            "signed_share": _signed_share(mine),
        })
    mean_f1, err, _ = objective(scores, 0.0)
    with_text = [r["f1"] for r in per if r["instrument"]]
    return {
        "events": str(events.path), "scenario": run.scenario.name, "seeds": len(seeds),
        "months": f"{run.scenario.start[0]}-{run.scenario.start[1]:02d} + {run.steps}",
        "mean_f1": mean_f1,
        "mean_f1_instruments": float(np.mean(with_text)) if with_text else None,
        "key_actor_error_rate": err,
        "key_actors_all_correct": all(all(r["key_actors_correct"].values()) for r in per),
        "per_outcome": per,
    }


def _signed_share(mine: Sequence[Score]) -> dict[str, float]:
    names = sorted({n for s in mine for n in s.predicted})
    return {n: float(np.mean([n in s.predicted for s in mine])) for n in names}


def backtest(run: RunConfig, events: EventsFile, plans: Sequence[SessionPlan],
             seeds: Sequence[int]) -> dict:
    """Run every seed and summarise (see :func:`summarise`)."""
    return summarise(score_seeds(run, events, plans, seeds), events, plans, run)


# ---------------------------------------------------------------------------------------------
# table and figure

SHORT = {"United States": "US", "China": "CN", "United Kingdom": "UK", "EU": "EU"}


def table(report: dict) -> pd.DataFrame:
    """One row per outcome: F1 over seeds and, per key actor, the share of seeds it is right."""
    rows = []
    for r in report["per_outcome"]:
        row = {"id": r["id"], "date": r["date"], "venue": r["venue_type"], "scored": r["scored"],
               "text": "yes" if r["instrument"] else "no", "f1_mean": r["f1"],
               "f1_sd": r["f1_sd"], "f1_min": r["f1_min"], "f1_max": r["f1_max"]}
        for a in KEY_ACTORS:
            row[SHORT[a]] = r["key_actor_share"].get(a, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def figure(report: dict, path: Path, title: str = "") -> None:
    """Per-outcome F1 bars (mean over seeds, whiskers min-max, dots per seed) with the key
    actors marked above each bar: filled when right in a majority of seeds, a cross when not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = report["per_outcome"]
    x = np.arange(len(per))
    fig, ax = plt.subplots(figsize=(max(7.0, 0.8 * len(per) + 2), 5.2))
    mean = np.array([r["f1"] for r in per])
    lo = mean - np.array([r["f1_min"] for r in per])
    hi = np.array([r["f1_max"] for r in per]) - mean
    colours = ["#1f77b4" if r["instrument"] else "#aec7e8" for r in per]
    ax.bar(x, mean, color=colours, yerr=[lo, hi], capsize=3, ecolor="#333333")
    jitter = np.random.default_rng(0)
    for i, r in enumerate(per):
        ys = np.array(r["f1_seeds"])
        ax.scatter(i + jitter.uniform(-0.25, 0.25, ys.size), ys, s=6, color="#333333",
                   alpha=0.35, zorder=3)
    ax.scatter([], [], s=6, color="#333333", alpha=0.5, label="one seed")
    ax.errorbar([], [], yerr=[], color="#333333", capsize=3, label="min-max over seeds")
    marks = {"United States": "#1f77b4", "China": "#d62728", "United Kingdom": "#2ca02c",
             "EU": "#9467bd"}
    for k, (actor, colour) in enumerate(marks.items()):
        y = 1.06 + 0.055 * k
        ax.text(-0.6, y, SHORT[actor], fontsize=7, va="center", ha="right", color=colour)
        for i, r in enumerate(per):
            if actor not in r["key_actor_share"]:
                continue
            ok = r["key_actors_correct"][actor]
            ax.scatter(i, y, marker="o" if ok else "x", s=40 if ok else 55, color=colour,
                       linewidths=1.6, zorder=3)
        ax.scatter([], [], marker="o", color=colour, label=f"{SHORT[actor]} right (x: wrong)")
    ax.axhline(report["mean_f1"], color="#ff7f0e", ls="--", lw=1,
               label=f"mean F1 {report['mean_f1']:.2f}")
    ax.set_xticks(x, [f"{r['id']}\n{r['date']}" for r in per], rotation=60, ha="right",
                  fontsize=7)
    ax.set_xlim(-1.1, len(per) - 0.4)
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("F1 of simulated vs real endorsers")
    ax.set_title(title or f"Back-test: {report['scenario']}, {report['seeds']} seeds "
                 "(light bars: no text on the table)", fontsize=10)
    ax.legend(fontsize=7, loc="lower left", ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# calibration

KEY_PENALTY = 1.0  # mean F1 minus this times the key-actor error rate
# Regularisation toward the prior: the objective loses PRIOR_WEIGHT x the sum over free values of
# ((value - prior) / range width)^2, so a value leaves its prior only as far as the fit pays for:
# crossing half its range must buy 0.0125 of mean F1, the whole range 0.05 (about one outcome's
# F1 falling from 1 to 0.5). Values the file does not identify stay at their priors instead of
# wandering to wherever the seeds' noise puts them, and an edge is reached only when it pays.
PRIOR_WEIGHT = 0.05
AMBITION_BOUNDS = (0.02, 0.6)  # plausible depth of a text tabled in 2023-24 (shallow)
VERIFICATION_BOUNDS = (0.0, 0.5)  # no intrusive verification was agreed in 2023-24
# Parameters that decide who attends and signs at the session itself. The trust dynamics
# (cosign_trust_gain, exclusion_penalty, dialogue_trust_gain, track2_spillover, rivalry_trust_cut,
# lab_regulation_pull) were screened out on version 2: each, at either end of its range, moves the
# 2023-24 file's mean F1 by less than 0.01 (the trust they move in a year shifts no signing
# margin), so the file cannot identify them and they keep the baseline's values; controls,
# capability and lab imitation move more slowly still. Of the constants only attend_cost, whose
# own provenance says it was set to reproduce attendance.
FREE_PARAMS = ("attend_sensitivity", "attend_cost", "sign_noise")
# Why a calibrated value may end near an end of its range (within EDGE_SHARE of the range's width):
# the reason is written into its provenance. A value near an end with no reason here is a finding
# to look into (tests/studies/test_backtest.py fails on one within 2% of an end).
EDGE_SHARE = 0.1
EDGE_REASONS = {
    "sign_noise": "every endorsement on the roster follows from its signing margin (none is "
                  "idiosyncratic), so the file bounds signing noise from above only and the fit "
                  "goes toward the low end of the assumed range against the pull to the prior",
    "attend_cost": "the file lists as present only those at the table, so it holds no invitee "
                   "who stayed away and can only make attendance likelier; the pull to the prior "
                   "is what stops it at the low end",
    "attend_sensitivity": "as attend_cost: the file holds no invitee who stayed away, so it "
                          "favours a steep attendance logit",
}
# Template values that act on signing. Not the UN ambition: a consensus text is signed by every
# attendee whatever its depth. Not a template's verification while every text has an `asks` level
# (given or read from its title).
FREE_TEMPLATES = (("summit", "ambition"), ("summit", "verification"), ("bilateral", "ambition"),
                  ("treaty", "ambition"), ("treaty", "verification"), (LAB_PLEDGE, "ambition"))


@dataclass(frozen=True)
class FreeParameter:
    """One calibrated value: a scenario parameter or a template's ambition/verification."""

    name: str
    lo: float
    hi: float
    template: str | None = None
    field: str | None = None


def free_parameters(run: RunConfig, plans: Sequence[SessionPlan]) -> list[FreeParameter]:
    """The calibrated set: :data:`FREE_PARAMS` within their declared ranges, and the templates
    the file's outcomes use (:data:`FREE_TEMPLATES`)."""
    out = []
    for name in FREE_PARAMS:
        prov = run.scenario.provenance[name]
        rng = prov.get("range")
        if rng is None:
            raise ConfigError(f"scenario.{prov['section']}.{name}.range", None,
                              "calibration needs a declared range")
        out.append(FreeParameter(name, float(rng[0]), float(rng[1])))
    used = {p.template for p in plans if p.has_instrument}
    unasked = {p.template for p in plans if p.has_instrument and p.asks is None}
    for tmpl, fld in FREE_TEMPLATES:
        if tmpl in (used if fld == "ambition" else unasked):
            lo, hi = AMBITION_BOUNDS if fld == "ambition" else VERIFICATION_BOUNDS
            out.append(FreeParameter(f"{TEMPLATE_PREFIX}{tmpl}.{fld}", lo, hi, tmpl, fld))
    # a level used only by lab pledges is not fitted: a lab's signing does not read verification
    asked = {p.asks for p in plans if p.has_instrument and p.asks is not None
             and p.template != LAB_PLEDGE}
    for level in ASKS_LEVELS:
        if level in asked and level not in ASKS_FIXED:
            key = ASKS_PREFIX + level
            out.append(FreeParameter(f"{TEMPLATE_PREFIX}{key}.verification",
                                     *ASKS_BOUNDS[level], key, "verification"))
    return out


def current_values(run: RunConfig, free: Sequence[FreeParameter],
                   base_templates: dict[str, tuple[float, float]]) -> np.ndarray:
    x = []
    for f in free:
        if f.template is None:
            x.append(run.scenario.params[f.name])
        else:
            x.append(base_templates[f.template][0 if f.field == "ambition" else 1])
    return np.clip(np.array(x, float), [f.lo for f in free], [f.hi for f in free])


def apply_values(base: RunConfig, free: Sequence[FreeParameter], x: Sequence[float],
                 events: EventsFile, base_templates: dict[str, tuple[float, float]]
                 ) -> tuple[RunConfig, list[SessionPlan]]:
    """The back-test run with the free values ``x`` set (``base`` is the composed scenario)."""
    params = dict(base.scenario.params)
    tmpl = dict(base_templates)
    for f, v in zip(free, x, strict=True):
        if f.template is None:
            params[f.name] = float(v)
        else:
            a, w = tmpl[f.template]
            tmpl[f.template] = (float(v), w) if f.field == "ambition" else (a, float(v))
    sc = base.scenario
    sc = dataclasses.replace(sc, params=params, venues=tuple(
        v for v in sc.venues if not v.name.startswith(TEMPLATE_PREFIX)) + _template_venues(tmpl))
    return history_run(dataclasses.replace(base, scenario=sc), events)


def _template_venues(tmpl: dict[str, tuple[float, float]]) -> tuple[Venue, ...]:
    return tuple(Venue(name=TEMPLATE_PREFIX + k, type=template_rule(k)[0], host="",
                       decision=template_rule(k)[1], invite=(), also_invite=(), exclude=(),
                       ambition=a, verification=v, labs="none", months=(), every=0, label=k)
                 for k, (a, v) in tmpl.items())


def prior_penalty(free: Sequence[FreeParameter], x: Sequence[float], prior: Sequence[float],
                  weight: float = PRIOR_WEIGHT) -> float:
    """weight x sum of ((value - prior) / range width)^2 over the free values."""
    width = np.array([f.hi - f.lo for f in free], float)
    return float(weight * np.sum(((np.asarray(x, float) - np.asarray(prior, float)) / width) ** 2))


class Loss:
    """Picklable calibration loss: -(mean F1 - penalty * key-actor error - the pull toward the
    prior, :func:`prior_penalty`) over fixed seeds. ``held_out``: outcome ids left out of the
    score (their sessions are still held: the calendar is an input)."""

    def __init__(self, base, free, events, base_templates, seeds, penalty=KEY_PENALTY,
                 prior=None, held_out=frozenset()):
        self.base, self.free, self.events = base, free, events
        self.base_templates, self.seeds, self.penalty = base_templates, seeds, penalty
        self.prior = prior
        self.held_out = frozenset(held_out)
        self.goals: list[Target] | None = None

    def __call__(self, x) -> float:
        run, plans = apply_values(self.base, self.free, x, self.events, self.base_templates)
        if self.goals is None:
            self.goals = [g for g in targets(self.events, plans, Roster.of(run.scenario))
                          if g.id not in self.held_out]
        scores = score_seeds(run, self.events, plans, self.seeds, self.goals)
        pull = 0.0 if self.prior is None else prior_penalty(self.free, x, self.prior)
        return -(objective(scores, self.penalty)[2] - pull)


@dataclass(frozen=True)
class Calibration:
    free: list[FreeParameter]
    prior: np.ndarray
    values: np.ndarray
    prior_fit: tuple[float, float, float]
    fit: tuple[float, float, float]
    seeds: int
    settings: str
    pull: float = 0.0  # prior_penalty at the calibrated values


def calibrate(base: RunConfig, events: EventsFile, seeds: Sequence[int], *, maxiter: int = 30,
              popsize: int = 5, workers: int = 1, de_seed: int = 0,
              verbose: bool = False, held_out: frozenset[str] = frozenset()) -> Calibration:
    """Differential evolution (scipy, fixed seed, common random numbers: the same model seeds
    for every candidate) over the free parameters, starting from the scenario's values and
    regularised toward them (:func:`prior_penalty`); values are rounded to 3 decimals and the
    fit re-evaluated at the rounded point. ``held_out``: outcomes left out of the fit (and of the
    reported fit), for a leave-one-out check."""
    from scipy.optimize import differential_evolution

    _, plans = history_run(base, events)
    base_templates = templates(base.scenario)
    free = free_parameters(base, plans)
    runs = (maxiter + 1) * popsize * len(free) * len(seeds)
    if runs > MAX_RUNS:
        raise ConfigError("--maxiter", maxiter, f"{maxiter + 1} generations x {popsize * len(free)}"
                          f" candidates x {len(seeds)} seeds is {runs:,} runs; at most "
                          f"{MAX_RUNS:,}")
    x0 = current_values(base, free, base_templates)
    loss = Loss(base, free, events, base_templates, list(seeds), prior=x0, held_out=held_out)

    def progress(intermediate_result) -> None:
        if verbose:
            best = -intermediate_result.fun
            log.info(f"  generation: best mean F1 - key error - pull to the prior = {best:.4f}")

    res = differential_evolution(
        loss, bounds=[(f.lo, f.hi) for f in free], x0=x0, seed=de_seed, maxiter=maxiter,
        popsize=popsize, polish=False, tol=0.0, init="latinhypercube", updating="deferred",
        workers=workers, callback=progress)
    x = np.round(res.x, 3)
    if loss(x) > loss(x0):
        x = x0  # the prior is in the initial population; never return worse than it
    fits = []
    for v in (x0, x):
        run, pl = apply_values(base, free, v, events, base_templates)
        goals = [g for g in targets(events, pl, Roster.of(run.scenario)) if g.id not in held_out]
        fits.append(objective(score_seeds(run, events, pl, seeds, goals), KEY_PENALTY))
    settings = (f"differential_evolution(seed={de_seed}, popsize={popsize}, maxiter={maxiter}, "
                f"{res.nfev} evaluations), model seeds 0-{len(seeds) - 1}, "
                f"key-actor penalty {KEY_PENALTY}, pull to the prior {PRIOR_WEIGHT}")
    return Calibration(free, x0, x, fits[0], fits[1], len(seeds), settings,
                       prior_penalty(free, x, x0))


def leave_one_out(base: RunConfig, events: EventsFile, fit_seeds: Sequence[int],
                  score_seeds_: Sequence[int], *, maxiter: int = 8, popsize: int = 3,
                  workers: int = 1, only: Sequence[str] = ()) -> list[dict]:
    """Leave one outcome out: for each outcome with a text (``only``: these ids), calibrate on
    the others (its session is still held: the calendar is an input, its endorsers are not) and
    score it on ``score_seeds_`` with the values fitted without it. An outcome without a text
    scores 1 by construction and is skipped. Returns one row per held-out outcome."""
    base_templates = templates(base.scenario)
    roster = Roster.of(base.scenario)
    rows = []
    for o in events.outcomes:
        if not o.has_instrument or (only and o.id not in only):
            continue
        cal = calibrate(base, events, fit_seeds, maxiter=maxiter, popsize=popsize,
                        workers=workers, held_out=frozenset({o.id}))
        run, pl = apply_values(base, cal.free, cal.values, events, base_templates)
        goal = [g for g in targets(events, pl, roster) if g.id == o.id]
        scores = score_seeds(run, events, pl, score_seeds_, goal)
        keys = {a: float(np.mean([s.keys[a] for s in scores])) for a in scores[0].keys}
        rows.append({"id": o.id, "f1": float(np.mean([s.f1 for s in scores])),
                     "key_actor_share": keys, "fit_f1_others": cal.fit[0],
                     "values": {f.name: float(v) for f, v in zip(cal.free, cal.values,
                                                                strict=True)}})
    return rows


# ---------------------------------------------------------------------------------------------
# the history scenario file

BLOCK_BEGIN = "# >>> calibrated block (rewritten by `aigov-backtest --calibrate`; edit outside it)"
BLOCK_END = "# <<< calibrated block"


def _flow(d: dict) -> str:
    return yaml.safe_dump(d, default_flow_style=True, sort_keys=False, width=10_000).strip()


def render_block(base: RunConfig, base_templates: dict[str, tuple[float, float]],
                 cal: Calibration | None, day: str) -> str:
    """The generated part of scenarios/history.yaml: calibrated uncertainties, the per-venue-type
    templates, and the baseline's calendar switched off (sessions come from the events file)."""
    sc = base.scenario
    lines = [BLOCK_BEGIN]
    tmpl = dict(base_templates)
    calibrated: dict[str, float] = {}
    prior_tag = "prior: median of the baseline's venues with the same decision rule"
    tags = dict.fromkeys(tmpl, prior_tag)
    for level in ASKS_LEVELS:
        lo, hi = ASKS_BOUNDS[level]
        tags[ASKS_PREFIX + level] = (
            f"definition: a text that asks {level} of signatories offers nothing to verify "
            f"(verification {ASKS_FIXED[level]:g}, not fitted; range [{lo:g}, {hi:g}])"
            if level in ASKS_FIXED else
            f"prior: midpoint of the range [{lo:g}, {hi:g}], not fitted (no country text of the "
            f"file asks {level}); verification of a text that asks {level} of signatories")
    if cal is not None:
        m, err, obj = cal.fit
        pm, perr, _ = cal.prior_fit
        tag = (f"calibrated: aigov-backtest --calibrate, mean F1 {m:.2f} over {cal.seeds} "
               f"seeds, {day}")
        lines += [f"# fit: mean F1 {m:.3f}, key-actor error rate {err:.3f}, objective {obj:.3f}"
                  f" less {cal.pull:.3f} of pull to the prior (prior: mean F1 {pm:.3f}, key-actor"
                  f" error {perr:.3f})", f"# by {cal.settings}"]
        for f, v in zip(cal.free, cal.values, strict=True):
            if f.template is None:
                calibrated[f.name] = float(v)
            else:
                a, w = tmpl[f.template]
                tmpl[f.template] = (float(v), w) if f.field == "ambition" else (a, float(v))
                a0, v0 = base_templates[f.template]
                if f.template.startswith(ASKS_PREFIX):
                    level = f.template.removeprefix(ASKS_PREFIX)
                    tags[f.template] = (f"{tag}, range [{f.lo:g}, {f.hi:g}] (prior {v0:g}: "
                                        f"midpoint of the range; verification of a text that "
                                        f"asks {level} of signatories)")
                    continue
                tags[f.template] = (f"{tag} (prior ambition {a0:g}, verification {v0:g}: "
                                    f"{prior_tag.removeprefix('prior: ')})")
    for section in ("levers", "uncertainties", "constants"):
        mine = [n for n in calibrated if sc.provenance[n]["section"] == section]
        if mine:
            lines.append(f"{section}:")
        for name in mine:
            prov = sc.provenance[name]
            prior_src = f"prior {sc.params[name]:g}: {prov['source']}"
            lo, hi = prov["range"]
            near = min(calibrated[name] - lo, hi - calibrated[name]) < EDGE_SHARE * (hi - lo)
            edge = f"; edge: {EDGE_REASONS[name]}" if near and name in EDGE_REASONS else ""
            lines.append(f"  {name}: " + _flow({"value": calibrated[name], "range": prov["range"],
                                                "source": f"{tag} ({prior_src}){edge}"}))
    lines.append("venues:")
    lines.append("  # per-venue-type templates, never convened: each outcome's session copies the")
    lines.append("  # ambition and verification of its type (host and invitees are placeholders);")
    lines.append("  # history_asks_<level>: verification of a text whose `asks` level (given or")
    lines.append("  # read from its title) is <level>; replaces the type's, ambition unused")
    host = sc.countries[0].name
    pair = [sc.countries[0].name, sc.countries[1].name]
    for key, (a, v) in tmpl.items():
        vtype, decision = template_rule(key)
        label = (f"asks: {key.removeprefix(ASKS_PREFIX)}" if key.startswith(ASKS_PREFIX)
                 else f"template: {key}")
        entry = {"type": vtype, "label": label, "host": None if vtype == "track2"
                 else host, "decision": decision,
                 "invite": pair if vtype == "bilateral" else "all", "ambition": round(a, 4),
                 "verification": round(v, 4), "calendar": [], "every": 0, "source": tags[key]}
        lines.append(f"  {TEMPLATE_PREFIX}{key}: " + _flow(entry))
    lines.append("  # the baseline's own calendar, switched off")
    for v in sc.venues:
        if not v.name.startswith(TEMPLATE_PREFIX):
            lines.append(f"  {v.name}: {{calendar: [], every: 0}}")
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def write_block(path: Path, block: str, template: Path | None = None) -> None:
    """Replace the calibrated block of ``path`` (append one if it has none); a new ``path``
    starts as a copy of ``template`` (the library's history scenario), so it is a whole
    scenario."""
    from sim.report.io import atomic_write_text

    source = path if path.is_file() else template
    text = source.read_text(encoding="utf-8") if source is not None and source.is_file() else ""
    if BLOCK_BEGIN in text and BLOCK_END in text:
        head, rest = text.split(BLOCK_BEGIN, 1)
        tail = rest.split(BLOCK_END, 1)[1].lstrip("\n")
        text = head + block + tail
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + block
    atomic_write_text(path, text)


# ---------------------------------------------------------------------------------------------
# command line


MAX_SEEDS = 10_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = OneLineParser(prog="aigov-backtest", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, default=DEFAULT_EVENTS,
                   help="events file (schema in its header); default: %(default)s")
    p.add_argument("--seeds", type=int_at_least(1, MAX_SEEDS), default=None,
                   help="number of seeds, 0..N-1 (default 50; with --calibrate: 10 to fit, "
                        "then the back-test of the result on the same seeds)")
    p.add_argument("--scenario", default="history",
                   help="scenario giving roster, parameters and templates (default history; "
                        "'baseline' gives the uncalibrated priors)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="directory for backtest.csv, backtest.json, backtest.png")
    p.add_argument("--calibrate", action="store_true",
                   help="calibrate the free parameters and write them to --history")
    p.add_argument("--prior", default="baseline",
                   help="scenario the calibration starts from (default %(default)s)")
    p.add_argument("--history", type=Path, default=None,
                   help="scenario file the calibration writes (default OUT/history.yaml, a "
                        "copy of the library's history scenario with the calibrated block "
                        "replaced; use it with AIGOV_SCENARIOS=OUT, docs/VALIDATION.md)")
    p.add_argument("--maxiter", type=int_at_least(1, 10_000), default=None,
                   help="calibration generations (default 30; 8 with --leave-one-out)")
    p.add_argument("--popsize", type=int_at_least(1, 1000), default=None,
                   help="population multiplier (default 5; 3 with --leave-one-out)")
    p.add_argument("--workers", type=int_at_least(1, MAX_JOBS), default=2,
                   help="processes for calibration (default %(default)s)")
    p.add_argument("--leave-one-out", action="store_true",
                   help="calibrate without each outcome in turn (--maxiter/--popsize, default 8 "
                        "and 3 here; --seeds to fit, default 5) and score it on seeds 0-49; "
                        "prints one JSON line per outcome")
    return p.parse_args(argv)


def _print_calibration(cal: Calibration) -> None:
    print(f"calibration: {cal.settings}")
    print(f"  prior:      mean F1 {cal.prior_fit[0]:.3f}, key-actor error {cal.prior_fit[1]:.3f}")
    print(f"  calibrated: mean F1 {cal.fit[0]:.3f}, key-actor error {cal.fit[1]:.3f}")
    for f, a, b in zip(cal.free, cal.prior, cal.values, strict=True):
        print(f"  {f.name:34s} {a:8.3f} -> {b:8.3f}   [{f.lo:g}, {f.hi:g}]")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.history is None:
        args.history = args.out / "history.yaml"
    try:
        check_output("--out", args.out)
        if args.calibrate:
            check_output("--history", args.history, kind="file")
        events = read_events(args.events)
        if args.leave_one_out:
            from sim.api import load_config

            for row in leave_one_out(load_config(args.prior), events, range(args.seeds or 5),
                                     range(50), workers=args.workers,
                                     maxiter=args.maxiter or 8, popsize=args.popsize or 3):
                print(json.dumps(row), flush=True)
            return
        seeds = range(args.seeds or (10 if args.calibrate else 50))
        if args.calibrate:
            from sim.api import load_config

            base = load_config(args.prior)
            base_templates = templates(base.scenario)
            cal = calibrate(base, events, seeds, maxiter=args.maxiter or 30,
                            popsize=args.popsize or 5, workers=args.workers,
                            verbose=not args.json)
            write_block(args.history, render_block(base, base_templates, cal,
                                                   dt.date.today().isoformat()), HISTORY_YAML)
            if not args.json:
                _print_calibration(cal)
                print(f"wrote {args.history}")
            run, plans = apply_values(base, cal.free, cal.values, events, base_templates)
            run = dataclasses.replace(run, scenario=dataclasses.replace(
                run.scenario, name=f"{args.history.stem} (calibrated)"))
        else:
            run, events, plans = load_history(args.scenario, events)
        report = backtest(run, events, plans, seeds)
    except ConfigError as exc:
        fail(exc)
    args.out.mkdir(parents=True, exist_ok=True)
    tab = table(report)
    tab.to_csv(args.out / "backtest.csv", index=False, float_format="%.4f")
    (args.out / "backtest.json").write_text(json.dumps(report, indent=2) + "\n")
    figure(report, args.out / "backtest.png")
    if args.json:
        print(json.dumps(report))
        return
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(tab.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"mean F1 {report['mean_f1']:.3f} over {report['seeds']} seeds "
          f"(outcomes with a text: {report['mean_f1_instruments']:.3f}); key-actor error rate "
          f"{report['key_actor_error_rate']:.3f}; key actors right on every outcome: "
          f"{report['key_actors_all_correct']}")
    print(f"files: {args.out / 'backtest.csv'}, {args.out / 'backtest.json'}, "
          f"{args.out / 'backtest.png'}")


if __name__ == "__main__":
    main(sys.argv[1:])
