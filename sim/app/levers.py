"""What the dashboard lets a user change, and the same change as command-line overrides.

A scenario's **levers** are what governments choose: the parameters its file declares under
``levers`` (the safety-for-compute deal and its thresholds, the club's easing of controls),
plus, for every recurring multilateral venue (a summit series or UN track that meets again and
again), who is shut out of it and who is always invited (the way to let a country in: taking it
off the shut-out list does not invite it when the venue asks only its host's side). Its
**uncertainties** are what nobody knows: the parameters under ``uncertainties``, shown with
their declared plausible range and source but not changed here.

:func:`apply` makes the run settings of a choice by editing the composed config and validating
it again (:func:`sim.config.build_run_config`); :func:`overrides` writes the same choice as the
overrides ``aigov`` takes, so the page can show the equivalent command (the tests check that
both give the same config hash).
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sim.config import PARAMETERS, RunConfig, build_run_config

MULTILATERAL = ("summit", "un")


@dataclass(frozen=True)
class Param:
    """One declared parameter: its value, plausible range, source and meaning."""

    name: str
    section: str  # levers, uncertainties or constants
    value: float | bool
    low: float | None  # declared plausible range (None when the file declares none)
    high: float | None
    source: str
    meaning: str
    is_switch: bool

    @property
    def label(self) -> str:
        """Plain-language name: the schema's meaning, first letter capital."""
        return self.meaning[:1].upper() + self.meaning[1:]

    def slider_range(self) -> tuple[float, float]:
        """Where a slider may move: the declared range, else the hard bounds."""
        spec = PARAMETERS[self.name]
        return (self.low if self.low is not None else spec.lo,
                self.high if self.high is not None else spec.hi)


    def slider_step(self) -> float:
        """A round step with at least 20 stops on the slider that lands on the declared value
        (a slider whose grid missed it would move the lever by merely being drawn)."""
        lo, hi = self.slider_range()
        for step in STEPS:
            if (hi - lo) / step >= 20 and _on_grid(float(self.value) - lo, step) \
                    and _on_grid(hi - lo, step):
                return step
        return STEPS[-1]


STEPS = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0001)


def _on_grid(x: float, step: float) -> bool:
    return abs(x / step - round(x / step)) < 1e-6


@dataclass(frozen=True)
class VenueLever:
    """A recurring multilateral venue and the countries it shuts out by default."""

    name: str
    label: str
    type: str
    host: str
    excluded: tuple[str, ...]
    candidates: tuple[str, ...]  # countries it may shut out (every country but the host)
    invite: tuple[str, ...] | str = "all"  # the venue's rule: all, like_minded, none or names
    also_invite: tuple[str, ...] = ()  # invited whatever the rule says (unless shut out)

    def invitation(self) -> str:
        """Who the venue asks, in words: not being shut out is not being invited."""
        if self.invite == "all":
            rule = "every country"
        elif self.invite == "like_minded":
            rule = f"the countries on {self.host}'s side of the alignment line"
        elif self.invite == "none":
            rule = "nobody by rule"
        else:
            rule = ", ".join(self.invite)
        also = f", and always {', '.join(self.also_invite)}" if self.also_invite else ""
        return (f"Invites {rule}{also}. Taking a country off the shut-out list does not invite "
                "it: it is asked only if the rule or the always-invited list includes it; "
                "shutting a country out overrides inviting it.")


@dataclass(frozen=True)
class Choice:
    """What a user chose: parameter values and, per venue, the countries shut out and the
    countries always invited; only what departs from the scenario's own values."""

    params: Mapping[str, float | bool] = field(default_factory=dict)
    excluded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    invited: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def keep_apart(chosen: Sequence[str], other: Sequence[str]) -> tuple[str, ...]:
    """``other`` without the countries just ``chosen`` for the opposite list of a venue: a
    country is either shut out of it or always invited to it (shutting out takes it off the
    invited; inviting lets it in)."""
    taken = set(chosen)
    return tuple(n for n in other if n not in taken)


def declared(run: RunConfig, section: str) -> list[Param]:
    """The parameters a scenario declares in ``section``, in schema order."""
    prov = run.scenario.provenance
    out = []
    for name in PARAMETERS:
        p = prov.get(name)
        if p is None or p["section"] != section:
            continue
        rng = p.get("range") or (None, None)
        spec = PARAMETERS[name]
        out.append(Param(name=name, section=section, value=p["value"], low=rng[0], high=rng[1],
                         source=p["source"], meaning=spec.meaning, is_switch=spec.kind is bool))
    return out


def levers(run: RunConfig) -> list[Param]:
    """The scenario's lever parameters (what governments choose)."""
    return declared(run, "levers")


def uncertainties(run: RunConfig) -> list[Param]:
    """The scenario's uncertain parameters (what nobody knows), for the assumptions panel."""
    return declared(run, "uncertainties")


def venue_levers(run: RunConfig) -> list[VenueLever]:
    """Recurring multilateral venues (``every`` > 0, type summit or un), whose invitations the
    page can change: who is shut out."""
    countries = tuple(c.name for c in run.scenario.countries)
    return [VenueLever(name=v.name, label=v.label, type=v.type, host=v.host,
                       excluded=tuple(v.exclude),
                       candidates=tuple(c for c in countries if c != v.host),
                       invite=v.invite if isinstance(v.invite, str) else tuple(v.invite),
                       also_invite=tuple(v.also_invite))
            for v in run.scenario.venues if v.type in MULTILATERAL and v.every > 0]


def normalise(run: RunConfig, choice: Choice) -> Choice:
    """The choice without what equals the scenario's own values; unknown names are refused
    with a ValueError naming them."""
    own = {p.name: p for p in levers(run)}
    venues = {v.name: v for v in venue_levers(run)}
    params = {}
    for name, value in choice.params.items():
        if name not in own:
            raise ValueError(f"{name!r} is not a lever of {run.scenario.name}; levers: "
                             f"{', '.join(own)}")
        p = own[name]
        value = bool(value) if p.is_switch else float(value)
        if value != (bool(p.value) if p.is_switch else float(p.value)):
            params[name] = value
    excluded = _venue_lists(run, venues, choice.excluded, "excluded", "shut out of")
    invited = _venue_lists(run, venues, choice.invited, "also_invite", "invited to")
    return Choice(params, excluded, invited)


def _venue_lists(run: RunConfig, venues: Mapping[str, VenueLever],
                 chosen: Mapping[str, Sequence[str]], attr: str,
                 verb: str) -> dict[str, tuple[str, ...]]:
    """Per venue, the chosen countries (in roster order) where they differ from the venue's
    own list ``attr``; unknown venues or countries are refused with a ValueError."""
    out = {}
    for name, names in chosen.items():
        if name not in venues:
            raise ValueError(f"{name!r} is not a recurring multilateral venue of "
                             f"{run.scenario.name}; venues: {', '.join(venues)}")
        bad = [n for n in names if n not in venues[name].candidates]
        if bad:
            raise ValueError(f"{bad[0]!r} cannot be {verb} {name}; choose among "
                             f"{', '.join(venues[name].candidates)}")
        ordered = tuple(n for n in venues[name].candidates if n in names)
        if set(ordered) != set(getattr(venues[name], attr)):
            out[name] = ordered
    return out


def apply(run: RunConfig, choice: Choice) -> RunConfig:
    """The run settings with the choice applied, validated as any config is."""
    choice = normalise(run, choice)
    if not choice.params and not choice.excluded and not choice.invited:
        return run
    raw = copy.deepcopy(run.raw)
    sc = raw["scenario"]
    for name, value in choice.params.items():
        sc["levers"][name]["value"] = value
    for name, names in choice.excluded.items():
        sc["venues"][name]["exclude"] = list(names)
    for name, names in choice.invited.items():
        sc["venues"][name]["also_invite"] = list(names)
    return build_run_config(raw)


def _value(value: float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(float(value))


def overrides(run: RunConfig, choice: Choice) -> list[str]:
    """The choice as ``aigov`` overrides (Hydra syntax), one per changed value."""
    choice = normalise(run, choice)
    out = [f"scenario.levers.{name}.value={_value(v)}" for name, v in choice.params.items()]
    for key, lists in (("exclude", choice.excluded), ("also_invite", choice.invited)):
        for name, names in lists.items():
            plus = "" if key in run.raw["scenario"]["venues"][name] else "+"
            listed = ",".join(f"'{n}'" if " " in n else n for n in names)
            out.append(f"{plus}scenario.venues.{name}.{key}=[{listed}]")
    return out


def shell(words: Sequence[str]) -> str:
    """Words as one shell command line (quoted where needed)."""
    return " ".join(shlex.quote(w) for w in words)


def commands(scenario: str, reference: str, run: RunConfig, choice: Choice, *, seeds: int,
             seed: int) -> dict[str, str]:
    """The command lines that reproduce what the page shows.

    ``run``: the one run stepped on the page; ``seeds``: the what-if's seeds (a Hydra multirun
    of ``aigov``); ``compare``: ``aigov-compare`` of the reference and the scenario over the
    same seeds, which holds the lever choice only when there is none (``--set`` would apply
    a lever to the reference too); ``note`` says so.
    """
    ov = overrides(run, choice)
    out = {
        "run": shell(["aigov", f"scenario={scenario}", f"seed={seed}", *ov]),
        "seeds": shell(["aigov", "-m", f"scenario={scenario}", f"seed=range(0,{seeds})", *ov]),
    }
    if scenario != reference:
        out["compare"] = shell(["aigov-compare", reference, scenario, "--seeds", str(seeds)])
    if ov:
        out["note"] = ("aigov-compare applies --set to every scenario, so the lever changes "
                       "above are reproduced by the multirun of seeds, not by aigov-compare.")
    return out
