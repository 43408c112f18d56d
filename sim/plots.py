"""One palette and the run figure, shared by the CLI, the notebooks and the dashboard.

Colours are fixed per bloc, per outcome and per observable so that every figure of the project
reads the same way. Figures carry titles, units and legends; venue sessions are marked on the
time axis.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

BLOC_COLOURS = {"west": "#1f77b4", "china": "#d62728", "nonaligned": "#7f7f7f"}
OUTCOME_COLOURS = {"cooperation": "#2ca02c", "bifurcation": "#d62728",
                   "fragmentation": "#ff7f0e"}
OUTCOMES = ("cooperation", "bifurcation", "fragmentation")
SERIES = {
    "mean_trust": ("Mean trust", "#1f77b4"),
    "cross_bloc_trust": ("Cross-bloc trust", "#9467bd"),
    "bifurcation_index": ("Bifurcation index", "#d62728"),
    "regime_coverage": ("Regime coverage (capability share)", "#2ca02c"),
    "global_safety": ("Global implemented safety", "#17becf"),
    "lab_safety": ("Lab safety investment", "#8c564b"),
    "mean_controls": ("Mean export controls", "#ff7f0e"),
    "capability_gap": ("Leaders' capability gap", "#7f7f7f"),
    "incidents": ("Cumulative incidents", "#e377c2"),
}
VENUE_COLOURS = {"un": "#2ca02c", "summit": "#1f77b4", "bilateral": "#d62728",
                 "track2": "#9467bd"}
PANELS = (
    ("Trust between countries", ("mean_trust", "cross_bloc_trust"), "trust [0-1]"),
    ("Blocs and regime", ("bifurcation_index", "regime_coverage"), "index / share [0-1]"),
    ("Safety and controls", ("global_safety", "lab_safety", "mean_controls"), "level [0-1]"),
    ("Race", ("capability_gap",), "relative gap [0-1]"),
)


def month_dates(months: pd.Series) -> pd.DatetimeIndex:
    return pd.to_datetime(months + "-15")


def mark_sessions(ax, sessions: list, *, labels: bool) -> None:
    """Vertical lines at venue sessions, coloured by venue type."""
    seen = set()
    for s in sessions:
        x = pd.Timestamp(s.month + "-15")
        ax.axvline(x, color=VENUE_COLOURS[s.type], lw=0.8, ls=":", alpha=0.8)
        if labels and (s.label, s.month) not in seen:
            seen.add((s.label, s.month))
            ax.annotate(s.label, (x, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        fontsize=6, va="top", ha="right", color=VENUE_COLOURS[s.type])


def timeseries_figure(model, ts: pd.DataFrame) -> bytes:
    """Four panels of observables over time with venue sessions marked; PNG bytes."""
    dates = month_dates(ts["month"])
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(10, 11), sharex=True)
    for k, (ax, (title, keys, unit)) in enumerate(zip(axes, PANELS, strict=True)):
        for key in keys:
            label, colour = SERIES[key]
            ax.plot(dates, ts[key], color=colour, lw=1.8, label=label)
        ax.set_ylim(0, 1.02)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel(unit)
        mark_sessions(ax, model.sessions, labels=(k == 0))
        ax.grid(alpha=0.3)
        if key == "capability_gap":
            ax2 = ax.twinx()
            label, colour = SERIES["incidents"]
            ax2.step(dates, ts["incidents"], where="post", color=colour, label=label)
            ax2.set_ylabel("incidents (count)")
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
        else:
            ax.legend(loc="lower left", fontsize=8)
    handles = [plt.Line2D([], [], color=c, ls=":", label=f"{t} session")
               for t, c in VENUE_COLOURS.items()]
    axes[-1].legend(handles=axes[-1].get_legend().legend_handles + handles, fontsize=7,
                    loc="upper left", ncol=2)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    axes[-1].set_xlabel("month (one step = one month)")
    run = model.run_config
    fig.suptitle(f"Scenario '{run.scenario.name}', seed {run.seed}: outcome "
                 f"{model.outcome()}", fontsize=12)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
