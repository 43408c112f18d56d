"""The dashboard's figures (matplotlib, no pyplot state): outcome shares against the
reference, each measure's median and band over the reference's band, and one month of one run
(alignment line, trust network, regimes in force, venue sessions on a timeline).

Every figure is readable alone: a title, units on the axes, legends outside the data, axes
that start at zero for shares and levels.
"""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.app.stats import Share, bands
from sim.model.metrics import OBSERVABLES
from sim.report.plots import (
    CAMP_COLOURS,
    OUTCOME_COLOURS,
    OUTCOMES,
    SERIES,
    VENUE_COLOURS,
    trust_network,
)
from sim.studies.compare import REFERENCE_GREY, UNITS

WHATIF = "#1f77b4"


def png(fig: Figure, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def shares_figure(what_if: list[Share], reference: list[Share], names: tuple[str, str]) -> Figure:
    """Share of seeds in each outcome, what-if (coloured) beside reference (grey), with 95%
    Wilson intervals; the axis runs from 0 to 100%."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(OUTCOMES))
    w = 0.38
    for k, (shares, off) in enumerate(((reference, -w / 2), (what_if, w / 2))):
        vals = np.array([s.share for s in shares])
        highs = np.array([s.high for s in shares])
        err = np.clip(np.array([vals - [s.low for s in shares], highs - vals]), 0, None)
        colours = [REFERENCE_GREY if k == 0 else OUTCOME_COLOURS[s.outcome] for s in shares]
        ax.bar(x + off, 100 * vals, w, yerr=100 * err, capsize=4, color=colours,
               edgecolor="black", linewidth=0.6, hatch="//" if k == 0 else None,
               alpha=0.55 if k == 0 else 0.9)
        for xi, v, top in zip(x + off, vals, highs, strict=True):
            ax.annotate(f"{100 * v:.0f}%", (xi, 100 * top), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, OUTCOMES)
    ax.set_ylim(0, 108)  # room for the labels over the intervals
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel(f"share of {what_if[0].n} seeds [%]")
    ax.set_title("Outcome shares with 95% intervals", loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    handles = [Line2D([], [], ls="", marker="s", ms=9, color=REFERENCE_GREY, alpha=0.55,
                      label=f"{names[0]} (reference, hatched)"),
               Line2D([], [], ls="", marker="s", ms=9, color=WHATIF,
                      label=f"{names[1]} (coloured by outcome)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)
    return fig


def bands_figure(what_if, reference, measures: tuple[str, ...],
                 names: tuple[str, str]) -> Figure:
    """Per measure, the what-if's median (line) and 10-90% band over seeds drawn over the
    reference's (grey, dashed); ``what_if`` and ``reference`` are SeedSets."""
    fig = Figure(figsize=(6.4, 2.3 * len(measures) + 0.6), layout="constrained")
    axes = fig.subplots(len(measures), 1, sharex=True, squeeze=False)[:, 0]
    for ax, m in zip(axes, measures, strict=True):
        k = OBSERVABLES.index(m)
        for seeds, name, colour, ref in ((reference, names[0], REFERENCE_GREY, True),
                                         (what_if, names[1], WHATIF, False)):
            lo, mid, hi = bands(seeds.series[:, :, k:k + 1])[:, :, 0]
            dates = seeds.dates()
            ax.fill_between(dates, lo, hi, color=colour, alpha=0.35 if ref else 0.25, lw=0)
            ax.plot(dates, mid, color=colour, lw=1.8, ls="--" if ref else "-",
                    label=f"{name} (reference)" if ref else name)
        ax.set_title(SERIES[m][0], loc="left", fontsize=10)
        ax.set_ylabel(UNITS.get(m, "level [0-1]"), fontsize=8)
        top = max(1.0, float(np.nanmax(what_if.series[:, :, k])),
                  float(np.nanmax(reference.series[:, :, k])))
        ax.set_ylim(0, top)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes[-1].set_xlabel("month")
    axes[0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.15), ncol=2, fontsize=8,
                   frameon=False)
    fig.suptitle(f"Median (line) and 10-90% band over {what_if.n} seeds", fontsize=10,
                 x=0.02, ha="left")
    return fig


def _camp_colours(al: np.ndarray, threshold: float) -> list[str]:
    return [CAMP_COLOURS["camp A"] if a >= threshold else CAMP_COLOURS["camp B"]
            if a <= -threshold else CAMP_COLOURS["non-aligned"] for a in al]


def alignment_line(ax, replay, step: int) -> None:
    """Every country on a line from camp B's side (-1) to camp A's (+1), sized by capability."""
    model = replay.model
    thr = model.run_config.outcome.camp_threshold
    al = replay.alignment[step]
    cap = replay.capability[step]
    order = np.argsort(al)
    levels = np.zeros(len(al))
    for rank, i in enumerate(order):
        levels[i] = (rank % 4) * 0.25 + 0.2
    ax.axvspan(thr, 1.05, color=CAMP_COLOURS["camp A"], alpha=0.08, lw=0)
    ax.axvspan(-1.05, -thr, color=CAMP_COLOURS["camp B"], alpha=0.08, lw=0)
    ax.axhline(0, color="black", lw=0.8)
    ax.scatter(al, np.zeros_like(al), s=40 + 400 * cap / max(cap.max(), 1e-12),
               c=_camp_colours(al, thr), edgecolors="black", linewidths=0.6, zorder=3)
    if len(al) <= 30:
        for i, name in enumerate(model.country_names):
            ax.annotate(name, (al[i], 0), xytext=(al[i], levels[i]), fontsize=7, ha="center",
                        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#555555"})
    a, b = replay.summary["leaders"]
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-0.3, 1.25)
    ax.set_yticks([])
    ax.set_xlabel(f"alignment: -1 = {b}'s side, +1 = {a}'s side (camp at |a| ≥ {thr:g})",
                  fontsize=8)
    ax.set_title("Alignment of every country", loc="left", fontsize=10)


def regimes_panel(ax, replay, step: int) -> None:
    """The regimes in force this month: depth bars, members and whether each leader is in."""
    rg = replay.regimes[replay.regimes["step"] == step]
    a, b = replay.summary["leaders"]
    ax.set_title(f"Regimes in force ({len(rg)})", loc="left", fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_xlabel("depth [0-1]", fontsize=8)
    if rg.empty:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "none in force", ha="center", va="center", transform=ax.transAxes)
        return
    y = np.arange(len(rg))
    ax.barh(y, rg["depth"], color="#2ca02c", alpha=0.7, edgecolor="black", lw=0.5)
    ax.set_yticks(y, rg["regime"], fontsize=8)
    ax.invert_yaxis()
    for yi, r in zip(y, rg.itertuples(), strict=True):
        who = " + ".join([n for n, flag in ((a, r.leader_a), (b, r.leader_b)) if flag]) or \
            "neither leader"
        ax.text(0.98, yi, f"{r.members} members, {who}", ha="right", va="center", fontsize=7)


def sessions_timeline(ax, replay, step: int) -> None:
    """Venue sessions on a timeline, one row per venue, marker size by depth; the sessions
    still to come are faded, the current month marked."""
    ss = replay.sessions.drop_duplicates("session")
    labels = list(dict.fromkeys(ss["label"]))
    row = {lab: k for k, lab in enumerate(labels)}
    dates = pd.to_datetime(ss["month"] + "-15")
    now = pd.Timestamp(replay.month(step) + "-15")
    for (d, r) in zip(dates, ss.itertuples(), strict=True):
        past = r.step <= step
        ax.scatter(d, row[r.label], s=25 + 250 * r.depth, color=VENUE_COLOURS[r.type],
                   alpha=0.9 if past else 0.2, edgecolors="black" if past else "none",
                   linewidths=0.5, zorder=3)
    ax.axvline(now, color="black", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    start = pd.Timestamp(replay.month(0) + "-15")
    end = pd.Timestamp(replay.month(replay.steps) + "-15")
    ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Venue sessions (size: depth signed; faded: still to come)", loc="left",
                 fontsize=10)
    handles = [Line2D([], [], ls="", marker="o", color=c, label=t)
               for t, c in VENUE_COLOURS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False, title="venue type", title_fontsize=7)


def run_figure(replay, step: int) -> Figure:
    """One month of one run: alignment line, trust network, regimes, sessions timeline."""
    fig = Figure(figsize=(11, 7.2), layout="constrained")
    grid = fig.add_gridspec(3, 2, height_ratios=(1.0, 1.4, 1.1))
    alignment_line(fig.add_subplot(grid[0, :]), replay, step)
    ax = fig.add_subplot(grid[1, 0])
    trust_network(ax, replay.model, trust=replay.trust[step],
                  capability=replay.capability[step], alignment=replay.alignment[step],
                  title="Trust network (coloured by camp)")
    regimes_panel(fig.add_subplot(grid[1, 1]), replay, step)
    sessions_timeline(fig.add_subplot(grid[2, :]), replay, step)
    s = replay.summary
    fig.suptitle(f"{s['scenario']}, seed {s['seed']}: {replay.month(step)} "
                 f"(month {step} of {replay.steps})", fontsize=11, x=0.01, ha="left")
    return fig
