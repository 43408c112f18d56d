"""Back-test plan: the file's names on the roster, outcomes as venue sessions, the history run."""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from sim.config import (
    MAX_STEPS,
    Event,
    RunConfig,
    Scenario,
    Venue,
    month_index,
    month_label,
)
from sim.errors import ConfigError
from sim.model.decision_rules import Pledge
from sim.studies.backtest.events import (
    ALL_UN,
    ASKS_LEVELS,
    DEFAULT_EVENTS,
    LAB_PLEDGE,
    SHOCK_GROUPS,
    VENUE_RULES,
    EventsFile,
    RealOutcome,
    RealShock,
    read_events,
    this_month,
)

RUN_UNTIL = (2025, 12)  # the history run covers at least July 2023 - December 2025
TEMPLATE_PREFIX = "history_"
# The optional outcome field `asks` (this project's extension of the schema): what a text requires
# of its signatories, an input known before the meeting. Each level's verification strength is a
# declared value (the venue history_asks_<level> of the scenario) within its range, calibrated
# where a country text of the file uses it; the ranges are ordered so that a text asking more is
# never read as less verifiable. A scenario without the venue (baseline) gets the level's prior:
# `none` is 0 by definition (nothing verifiable is asked) and never fitted; the others the
# midpoint of their range (nothing in the sources puts them nearer either end).
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
