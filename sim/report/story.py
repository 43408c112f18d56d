"""The story of a run, or of a comparison, in plain words (``story.md``).

Pure functions from a run's data to Markdown text: nothing here runs the model or reads files.
A run's story (:func:`run_story`) is built from what the run writes (``summary.json`` as a dict,
``sessions.csv`` and ``ledger.csv`` as tables) and, when the model is at hand, from its
per-pair ledger (:func:`sim.report.io.pair_changes`) and the outcomes of a quick replicate set:

1. the outcome test in words: every condition the model's rule reads, with its value, its
   threshold and whether it holds, taken from ``summary["outcome_test"]`` (built by
   :func:`sim.model.metrics.basis_conditions` from the model's own ``outcome_basis()``; its verdict
   is checked against the outcome, so the story cannot drift from the rule);
2. the sessions that mattered: those that left a leading power out or that a leading power
   stayed away from, and those that produced the deepest texts (who came, who signed, who was
   left out);
3. what moved trust: the run's total by cause, the months it moved most and the pairs of
   countries whose trust changed most, each with its causes, from the trust ledger;
4. a note that one run is one possible history, with the share of each outcome over a quick
   replicate set when one was run.

A comparison's story (:func:`compare_story`, in :mod:`sim.report.comparison_story`; the words
both use are in :mod:`sim.report.words`) gives the outcome shares with 95% intervals, the
continuous measures with their paired differences, and the ledger causes that differ most
between each what-if and the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.report.comparison_story import compare_story as compare_story
from sim.report.words import (
    CAUSE_WORDS,
    OUTCOME_ORDER,
    OUTCOME_WORDS,
    RELATION_WORDS,
    TRUST_CAUSES,
)

MAX_NAMES = 6  # names listed before "and N more"
MAX_SESSIONS = 8


# -- small helpers -----------------------------------------------------------------------------


def names_text(names: Sequence[str], first: Sequence[str] = (), limit: int = MAX_NAMES) -> str:
    """``a, b, c and 4 more``; names in ``first`` (the leaders) come first. ``none`` if empty."""
    names = list(names)
    if not names:
        return "none"
    ordered = [n for n in first if n in names] + [n for n in names if n not in first]
    if len(ordered) <= limit:
        return ", ".join(ordered)
    return f"{', '.join(ordered[:limit])} and {len(ordered) - limit} more"


def condition_words(key: str, summary: dict) -> str:
    """What the model reads for one condition of the outcome test, in words."""
    lead_a, lead_b = summary["outcome_basis"]["leaders"]
    basis, settings = summary["outcome_basis"], summary["outcome_settings"]
    if key == "shared_depth":
        return (f"depth of the deepest regime in force that both {lead_a} and {lead_b} belong "
                "to (0 = none, 1 = binding and verified)")
    if key == "shared_coverage":
        return "share of the world's AI capability inside that shared regime"
    if key == "polarization_mean":
        return (f"polarization, averaged over the last {basis['window']} months (0 = one "
                "world, 1 = two equal camps far apart)")
    if key == "leaders_apart":
        al_a, al_b = basis["leader_alignment"]
        return (f"{lead_a} and {lead_b} in opposite camps ({lead_a} at {al_a:+.2f} and "
                f"{lead_b} at {al_b:+.2f} on a line from {possessive(lead_a)} side, +1, to "
                f"{possessive(lead_b)}, -1; a camp begins at +/-{settings['camp_threshold']:g})")
    if key == "a_own_regime":
        return f"{lead_a} in a regime in force that leaves {lead_b} out"
    if key == "b_own_regime":
        return f"{lead_b} in a regime in force that leaves {lead_a} out"
    return key


def possessive(name: str) -> str:
    """``China's``, ``United States'``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.3f}"


def _need(relation: str, threshold) -> str:
    if relation == "is":
        return "needs yes" if threshold else "needs no"
    return f"needs {RELATION_WORDS[relation]} {threshold:g}"


def stored_verdict(conditions: Sequence[dict]) -> str:
    """The outcome an outcome test gives (:func:`sim.model.metrics.verdict`, stored conditions)."""
    from sim.model.metrics import Condition, verdict

    return verdict(tuple(Condition(**c) for c in conditions))


# -- a run's story -----------------------------------------------------------------------------


def outcome_section(summary: dict) -> list[str]:
    """The outcome test in words, from ``summary["outcome_test"]`` (the model's own test)."""
    conditions = summary["outcome_test"]
    outcome = summary["outcome"]
    if stored_verdict(conditions) != outcome:
        raise ValueError(f"the stored outcome test gives {stored_verdict(conditions)}, the "
                         f"summary says {outcome}")
    lines = ["## Why it ended this way", "",
             "The model calls a run **cooperation** when every cooperation condition below "
             "holds, otherwise **bifurcation** when every bifurcation condition holds, "
             f"otherwise **fragmentation**. What it read at the end ({summary['end']}):", ""]
    for oc in ("cooperation", "bifurcation"):
        group = [c for c in conditions if c["outcome"] == oc]
        held = sum(c["met"] for c in group)
        lines.append(f"**{oc.capitalize()}** ({held} of {len(group)} conditions hold"
                     + (", so this is the outcome" if oc == outcome else "") + "):")
        lines.append("")
        for c in group:
            mark = "holds" if c["met"] else "does not hold"
            lines.append(f"- {condition_words(c['key'], summary)}: **{_value(c['value'])}**, "
                         f"{_need(c['relation'], c['threshold'])}: {mark}")
        lines.append("")
    if outcome == "fragmentation":
        lines.append("Neither list holds in full, so the run ends in **fragmentation**.")
        lines.append("")
    return lines


def session_rows(sessions: pd.DataFrame, roster: Sequence[str],
                 leaders: Sequence[str]) -> pd.DataFrame:
    """One row per session: month, label, type, depth, the countries invited, who came, who
    signed, who was left out (countries of ``roster`` not invited), the labs that came, and
    which leaders were left out or stayed away."""
    rows = []
    for sid, g in sessions.groupby("session", sort=True):
        first = g.iloc[0]
        countries = g[g["actor_kind"] == "country"]
        invited = list(countries["actor"])
        came = list(countries.loc[countries["attended"].astype(bool), "actor"])
        signed = list(countries.loc[countries["signed"].astype(bool), "actor"])
        labs = g[(g["actor_kind"] == "lab") & g["attended"].astype(bool)]
        asked, present = set(invited), set(came)
        # a meeting of labs alone (track two) leaves no country out
        left_out = [n for n in roster if n not in asked] if invited else []
        rows.append({
            "session": int(sid), "month": first["month"], "label": first["label"],
            "type": first["type"], "depth": float(first["depth"]),
            "dialogue_only": bool(first["dialogue_only"]), "invited": invited, "came": came,
            "signed": signed, "labs": len(labs),
            "labs_signed": int(labs["signed"].astype(bool).sum()), "left_out": left_out,
            "leaders_left_out": [n for n in leaders if n in left_out],
            "leaders_away": [n for n in leaders if n in asked and n not in present],
        })
    return pd.DataFrame(rows)


def mattered(table: pd.DataFrame, limit: int = MAX_SESSIONS) -> pd.DataFrame:
    """The sessions that mattered, in the order they met: first those that left a leading power
    out or that one stayed away from, then the deepest texts signed by the most countries."""
    if table.empty:
        return table
    t = table.copy()
    t["leader_missing"] = [bool(a or b) for a, b in zip(t["leaders_left_out"],
                                                           t["leaders_away"], strict=True)]
    t["weight"] = [d * len(s) for d, s in zip(t["depth"], t["signed"], strict=True)]
    t = t[t["leader_missing"] | (t["weight"] > 0)]
    t = t.sort_values(["leader_missing", "weight", "session"], ascending=[False, False, True])
    return t.head(limit).sort_values("session")


def sessions_section(summary: dict, sessions: pd.DataFrame) -> list[str]:
    """The sessions that mattered: who came, who signed, who was left out."""
    leaders = summary["outcome_basis"]["leaders"]
    camps = summary["camps"]
    roster = [*camps["A"], *camps["B"], *camps["nonaligned"]]
    table = session_rows(sessions, roster, leaders)
    lines = ["## The sessions that mattered", ""]
    if table.empty:
        return [*lines, "No venue met during this run.", ""]
    texts = int(((table["depth"] > 0) & (table["signed"].map(len) > 0)).sum())
    missing = int(sum(bool(a or b) for a, b in zip(table["leaders_left_out"],
                                                     table["leaders_away"], strict=True)))
    lines += [f"{len(table)} venue sessions met; {texts} produced a signed text; {missing} went "
              f"ahead without {leaders[0]} or {leaders[1]} (left out or staying away). The "
              "ones below are those without a leading power and those with the deepest texts "
              "signed by the most countries (depth: 0 = talk only, 1 = binding and verified).",
              ""]
    for r in mattered(table).itertuples():
        kind = "talks, no text" if r.dialogue_only or r.depth == 0 else f"depth {r.depth:.2f}"
        head = f"- **{r.month}, {r.label}** ({r.type}, {kind}):"
        if not r.invited:
            lines.append(f"{head} a meeting of labs only: {r.labs} came, {r.labs_signed} "
                         "signed.")
            continue
        present = set(r.came)
        away = [n for n in r.invited if n not in present]
        came = f"{len(r.came)} of {len(r.invited)} invited countries came"
        if away:
            came += f" (stayed away: {names_text(away, leaders)})"
        if r.labs:
            came += f", with {r.labs} lab{'s' if r.labs > 1 else ''}"
        signed = (f"{len(r.signed)} signed ({names_text(r.signed, leaders)})" if r.signed
                  else "nobody signed")
        left = (f"left out: {names_text(r.left_out, leaders)}" if r.left_out
                else "nobody left out")
        lines.append(f"{head} {came}; {signed}; {left}.")
    lines.append("")
    return lines


def _causes_text(row: pd.Series | dict, causes: Sequence[str] = TRUST_CAUSES,
                 top: int = 2, digits: int = 3) -> str:
    """The largest causes of a change, by size: ``exclusion -0.150, rivalry -0.050``."""
    vals = sorted(((c, float(row[c])) for c in causes if abs(float(row[c])) > 0),
                  key=lambda cv: -abs(cv[1]))[:top]
    return ", ".join(f"{CAUSE_WORDS[c]} {v:+.{digits}f}" for c, v in vals) or "no cause"


def trust_section(ledger: pd.DataFrame, sessions: pd.DataFrame | None = None,
                  pairs: pd.DataFrame | None = None, months: int = 3,
                  leaders: Sequence[str] | None = None) -> list[str]:
    """What moved trust, from the ledger: the run's total by cause, the months trust moved most
    (with the sessions of that month) and, with ``pairs`` (:func:`sim.report.io.pair_changes`), the
    pairs of countries whose trust changed most, the ``leaders``' pairs apart."""
    lines = ["## What moved trust", ""]
    if ledger.empty:
        return [*lines, "The run has no months, so trust did not move.", ""]
    total = ledger[list(TRUST_CAUSES)].sum()
    net = float(total.sum())
    ranked = sorted(((c, float(total[c])) for c in TRUST_CAUSES if abs(total[c]) > 0),
                    key=lambda cv: -abs(cv[1]))
    lines.append(f"Trust between two countries (mean over all pairs, 0 to 1) changed by "
                 f"**{net:+.3f}** over the run. By cause, largest first: "
                 + ("; ".join(f"{CAUSE_WORDS[c]} {v:+.3f}" for c, v in ranked) or "none")
                 + ".")
    lines.append("")
    monthly = ledger.assign(net=ledger[list(TRUST_CAUSES)].sum(axis=1))
    top = monthly.reindex(monthly["net"].abs().sort_values(ascending=False).index).head(months)
    top = top[top["net"].abs() > 0]
    if len(top):
        lines.append("The months it moved most:")
        lines.append("")
        for r in top.sort_values("step").to_dict("records"):
            met = []
            if sessions is not None and not sessions.empty:
                met = list(dict.fromkeys(sessions.loc[sessions["month"] == r["month"], "label"]))
            where = f" (sessions that month: {', '.join(met)})" if met else ""
            lines.append(f"- {r['month']}: {r['net']:+.4f}, mostly "
                         f"{_causes_text(r, top=2, digits=4)}{where}")
        lines.append("")
    if pairs is not None and len(pairs):
        leaders = list(leaders or ())
        between = [r for r in pairs.to_dict("records")
                   if {r["truster"], r["trusted"]} == set(leaders) and len(leaders) == 2]
        rest = [r for r in pairs.to_dict("records") if r not in between]
        for title, rows in (("The largest changes between two countries (one's trust in the "
                             "other, from the start to the end):", rest),
                            ("Between the two leading powers:", between)):
            if not rows:
                continue
            lines += [title, ""]
            for r in rows:
                lines.append(f"- {possessive(r['truster'])} trust in {r['trusted']}: "
                             f"{r['start']:.2f} -> {r['end']:.2f} ({r['net']:+.2f}), mostly "
                             f"{_causes_text(r)}")
            lines.append("")
    return lines


def history_section(summary: dict, replicates: Sequence[str] | None = None) -> list[str]:
    """One run is one possible history; the shares over a quick replicate set, if any."""
    lines = ["## One possible history", ""]
    text = ("This run is one possible history: the same scenario with another seed (other "
            "incidents, elections and turnouts) can end differently.")
    if replicates:
        from sim.studies.compare import wilson_interval

        n = len(replicates)
        parts = []
        for oc in OUTCOME_ORDER:
            k = sum(o == oc for o in replicates)
            lo, hi = wilson_interval(k, n)
            parts.append(f"{oc} {k} of {n} ({100 * k / n:.0f}%, 95% interval "
                         f"{100 * lo:.0f}-{100 * hi:.0f}%)")
        text += (f" Over a quick replicate set of {n} other seeds of the same settings: "
                 + "; ".join(parts) + ".")
    else:
        text += (f" To see how often each outcome happens, run a quick replicate set "
                 f"(`aigov scenario={summary['scenario']} replicates=20`) or compare with "
                 f"another scenario over the same seeds (`aigov-compare {summary['scenario']} "
                 "OTHER --seeds 100`).")
    return [*lines, text, ""]


def headline(summary: dict) -> list[str]:
    outcome = summary["outcome"]
    return [f"# Why this run ended in {outcome}", "",
            f"Scenario `{summary['scenario']}`, seed {summary['seed']}, {summary['steps']} "
            f"months ({summary['start']} to {summary['end']}). The outcome is **{outcome}**: "
            f"{OUTCOME_WORDS[outcome]}.", ""]


def run_story(summary: dict, sessions: pd.DataFrame, ledger: pd.DataFrame, *,
              pairs: pd.DataFrame | None = None,
              replicates: Sequence[str] | None = None) -> str:
    """The story of one run as Markdown (see the module docstring for its parts)."""
    lines = [*headline(summary), *outcome_section(summary),
             *sessions_section(summary, sessions),
             *trust_section(ledger, sessions, pairs,
                            leaders=summary["outcome_basis"]["leaders"]),
             *history_section(summary, replicates)]
    return "\n".join(lines).rstrip() + "\n"


def head(story: str, sections: int = 1) -> str:
    """The opening of a story for a terminal: the title, its first paragraph and the first
    ``sections`` sections, without blank lines and Markdown marks."""
    out, seen = [], 0
    for line in story.splitlines():
        if line.startswith("## "):
            seen += 1
            if seen > sections:
                break
        if line.strip():
            out.append(line.replace("**", "").replace("`", "").lstrip("# "))
    return "\n".join(out)


# -- a comparison's story ----------------------------------------------------------------------
