"""The story of one run in words, for the page: why it ended as it did (the outcome test with
each condition's value and threshold, from the model's own outcome basis), the sessions that
mattered (who came, who signed, who was left out), the largest trust changes with their causes
from the ledger, and a reminder that one run is one possible history among the seeds.

This is the page's only source of the story: :func:`run_story` takes a finished
:class:`sim.app.engine.Replay` and the outcome shares over the seeds, and returns Markdown. A
project-wide story module can replace it here without touching the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.ledger import CAUSES

TOP_SESSIONS = 6
TOP_PAIRS = 5


def _names(names: Sequence[str], limit: int = 8) -> str:
    names = list(names)
    if not names:
        return "nobody"
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def outcome_test(replay) -> list[str]:
    """The outcome rule in words, each condition with its value and threshold: the model's own
    conditions (``summary["outcome_test"]``, :func:`sim.model.metrics.outcome_conditions`), so the
    page cannot drift from the rule."""
    from sim.report.story import _need, _value, condition_words, stored_verdict

    summary = replay.summary
    test = summary["outcome_test"]
    outcome = summary["outcome"]
    if stored_verdict(test) != outcome:
        raise ValueError(f"the outcome test gives {stored_verdict(test)}, the run {outcome}")
    lines = [f"**Outcome: {outcome}.** Cooperation needs all of:", ""]
    for group in ("cooperation", "bifurcation"):
        if group == "bifurcation":
            lines += ["", "Bifurcation needs all of:", ""]
        lines += [f"- {'✔' if c['met'] else '✘'} {condition_words(c['key'], summary)}: "
                  f"{_value(c['value'])} ({_need(c['relation'], c['threshold'])})"
                  for c in test if c["outcome"] == group]
    if outcome == "fragmentation":
        lines += ["", "Neither test passed, so the run ends in fragmentation."]
    return lines


def sessions_that_mattered(replay) -> list[str]:
    """The deepest texts signed and every session a leader was left out of or stayed away
    from, in calendar order."""
    model = replay.model
    leaders = set(replay.summary["leaders"])
    picked = []
    by_depth = sorted(model.sessions, key=lambda s: -s.depth * len(s.signatories))
    keep = {id(s) for s in by_depth[:TOP_SESSIONS] if s.signatories}
    for s in model.sessions:
        missing = leaders - set(s.attendees)
        if id(s) in keep or (s.type != "bilateral" and missing and s.type != "track2"):
            picked.append(s)
    countries = set(model.country_names)
    lines = []
    for s in picked[:2 * TOP_SESSIONS]:
        left_out = sorted(countries - set(s.invitees)) if s.type in ("summit", "un") else []
        away = [n for n in s.invitees if n not in s.attendees]
        text = (f"- **{s.month} {s.label}** (host {s.host or 'private'}): came "
                f"{_names(s.attendees)}; signed {_names(s.signatories)} at depth {s.depth:.2f}")
        if left_out:
            text += f"; not invited: {_names(left_out)}"
        if away:
            text += f"; invited but absent: {_names(away)}"
        lines.append(text)
    return lines or ["- no session was held"]


def trust_changes(replay) -> list[str]:
    """The largest changes of trust between two countries over the run, with the causes the
    ledger records (their sum is the change)."""
    model = replay.model
    cum = model.ledger.cumulative
    if cum is None:
        return ["- the per-pair ledger is kept only for rosters of at most 400 countries"]
    total = sum(cum[c] for c in CAUSES)
    n = model.n
    off = ~np.eye(n, dtype=bool)
    order = np.argsort(-np.abs(np.where(off, total, 0.0)), axis=None)[:TOP_PAIRS]
    names = model.country_names
    lines = []
    for flat in order:
        i, j = divmod(int(flat), n)
        start, end = replay.trust[0, i, j], replay.trust[-1, i, j]
        causes = sorted(((c, float(cum[c][i, j])) for c in CAUSES), key=lambda x: -abs(x[1]))
        parts = ", ".join(f"{c} {v:+.2f}" for c, v in causes if abs(v) >= 0.005)
        lines.append(f"- {names[i]}'s trust in {names[j]}: {start:.2f} → {end:.2f} "
                     f"({end - start:+.2f}): {parts or 'small changes only'}")
    return lines


def run_story(replay, shares=None) -> str:
    """Markdown: outcome test, sessions that mattered, largest trust changes, and the note that
    one run is one possible history (with the outcome shares over seeds when given)."""
    s = replay.summary
    lines = [f"### Seed {s['seed']} of {s['scenario']}, {s['start']} to {s['end']}", ""]
    lines += outcome_test(replay)
    lines += ["", "**Sessions that mattered**", ""]
    lines += sessions_that_mattered(replay)
    lines += ["", "**Largest trust changes and their causes** (ledger, cumulative)", ""]
    lines += trust_changes(replay)
    lines += [""]
    note = "One run is one possible history."
    if shares:
        n = shares[0].n
        parts = "; ".join(f"{x.outcome} {x.text()}" for x in shares)
        note += f" Over {n} seeds of the same settings: {parts}."
    lines.append(f"*{note}*")
    return "\n".join(lines)
