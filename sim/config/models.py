"""The shape of a run config and of a scenario, as pydantic v2 models (one per document).

What one document can say about itself is checked here: types, bounds (from
:mod:`sim.config.schema`), choices, required and unknown keys, provenance, and the rules that
tie a document's own fields together (a range's low end, a government event's changes). What
needs the whole scenario (is a name on the roster, is a date after the start) is checked when
the run settings are built (:mod:`sim.config.build`), and scenario parameters, whose bounds
depend on their names, by :mod:`sim.config.params`.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, create_model, model_validator

from sim.config.fields import (
    Bool,
    Choice,
    Int,
    Mapping,
    Names,
    NamesOr,
    Num,
    Range,
    Text,
    refuse,
    says,
)
from sim.config.schema import (
    COUNTER_FORUM_RULES,
    COUNTRY_ATTRIBUTES,
    COUNTRY_FIELDS,
    DECISION_RULES,
    EVENT_KINDS,
    GOVERNMENT_CHANGES,
    INITIAL_ALIGNMENT,
    INVITE_WORDS,
    LAB_ATTRIBUTES,
    LAB_FIELDS,
    LAB_WORDS,
    MAX_REPLICATES,
    MAX_SEED,
    MAX_STEPS,
    MAX_SYNTHETIC,
    OUTCOME_FIELDS,
    SYNTHETIC_RANGES,
    VENUE_TYPES,
)

SHARE = Num(0.0, 1.0)
DELTA = Num(-1.0, 1.0)
Seed = Int(0, MAX_SEED)


class Doc(BaseModel):
    """A document of the config: unknown keys refused, defaults checked like given values."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


def cite(sources: dict, fields: tuple[str, ...]) -> None:
    """Each attribute needs a source entry, or a '*' entry covering the rest."""
    for f in fields:
        text = sources.get(f, sources.get("*"))
        if not isinstance(text, str) or not text.strip():
            raise refuse(f"source.{f}", text, "every value needs its provenance")


def _numbers(name: str, specs: dict, base: type = Doc) -> type[BaseModel]:
    """``base`` plus one required number per schema entry, within its hard bounds."""
    fields = {f: (Num(s.lo, s.hi), ...) for f, s in specs.items()}
    return create_model(name, __base__=base, **fields)


Legitimacy = create_model("Legitimacy", __base__=Doc, **{t: (SHARE, ...) for t in VENUE_TYPES})
Sources = Annotated[dict[Any, Any], says("must map attributes (or '*') to provenance")]
Months = Annotated[list[Any], says("must be a list of months 'YYYY-MM'")]


class _Country(Doc):
    """A country: its attributes (:data:`COUNTRY_ATTRIBUTES`), bloc, legitimacy of each venue
    type, and a source for each (or '*')."""

    bloc: Text("must name a bloc")
    legitimacy: Legitimacy
    source: Sources

    @model_validator(mode="after")
    def _cited(self):
        cite(self.source, (*COUNTRY_FIELDS, "bloc", "legitimacy"))
        return self


class _Lab(Doc):
    """A lab: its home country, attributes (:data:`LAB_ATTRIBUTES`) and their sources."""

    home: Text("must name a country of the roster")
    source: Sources

    @model_validator(mode="after")
    def _cited(self):
        cite(self.source, (*LAB_FIELDS, "home"))
        return self


CountryDoc = _numbers("CountryDoc", COUNTRY_ATTRIBUTES, _Country)
LabDoc = _numbers("LabDoc", LAB_ATTRIBUTES, _Lab)


class _Synthetic(Doc):
    """Small states for scale studies (see :func:`sim.config.build.synthetic_states`)."""

    count: Int(0, MAX_SYNTHETIC)
    seed: Int(0) = 0
    legitimacy: Legitimacy
    source: Text("needs its provenance")

    @model_validator(mode="after")
    def _ordered(self):
        for f in SYNTHETIC_RANGES:
            lo, hi = getattr(self, f)
            if lo > hi:
                raise refuse(f, [lo, hi], "low must not exceed high")
        return self


SyntheticDoc = create_model("SyntheticDoc", __base__=_Synthetic, **{
    f: (Range(COUNTRY_ATTRIBUTES[f].lo, COUNTRY_ATTRIBUTES[f].hi), ...)
    for f in SYNTHETIC_RANGES})


class VenueDoc(Doc):
    """A venue: type, host, decision rule, who is invited, ambition, calendar, provenance."""

    type: Choice(VENUE_TYPES)
    host: Any = None  # an actor of the roster; null only for a privately mediated track two
    decision: Choice(DECISION_RULES)
    invite: NamesOr(INVITE_WORDS) = "all"
    also_invite: Names = ()
    exclude: Names = ()
    ambition: SHARE
    verification: SHARE
    labs: NamesOr(LAB_WORDS) = "none"
    calendar: Months = []  # noqa: RUF012 (pydantic copies defaults)
    every: Int(0) = 0
    label: Any = None
    series: Text("must name the regime the venue's texts renew") | None = None
    source: Text("every venue needs its provenance")

    @model_validator(mode="after")
    def _pair(self):
        if self.type == "bilateral" and (not isinstance(self.invite, tuple)
                                         or len(self.invite) != 2):
            raise refuse("invite", self.invite, "a bilateral venue invites two countries")
        return self


GOVERNMENT = f"unknown attribute; allowed: {', '.join(GOVERNMENT_CHANGES)}"


class EventDoc(Doc):
    """An exogenous shock: kind, actor, targets, size (or, for a change of government, the
    attributes it changes and whether it withdraws from the regimes in force)."""

    date: Any = None  # a month of the calendar, checked against the scenario's start
    kind: Choice(EVENT_KINDS)
    actor: Any = None  # a country of the roster
    targets: Names = ()
    delta: DELTA | None = None
    venue_type: Choice(VENUE_TYPES) | None = None
    changes: dict[Choice(GOVERNMENT_CHANGES, GOVERNMENT), DELTA] | None = None
    withdraw: Bool = False
    source: Text("every event needs its provenance")

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        """``changes: {legitimacy: {un: -0.1}}`` -> ``{legitimacy.un: -0.1}``, in place."""
        changes = data.get("changes") if isinstance(data, dict) else None
        if isinstance(changes, dict) and isinstance(changes.get("legitimacy"), dict):
            flat = {}
            for attr, val in changes.items():
                if attr == "legitimacy":
                    flat.update({f"legitimacy.{t}": d for t, d in val.items()})
                else:
                    flat[attr] = val
            data = {**data, "changes": flat}
        return data

    @model_validator(mode="after")
    def _kind_rules(self):
        if self.kind in ("controls", "rivalry") and not self.targets:
            raise refuse("targets", [], f"a {self.kind} event needs targets")
        if self.kind == "legitimacy" and self.venue_type is None:
            raise refuse("venue_type", None, f"must be one of {', '.join(VENUE_TYPES)}")
        if self.kind == "government":
            if not self.changes and not self.withdraw:
                raise refuse("changes", None,
                             "a change of government changes something or withdraws")
        elif {"changes", "withdraw"} & self.model_fields_set:
            raise refuse("changes", self.changes if self.changes is not None else self.withdraw,
                         "only a 'government' event takes changes or withdraw")
        elif self.delta is None:
            raise refuse("delta", None, "must be a number in [-1.0, 1.0]")
        return self


class CounterForumDoc(Doc):
    """A leading power's own forum, convened when its camp is shut out."""

    type: Choice(VENUE_TYPES)
    decision: Choice(COUNTER_FORUM_RULES)
    ambition: SHARE
    verification: SHARE
    every: Int(1)
    delay: Int(0) = 1
    source: Text("needs its provenance")


class RelationSources(Doc):
    """The provenance of the alliances and of the partnerships."""

    alliances: Text("must give the provenance of alliances and partnerships")
    partnerships: Text("must give the provenance of alliances and partnerships")


class RelationsDoc(Doc):
    """Groups of countries tied by alliance or by partnership (pairwise facts, cited)."""

    alliances: dict[str, Names] | None = None
    partnerships: dict[str, Names] | None = None
    source: RelationSources


class ParamDoc(Doc):
    """A scenario parameter as written in a scenario: ``{value, range, source}`` (the value's
    bounds depend on the parameter: :mod:`sim.config.params`)."""

    value: Any
    range: Any = None
    source: Any = None


class ScenarioDoc(Doc):
    """A composed scenario (the ``scenario`` key of the run config)."""

    name: Any = "unnamed"
    description: Any = None
    start: Any = None  # the month of step 1, 'YYYY-MM'
    levers: Mapping | None = None  # name -> ParamDoc (or a bare value from the command line)
    uncertainties: Mapping | None = None
    constants: Mapping | None = None
    relations: RelationsDoc
    countries: dict[str, CountryDoc]
    labs: dict[str, LabDoc] | None = None
    venues: dict[str, VenueDoc] | None = None
    events: dict[str, EventDoc] | None = None
    synthetic_states: SyntheticDoc | None = None
    initial_alignment: Choice(INITIAL_ALIGNMENT) = "relations"
    counter_forum: CounterForumDoc | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_states(cls, data: Any) -> Any:
        """An empty ``synthetic_states`` generates none."""
        if isinstance(data, dict) and "synthetic_states" in data and not data["synthetic_states"]:
            data = {**data, "synthetic_states": None}
        return data


OutcomeDoc = create_model("OutcomeDoc", __base__=Doc, window=(Int(1), ...),
                          **{f: (SHARE, ...) for f in OUTCOME_FIELDS})


class RunDoc(Doc):
    """The composed run config (Hydra's own ``hydra`` key set aside)."""

    seed: Seed
    steps: Int(1, MAX_STEPS, above=f"must be an integer in [1, {MAX_STEPS}] (months)")
    replicates: Int(1, MAX_REPLICATES) | None = None
    outcome: OutcomeDoc
    scenario: ScenarioDoc
