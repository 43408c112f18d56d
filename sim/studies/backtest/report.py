"""Back-test report: the table of scores and the figure of F1 and key actors per outcome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.backtest.score import KEY_ACTORS

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
