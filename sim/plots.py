"""One palette and the run figure, shared by the CLI, the notebooks and the dashboard.

Colours are fixed per bloc, per outcome and per observable so that every figure of the project
reads the same way. Figures carry titles, units and legends; venue sessions are marked on the
time axis.
"""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

BLOC_COLOURS = {"west": "#1f77b4", "china": "#d62728", "nonaligned": "#7f7f7f"}
CAMP_COLOURS = {"camp A": "#1f77b4", "camp B": "#d62728", "non-aligned": "#7f7f7f"}
OUTCOME_COLOURS = {"cooperation": "#2ca02c", "bifurcation": "#d62728",
                   "fragmentation": "#ff7f0e"}
OUTCOMES = ("cooperation", "bifurcation", "fragmentation")
SERIES = {
    "mean_trust": ("Mean trust", "#1f77b4"),
    "cross_camp_trust": ("Trust across the camps", "#9467bd"),
    "polarization": ("Polarization (Esteban-Ray)", "#d62728"),
    "camp_a_share": ("Camp A (capability share)", "#1f77b4"),
    "camp_b_share": ("Camp B (capability share)", "#d62728"),
    "regimes_in_force": ("Regimes in force", "#2ca02c"),
    "regime_depth": ("Deepest regime in force", "#98df8a"),
    "regime_coverage": ("Regime coverage (capability share)", "#2ca02c"),
    "shared_depth": ("Depth shared by the leaders", "#bcbd22"),
    "deals": ("Safety-for-compute deal months", "#aec7e8"),
    "global_safety": ("Global implemented safety", "#17becf"),
    "lab_safety": ("Lab safety investment", "#8c564b"),
    "mean_controls": ("Mean export controls", "#ff7f0e"),
    "capability_gap": ("Leaders' capability gap", "#7f7f7f"),
    "incidents": ("Cumulative incidents", "#e377c2"),
}
VENUE_COLOURS = {"un": "#2ca02c", "summit": "#1f77b4", "bilateral": "#d62728",
                 "track2": "#9467bd"}
PANELS = (
    ("Trust between countries", ("mean_trust", "cross_camp_trust"), "trust [0-1]"),
    ("Camps and regimes", ("polarization", "regime_coverage", "shared_depth"),
     "index / share / depth [0-1]"),
    ("Safety and controls", ("global_safety", "lab_safety", "mean_controls"), "level [0-1]"),
    ("Race", ("capability_gap",), "relative gap [0-1]"),
)


def month_dates(months: pd.Series) -> pd.DatetimeIndex:
    return pd.to_datetime(months + "-15")


def session_numbers(sessions: list) -> dict[str, int]:
    """A number per distinct session label, in order of first appearance (recurring: one)."""
    out: dict[str, int] = {}
    for s in sessions:
        out.setdefault(s.label, len(out) + 1)
    return out


def mark_sessions(ax, sessions: list, *, numbers: dict[str, int] | None = None) -> None:
    """Vertical lines at venue sessions, coloured by venue type; with ``numbers``, each line's
    number (see :func:`session_numbers`) above the axes, staggered where sessions crowd."""
    last_x, level = None, 0
    for s in sessions:
        x = pd.Timestamp(s.month + "-15")
        colour = VENUE_COLOURS[s.type]
        ax.axvline(x, color=colour, lw=0.8, ls=":", alpha=0.8)
        if numbers is not None:
            close = last_x is not None and (x - last_x).days < 60
            level = (level + 1) % 3 if close else 0
            last_x = x
            ax.annotate(str(numbers[s.label]), (x, 1.02 + 0.09 * level),
                        xycoords=("data", "axes fraction"), fontsize=7, ha="center",
                        va="bottom", color=colour, annotation_clip=False)


def timeseries_figure(model, ts: pd.DataFrame) -> bytes:
    """Four panels of observables over time with venue sessions marked; PNG bytes."""
    dates = month_dates(ts["month"])
    fig = Figure(figsize=(12, 11))  # no pyplot: no backend switch, safe in notebooks
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    numbers = session_numbers(model.sessions)
    for k, (ax, (title, keys, unit)) in enumerate(zip(axes, PANELS, strict=True)):
        for key in keys:
            label, colour = SERIES[key]
            ax.plot(dates, ts[key], color=colour, lw=1.8, label=label)
        ax.set_ylim(0, 1.02)
        ax.set_title(title, fontsize=10, loc="left", pad=34 if k == 0 else 6)
        ax.set_ylabel(unit)
        mark_sessions(ax, model.sessions, numbers=numbers if k == 0 else None)
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
    handles = [Line2D([], [], color=c, ls=":", label=f"{t} session")
               for t, c in VENUE_COLOURS.items()]
    axes[-1].legend(handles=axes[-1].get_legend().legend_handles + handles, fontsize=7,
                    loc="upper left", ncol=2)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    axes[-1].set_xlabel("month (one step = one month)")
    run = model.run_config
    fig.suptitle(f"Scenario '{run.scenario.name}', seed {run.seed}: outcome "
                 f"{model.outcome()}", fontsize=12)
    fig.tight_layout(rect=(0, 0, 0.8, 0.97))
    key = "\n".join(f"{n:>2}  {label}" for label, n in numbers.items())
    fig.text(0.81, 0.93, "Venue sessions\n" + key, fontsize=8, va="top", family="monospace")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def trust_network(ax, model, *, trust=None, capability=None, alignment=None,
                  threshold: float = 0.5,
                  pos: dict | None = None, labels: bool | None = None,
                  title: str | None = None, legend: bool = True) -> dict:
    """Draw the trust network between countries on ``ax``; returns the node positions.

    Nodes are countries, coloured by the camp their alignment puts them in (``CAMP_COLOURS``;
    the scenario's bloc labels play no part), their area proportional to
    capability relative to the most capable country in the picture. An edge joins two countries
    whose mutual trust (T_ij + T_ji) / 2 is at least ``threshold``; its width and opacity grow
    with that trust. The marker repeats the camp (circle: camp A, square: camp B, triangle:
    non-aligned); pass ``alignment`` to draw an earlier month's camps.

    ``trust`` and ``capability`` default to the model's current arrays; pass copies taken at an
    earlier month to draw that moment. Pass the returned ``pos`` to a second call to keep every
    country in the same place (e.g. start and end side by side). The default layout is a circle
    ordered by bloc, so it does not depend on the trust drawn. ``labels`` defaults to naming
    the countries when there are at most 30.
    """
    import networkx as nx
    import numpy as np

    from sim.mechanisms.alignment import camps

    t = np.asarray(model.trust if trust is None else trust, dtype=float)
    cap = np.asarray(model.capability if capability is None else capability, dtype=float)
    names, blocs = list(model.country_names), [str(b) for b in model.blocs]
    n = len(names)
    w = 0.5 * (t + t.T)
    al = np.asarray(model.alignment if alignment is None else alignment, dtype=float)
    camp_a, camp_b = camps(al, model.poles[0], model.run_config.outcome.camp_threshold)

    g = nx.Graph()
    g.add_nodes_from(names)
    for i in range(n):
        for j in range(i + 1, n):
            if w[i, j] >= threshold:
                g.add_edge(names[i], names[j], trust=float(w[i, j]))
    if pos is None:
        order = sorted(range(n), key=lambda k: (list(BLOC_COLOURS).index(blocs[k])
                                                if blocs[k] in BLOC_COLOURS else 99, k))
        pos = nx.circular_layout([names[k] for k in order])

    span = max(1.0 - threshold, 1e-9)
    edges = list(g.edges(data="trust"))
    strength = [min(max((v - threshold) / span, 0.0), 1.0) for _, _, v in edges]
    nx.draw_networkx_edges(g, pos, ax=ax, edgelist=[(a, b) for a, b, _ in edges],
                           width=[0.5 + 4.0 * s for s in strength],
                           alpha=[0.25 + 0.65 * s for s in strength] if edges else None,
                           edge_color="#444444")
    size = 80 + 1400 * cap / max(cap.max(), 1e-12)
    for (marker, mask), colour in zip((("o", camp_a), ("s", camp_b), ("^", ~camp_a & ~camp_b)),
                                      CAMP_COLOURS.values(), strict=True):
        idx = np.flatnonzero(mask)
        if idx.size:
            nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=[names[k] for k in idx],
                                   node_size=size[idx], node_shape=marker, node_color=colour,
                                   edgecolors="black", linewidths=0.6, alpha=0.9)
    if labels if labels is not None else n <= 30:
        nx.draw_networkx_labels(g, {k: (x, y - 0.13) for k, (x, y) in pos.items()},
                                ax=ax, font_size=7)
    ax.set_axis_off()
    ax.margins(0.12)
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        handles = [Line2D([], [], ls="", marker=m, ms=8, color=c, mec="black", label=k)
                   for m, (k, c) in zip("os^", CAMP_COLOURS.items(), strict=True)]
        handles += [Line2D([], [], color="#444444", lw=0.5 + 4.0 * s, alpha=0.25 + 0.65 * s,
                               label=f"mutual trust {threshold + s * span:.2f}")
                    for s in (0.0, 0.5, 1.0)]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  frameon=False, ncol=3)
    return pos
