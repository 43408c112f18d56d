"""Back-test score: simulate the sessions per seed, F1 of the endorsers and the key actors."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config import (
    RunConfig,
)
from sim.model.decision_rules import RULES
from sim.studies.backtest.events import LAB_PLEDGE, EventsFile
from sim.studies.backtest.plan import Roster, SessionPlan, truth

KEY_ACTORS = ("United States", "China", "United Kingdom", "EU")

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
