"""The story of a comparison in plain words: outcome shares, measures, the causes that differ.

Pure functions from :func:`sim.studies.compare.outcome_table` and
:func:`sim.studies.compare.observable_table` to Markdown text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.report.words import CAUSE_WORDS, OUTCOME_ORDER


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _pp(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:+.0f}"


def _outcome_lines(outcomes: pd.DataFrame, names: Sequence[str], reference: str) -> list[str]:
    """The table of outcome shares with their intervals, then each what-if's paired
    differences to the reference (*clear* when the interval excludes zero)."""
    others = [n for n in names if n != reference]
    lines = ["| scenario | " + " | ".join(OUTCOME_ORDER) + " |",
             "|---|" + "---|" * len(OUTCOME_ORDER)]
    for name in names:
        sub = outcomes[outcomes["scenario"] == name].set_index("outcome")
        cells = [f"{_pct(sub.loc[o, 'share'])} [{_pct(sub.loc[o, 'ci_low'])}, "
                 f"{_pct(sub.loc[o, 'ci_high'])}]" for o in OUTCOME_ORDER]
        lines.append(f"| {name}{' (reference)' if name == reference else ''} | "
                     + " | ".join(cells) + " |")
    lines.append("")
    for name in others:
        sub = outcomes[outcomes["scenario"] == name].set_index("outcome")
        parts = []
        for o in OUTCOME_ORDER:
            r = sub.loc[o]
            sure = (not math.isnan(r["diff_ci_low"])
                    and (r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0))
            parts.append(f"{o} {_pp(r['diff_vs_reference'])} points [{_pp(r['diff_ci_low'])}, "
                         f"{_pp(r['diff_ci_high'])}]" + (" (clear)" if sure else ""))
        lines.append(f"- {name} against {reference}: " + "; ".join(parts) + ".")
    return lines


def _measure_lines(observables: pd.DataFrame, names: Sequence[str], reference: str,
                   measures: Sequence[str], labels: dict[str, str]) -> list[str]:
    """One table row per measure and scenario: mean [95% interval], difference to the
    reference."""
    lines = []
    for col in measures:
        for name in names:
            r = observables[(observables["scenario"] == name)
                            & (observables["observable"] == col)].iloc[0]
            diff = ("" if name == reference else
                    f"{r['diff_vs_reference']:+.3f} [{r['diff_ci_low']:+.3f}, "
                    f"{r['diff_ci_high']:+.3f}]")
            lines.append(f"| {labels.get(col, col)} | {name} | {r['mean']:.3f} "
                         f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}] | {diff} |")
    return lines


def _ledger_lines(observables: pd.DataFrame, others: Sequence[str], reference: str,
                  ledger: Sequence[str], top_causes: int) -> list[str]:
    """Per what-if, the ``top_causes`` ledger causes whose paired difference to the reference
    is largest in size (none: said so)."""
    lines = []
    for name in others:
        sub = observables[(observables["scenario"] == name)
                          & observables["observable"].isin(list(ledger))]
        sub = sub.reindex(sub["diff_vs_reference"].abs().sort_values(ascending=False).index)
        sub = sub[sub["diff_vs_reference"].abs() > 0].head(top_causes)
        if sub.empty:
            lines.append(f"- {name}: no cause differs from {reference}.")
            continue
        parts = []
        for r in sub.to_dict("records"):
            cause = r["observable"].removeprefix("ledger_")
            ref = observables[(observables["scenario"] == reference)
                              & (observables["observable"] == r["observable"])].iloc[0]
            parts.append(f"{CAUSE_WORDS.get(cause, cause)}: {ref['mean']:+.4f} -> "
                         f"{r['mean']:+.4f} (difference {r['diff_vs_reference']:+.4f} "
                         f"[{r['diff_ci_low']:+.4f}, {r['diff_ci_high']:+.4f}])")
        lines.append(f"- {name}: " + "; ".join(parts) + ".")
    return lines


def compare_story(outcomes: pd.DataFrame, observables: pd.DataFrame, reference: str,
                  n_seeds: int, end_month: str, *, measures: Sequence[str],
                  ledger: Sequence[str], labels: dict[str, str] | None = None,
                  top_causes: int = 3) -> str:
    """The story of a comparison as Markdown: outcome shares with 95% intervals and paired
    differences, the continuous ``measures`` (mean, interval, difference), and for each
    what-if the ``ledger`` columns (``ledger_<cause>``) whose paired difference to the
    reference is largest. ``outcomes`` and ``observables`` are
    :func:`sim.studies.compare.outcome_table` and :func:`sim.studies.compare.observable_table`."""
    names = list(dict.fromkeys(outcomes["scenario"]))
    others = [n for n in names if n != reference]
    lines = [f"# {', '.join(others)} against {reference}", "",
             f"Every scenario ran the same {n_seeds} seeds (0-{n_seeds - 1}), so seed k meets "
             "the same chance events in each; a difference is taken seed by seed (paired), "
             "which makes it more precise than the two intervals side by side. Intervals are "
             "95%: Wilson for a share, Student t for a mean or a paired difference.", "",
             "## How often each outcome happened", ""]
    lines += _outcome_lines(outcomes, names, reference)
    lines += ["", "A difference is *clear* when its whole interval lies on one side of zero.",
              "", f"## Continuous measures at the end ({end_month})", "",
              "| measure | scenario | mean [95% interval] | difference to the reference |",
              "|---|---|---|---|"]
    lines += _measure_lines(observables, names, reference, measures, labels or {})
    lines += ["", "## What moved trust differently", "",
              "The trust ledger books every change of trust to a cause; below, for each "
              "what-if, the causes whose total over the run (mean change per pair of "
              "countries) differs most from the reference's.", ""]
    lines += _ledger_lines(observables, others, reference, ledger, top_causes)
    return "\n".join(lines).rstrip() + "\n"
