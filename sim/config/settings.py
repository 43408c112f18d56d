"""The validated run settings the model reads: frozen dataclasses, built once per run.

They stay plain dataclasses (not pydantic models): the model and the studies read their
attributes, copy them with :func:`dataclasses.replace` and tabulate them with
:func:`dataclasses.asdict`; validation happens before they are built (:mod:`sim.config.models`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class RunConfig:
    scenario: Scenario
    seed: int
    steps: int
    outcome: Outcome
    config_hash: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)
