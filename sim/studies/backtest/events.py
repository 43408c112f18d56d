"""Back-test events: read the history file of real outcomes and shocks and check it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.config import (
    DATA_DIR,
    YEARS,
    month_label,
    parse_month,
)
from sim.errors import ConfigError
from sim.model.decision_rules import Bargaining, Consensus, HostProposal, Pledge

DEFAULT_EVENTS = DATA_DIR / "governance_events_2023_2024.yaml"
ALL_UN = "all UN members"
LAB_PLEDGE = "lab_pledge"
# `asks` levels of the schema's extension, least demanding first (plan.ASKS_BOUNDS)
ASKS_LEVELS = ("none", "reporting", "testing")

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
