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


def session_lines(ax, sessions: list) -> None:
    """A dotted vertical line across the axes at each venue session, coloured by venue type
    (one collection for all of them: a figure of five panels draws a hundred lines)."""
    if not sessions:
        return
    xs = [pd.Timestamp(s.month + "-15") for s in sessions]
    ax.vlines(xs, 0, 1, transform=ax.get_xaxis_transform(), lw=0.8, linestyles=":",
              alpha=0.8, colors=[VENUE_COLOURS[s.type] for s in sessions])


def mark_sessions(ax, sessions: list, *, numbers: dict[str, int] | None = None) -> None:
    """Vertical lines at venue sessions, coloured by venue type; with ``numbers``, each line's
    number (see :func:`session_numbers`) above the axes, staggered where sessions crowd (a
    figure with a title above the axes should draw the numbers in their own strip instead,
    :func:`session_strip`, so that they never meet the title)."""
    session_lines(ax, sessions)
    if numbers is None:
        return
    last_x, level = None, 0
    for s in sessions:
        x = pd.Timestamp(s.month + "-15")
        close = last_x is not None and (x - last_x).days < 60
        level = (level + 1) % 3 if close else 0
        last_x = x
        ax.annotate(str(numbers[s.label]), (x, 1.02 + 0.09 * level),
                    xycoords=("data", "axes fraction"), fontsize=7, ha="center",
                    va="bottom", color=VENUE_COLOURS[s.type], annotation_clip=False)


STRIP_LEVELS = 3  # rows of numbers in a session strip, for sessions a few months apart


def session_strip(ax, sessions: list, numbers: dict[str, int]) -> None:
    """A thin axes of its own showing each venue session's number at its month (coloured by
    venue type, staggered over :data:`STRIP_LEVELS` rows where sessions are under two months
    apart), so the numbers stay inside their axes and never meet a panel's title. Its key is
    :func:`session_key`."""
    last_x, level = None, 0
    for s in sessions:
        x = pd.Timestamp(s.month + "-15")
        close = last_x is not None and (x - last_x).days < 60
        level = (level + 1) % STRIP_LEVELS if close else 0
        last_x = x
        colour = VENUE_COLOURS[s.type]
        ax.text(x, STRIP_LEVELS - level - 0.5, str(numbers[s.label]), fontsize=7, ha="center",
                va="center", color=colour, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    session_lines(ax, sessions)
    ax.set_ylim(0, STRIP_LEVELS)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title("Venue sessions (numbers: key below the figure; colour: kind of venue)",
                 fontsize=9, loc="left")


def session_key(sessions: list, numbers: dict[str, int]) -> list[Line2D]:
    """Legend handles of the numbered key: ``n  label (kind)``, in the venue type's colour."""
    kind = {}
    for s in sessions:
        kind.setdefault(s.label, s.type)
    return [Line2D([], [], color=VENUE_COLOURS[kind[label]], ls=":", lw=1.5,
                   label=f"{n:>2}  {label} ({kind[label]})") for label, n in numbers.items()]


def timeseries_figure(model, ts: pd.DataFrame) -> bytes:
    """Four panels of observables over time below a strip of numbered venue sessions, each
    panel's legend to its right, the sessions' numbered key below; PNG bytes."""
    import math

    dates = month_dates(ts["month"])
    numbers = session_numbers(model.sessions)
    key_rows = math.ceil(len(numbers) / 3)
    key_height = 0.45 + 0.2 * key_rows  # inches below the panels for the key
    height = 11.5 + key_height
    fig = Figure(figsize=(12.5, height))  # no pyplot: no backend switch, safe in notebooks
    axes = fig.subplots(len(PANELS) + 1, 1, sharex=True,
                        gridspec_kw={"height_ratios": [0.55] + [3] * len(PANELS)})
    strip, panels = axes[0], axes[1:]
    session_strip(strip, model.sessions, numbers)
    for ax, (title, keys, unit) in zip(panels, PANELS, strict=True):
        for key in keys:
            label, colour = SERIES[key]
            ax.plot(dates, ts[key], color=colour, lw=1.8, label=label)
        ax.set_ylim(0, 1.02)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel(unit)
        mark_sessions(ax, model.sessions)
        ax.grid(alpha=0.3)
        if key == "capability_gap":
            ax2 = ax.twinx()
            label, colour = SERIES["incidents"]
            ax2.step(dates, ts["incidents"], where="post", color=colour, label=label)
            ax2.set_ylabel("incidents (count)")
            ax2.set_ylim(bottom=0)
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(1.07, 1),
                      fontsize=8)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    panels[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    panels[-1].set_xlabel("month (one step = one month)")
    run = model.run_config
    fig.suptitle(f"Scenario '{run.scenario.name}', seed {run.seed}: outcome "
                 f"{model.outcome()}", fontsize=12)
    bottom = key_height / height
    fig.tight_layout(rect=(0, bottom, 0.78, 0.97))
    fig.legend(handles=session_key(model.sessions, numbers), loc="upper left",
               bbox_to_anchor=(0.01, bottom - 0.005), ncol=3, fontsize=8, frameon=False,
               title="Venue sessions", title_fontsize=9, alignment="left")
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

    from sim.model.mechanisms.alignment import camps

    t = np.asarray(model.trust if trust is None else trust, dtype=float)
    cap = np.asarray(model.capability if capability is None else capability, dtype=float)
    names, blocs = list(model.country_names), [str(b) for b in model.blocs]
    n = len(names)
    w = 0.5 * (t + t.T)
    al = np.asarray(model.alignment if alignment is None else alignment, dtype=float)
    camp_a, camp_b = camps(al, model.poles[0], model.run_config.outcome.camp_threshold)

    g = _trust_graph(names, w, threshold)
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
    _draw_camps(ax, g, pos, names, 80 + 1400 * cap / max(cap.max(), 1e-12), camp_a, camp_b)
    if labels if labels is not None else n <= 30:
        nx.draw_networkx_labels(g, {k: (x, y - 0.13) for k, (x, y) in pos.items()},
                                ax=ax, font_size=7)
    ax.set_axis_off()
    ax.margins(0.12)
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        network_legend(ax, threshold)
    return pos


def _trust_graph(names: list[str], w, threshold: float):
    """The graph of countries whose mutual trust ``w`` is at least ``threshold`` (edges carry
    it as ``trust``), built from the upper triangle in one pass."""
    import networkx as nx
    import numpy as np

    g = nx.Graph()
    g.add_nodes_from(names)
    rows, cols = np.triu_indices(len(names), 1)
    keep = w[rows, cols] >= threshold
    g.add_edges_from((names[i], names[j], {"trust": float(w[i, j])})
                     for i, j in zip(rows[keep], cols[keep], strict=True))
    return g


def _draw_camps(ax, g, pos: dict, names: list[str], size, camp_a, camp_b) -> None:
    """The nodes, one marker and colour per camp (circle A, square B, triangle non-aligned)."""
    import networkx as nx
    import numpy as np

    for (marker, mask), colour in zip((("o", camp_a), ("s", camp_b), ("^", ~camp_a & ~camp_b)),
                                      CAMP_COLOURS.values(), strict=True):
        idx = np.flatnonzero(mask)
        if idx.size:
            nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=[names[k] for k in idx],
                                   node_size=size[idx], node_shape=marker, node_color=colour,
                                   edgecolors="black", linewidths=0.6, alpha=0.9)


def network_legend(ax, threshold: float) -> None:
    """The trust network's key below its axes: the camps' markers and three edge widths (mutual
    trust from ``threshold`` to 1)."""
    span = 1.0 - threshold
    handles = [Line2D([], [], ls="", marker=m, ms=8, color=c, mec="black", label=k)
               for m, (k, c) in zip("os^", CAMP_COLOURS.items(), strict=True)]
    handles += [Line2D([], [], color="#444444", lw=0.5 + 4.0 * s, alpha=0.25 + 0.65 * s,
                       label=f"mutual trust {threshold + s * span:.2f}")
                for s in (0.0, 0.5, 1.0)]
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              frameon=False, ncol=3)
