"""The dashboard's figure of one run at one month: the alignment of every country on the line
between the two camps, the trust network coloured by camp, the regimes in force and the venue
sessions on a timeline. Built once per run and updated in place as the month moves
(:class:`sim.app.figures.Layered`), so stepping or playing redraws only what moves.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.app.figures import DPI, TRUST_EDGE, Layered, _year_axis
from sim.report.plots import (
    BLOC_COLOURS,
    CAMP_COLOURS,
    VENUE_COLOURS,
    network_legend,
)


def _camp_masks(al: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(camp A, camp B) of oriented alignments (leader A positive)."""
    return al >= threshold, al <= -threshold


def _camp_colours(al: np.ndarray, threshold: float) -> list[str]:
    a, b = _camp_masks(al, threshold)
    return [CAMP_COLOURS["camp A"] if x else CAMP_COLOURS["camp B"] if y
            else CAMP_COLOURS["non-aligned"] for x, y in zip(a, b, strict=True)]


def stagger(x: np.ndarray, widths: np.ndarray, gap: float, levels: int) -> np.ndarray:
    """The level (0 to ``levels - 1``) of each label centred at ``x`` with ``widths`` (data
    units) such that labels on one level keep ``gap`` apart: placed left to right, each on the
    lowest level free at its left edge; when none is free, on the level whose last label ends
    first (the least overlap). Interval scheduling, greedy (first fit by left edge)."""
    ends = np.full(levels, -np.inf)
    out = np.zeros(len(x), dtype=int)
    for i in np.argsort(x, kind="stable"):
        left = x[i] - 0.5 * widths[i]
        free = np.flatnonzero(ends + gap <= left)
        k = int(free[0]) if free.size else int(np.argmin(ends))
        out[i] = k
        ends[k] = x[i] + 0.5 * widths[i]
    return out


def network_layout(model) -> np.ndarray:
    """Positions [countries, 2] on a circle ordered by bloc, as :func:`sim.plots.trust_network`
    places them (so it does not depend on the trust drawn)."""
    blocs = [str(b) for b in model.blocs]
    n = len(blocs)
    order = sorted(range(n), key=lambda k: (list(BLOC_COLOURS).index(blocs[k])
                                            if blocs[k] in BLOC_COLOURS else 99, k))
    theta = 2 * np.pi * np.arange(n) / max(n, 1)
    pos = np.zeros((n, 2))
    pos[order] = np.column_stack([np.cos(theta), np.sin(theta)])
    return pos


class RunFigure(Layered):
    """One run month by month: alignment line, trust network, regimes in force, sessions on a
    timeline. Built once per run; :meth:`show` moves it to a month."""

    LABELS_MAX = 30  # countries named on the line and the network up to this roster size
    AL_TOP, AL_FIRST = 1.25, 0.15  # alignment line: top of the axis, height of the first labels

    def __init__(self, replay):
        fig = Figure(figsize=(11, 8.2), dpi=DPI)
        super().__init__(fig)
        self.replay = rep = replay
        model = rep.model
        self.threshold = model.run_config.outcome.camp_threshold
        self.names = list(model.country_names)
        top = fig.add_gridspec(2, 2, left=0.03, right=0.98, top=0.91, bottom=0.36,
                               height_ratios=(0.8, 1.9), width_ratios=(1.0, 1.1),
                               hspace=0.35, wspace=0.08)
        low = fig.add_gridspec(1, 1, left=0.17, right=0.86, top=0.27, bottom=0.045)
        self._alignment_axes(fig.add_subplot(top[0, :]))
        self._network_axes(fig.add_subplot(top[1, 0]))
        self._regimes_axes(fig.add_subplot(top[1, 1]))
        self._sessions_axes(fig.add_subplot(low[0, 0]))
        s = rep.summary
        self.title = self.animated(fig.text(0.01, 0.985, "", fontsize=11, va="top"))
        self._head = f"{s['scenario']}, seed {s['seed']}"
        self._regime_rows = {k: g for k, g in rep.regimes.groupby("step")}
        self.step = None

    # - panels, built once -

    def _alignment_axes(self, ax) -> None:
        thr = self.threshold
        a, b = self.replay.summary["leaders"]
        ax.axvspan(thr, 1.05, color=CAMP_COLOURS["camp A"], alpha=0.08, lw=0)
        ax.axvspan(-1.05, -thr, color=CAMP_COLOURS["camp B"], alpha=0.08, lw=0)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-0.3, self.AL_TOP)
        ax.set_yticks([])
        ax.set_xlabel(f"alignment: -1 = {b}'s side, +1 = {a}'s side (camp at |a| ≥ {thr:g})",
                      fontsize=8)
        ax.set_title("Alignment of every country (size: AI capability)", loc="left",
                     fontsize=10)
        self.al_dots = self.animated(ax.scatter([], [], edgecolors="black", linewidths=0.6,
                                                zorder=3))
        self.al_sticks = self.animated(ax.add_collection(LineCollection(
            [], colors="#555555", linewidths=0.4, zorder=2)))
        named = len(self.names) <= self.LABELS_MAX
        self.al_labels = [self.animated(ax.text(0, 0, n, fontsize=7, ha="center",
                                                va="bottom", zorder=4))
                          for n in (self.names if named else [])]
        # label sizes in data units (the layout is fixed, so measured once)
        renderer = self.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in self.al_labels]
        per_px_x = 2.1 / ax.bbox.width
        per_px_y = (self.AL_TOP + 0.3) / ax.bbox.height
        self.al_widths = np.array([b.width * per_px_x for b in boxes])
        step = 1.1 * max((b.height for b in boxes), default=0.0) * per_px_y
        self.al_levels = self.AL_FIRST + step * np.arange(
            max(1, int((self.AL_TOP - self.AL_FIRST) / step) if step else 1))
        self.al_gap = 4 * per_px_x  # 4 pixels between labels on one level

    def _network_axes(self, ax) -> None:
        model = self.replay.model
        self.pos = network_layout(model)
        self.net_ax = ax
        ax.set_axis_off()
        ax.set_xlim(-1.3, 1.3)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title("Trust network (coloured by camp)", loc="left", fontsize=10)
        iu = np.triu_indices(len(self.names), 1)
        self.pairs = iu
        self.net_edges = self.animated(ax.add_collection(LineCollection(
            [], colors="#444444", zorder=1)))
        self.net_nodes = [self.animated(ax.scatter([], [], marker=m, color=c,
                                                   edgecolors="black", linewidths=0.6,
                                                   alpha=0.9, zorder=2))
                          for m, c in zip("os^", CAMP_COLOURS.values(), strict=True)]
        if len(self.names) <= self.LABELS_MAX:
            for (x, y), n in zip(self.pos, self.names, strict=True):  # over the nodes
                self.animated(ax.text(x, y - 0.14, n, fontsize=7, ha="center", va="center",
                                      zorder=3))
        network_legend(ax, TRUST_EDGE)

    def _regimes_axes(self, ax) -> None:
        rg = self.replay.regimes
        rows = max(int(rg.groupby("step").size().max()) if len(rg) else 0, 3)
        ax.set_xlim(0, 1)
        ax.set_ylim(rows - 0.4, -0.8)
        ax.set_yticks([])
        ax.set_xlabel("depth [0-1] (0 = talk only, 1 = binding and verified)", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        self.rg_title = self.animated(ax.text(0, 1.03, "", transform=ax.transAxes,
                                              fontsize=10, va="bottom"))
        self.rg_none = self.animated(ax.text(0.5, 0.5, "none in force", ha="center",
                                             va="center", transform=ax.transAxes))
        self.rg_bars = [self.animated(ax.add_patch(Rectangle(
            (0, y - 0.3), 0, 0.6, facecolor="#2ca02c", alpha=0.7, edgecolor="black", lw=0.5)))
            for y in range(rows)]
        self.rg_names = [self.animated(ax.text(0.01, y - 0.33, "", fontsize=8, va="bottom"))
                         for y in range(rows)]
        self.rg_who = [self.animated(ax.text(0.99, y - 0.33, "", fontsize=7, ha="right",
                                             va="bottom")) for y in range(rows)]

    def _sessions_axes(self, ax) -> None:
        rep = self.replay
        ss = rep.sessions.drop_duplicates("session")
        labels = list(dict.fromkeys(ss["label"]))
        row = {lab: k for k, lab in enumerate(labels)}
        x = mdates.date2num(pd.to_datetime(ss["month"] + "-15"))
        y = np.array([row[lab] for lab in ss["label"]], dtype=float)
        size = 25 + 250 * ss["depth"].to_numpy(dtype=float)
        colour = [VENUE_COLOURS[t] for t in ss["type"]]
        self.ss_step = ss["step"].to_numpy()
        self.ss_xy = np.column_stack([x, y])
        self.ss_size = size
        self.ss_colour = np.array(colour, dtype=object)
        ax.scatter(x, y, s=size, color=colour, alpha=0.2, edgecolors="none", zorder=2)
        self.ss_past = self.animated(ax.scatter([], [], edgecolors="black", linewidths=0.5,
                                                alpha=0.9, zorder=3))
        self.ss_now = self.animated(ax.axvline(x[0] if len(x) else 0, color="black", lw=1))
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(*mdates.date2num(pd.to_datetime(
            [rep.month(0) + "-15", rep.month(rep.steps) + "-15"])))
        _year_axis(ax)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title("Venue sessions (size: depth signed; faded: still to come)", loc="left",
                     fontsize=10)
        handles = [Line2D([], [], ls="", marker="o", color=c, label=t)
                   for t, c in VENUE_COLOURS.items()]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  frameon=False, title="venue type", title_fontsize=7)

    # - one month -

    def show(self, step: int) -> RunFigure:
        """Move every panel to month ``step`` (clipped to the run)."""
        with self.lock:
            rep = self.replay
            step = int(min(max(step, 0), rep.steps))
            self.step = step
            al, cap = rep.alignment[step], rep.capability[step]
            rel = cap / max(float(cap.max()), 1e-12)
            self._show_alignment(al, rel)
            self._show_network(rep.trust[step], al, rel)
            self._show_regimes(step)
            self._show_sessions(step)
            self.title.set_text(f"{self._head}: {rep.month(step)} (month {step} of {rep.steps})")
        return self

    def _show_alignment(self, al: np.ndarray, rel: np.ndarray) -> None:
        """The alignment line: each country's dot, size by capability, labels on levels where
        they do not overlap (:func:`stagger`)."""
        self.al_dots.set_offsets(np.column_stack([al, np.zeros_like(al)]))
        self.al_dots.set_sizes(40 + 400 * rel)
        self.al_dots.set_facecolors(_camp_colours(al, self.threshold))
        if self.al_labels:
            levels = self.al_levels[stagger(al, self.al_widths, self.al_gap,
                                            len(self.al_levels))]
            self.al_sticks.set_segments([[(a, 0), (a, lv)] for a, lv in
                                         zip(al, levels, strict=True)])
            for text, a, lv in zip(self.al_labels, al, levels, strict=True):
                text.set_position((a, lv))

    def _show_network(self, t: np.ndarray, al: np.ndarray, rel: np.ndarray) -> None:
        """The trust network: edges from mutual trust, nodes by camp, size by capability."""
        w = 0.5 * (t + t.T)[self.pairs]
        keep = w >= TRUST_EDGE
        i, j = self.pairs[0][keep], self.pairs[1][keep]
        s = np.clip((w[keep] - TRUST_EDGE) / (1.0 - TRUST_EDGE), 0.0, 1.0)
        self.net_edges.set_segments(np.stack([self.pos[i], self.pos[j]], axis=1))
        self.net_edges.set_linewidths(0.5 + 4.0 * s)
        rgba = np.tile(np.array([0x44, 0x44, 0x44, 0], dtype=float) / 255, (len(s), 1))
        rgba[:, 3] = 0.25 + 0.65 * s
        self.net_edges.set_color(rgba)
        a_mask, b_mask = _camp_masks(al, self.threshold)
        size = 40 + 700 * rel
        for nodes, mask in zip(self.net_nodes, (a_mask, b_mask, ~a_mask & ~b_mask),
                               strict=True):
            nodes.set_offsets(self.pos[mask] if mask.any() else np.empty((0, 2)))
            nodes.set_sizes(size[mask])

    def _show_regimes(self, step: int) -> None:
        """The regimes in force at ``step``: depth bars, names, members and leaders."""
        rep = self.replay
        rg = self._regime_rows.get(step)
        rg = rg.iloc[:len(self.rg_bars)] if rg is not None else rg
        count = 0 if rg is None else len(rg)
        a, b = rep.summary["leaders"]
        self.rg_title.set_text(f"Regimes in force ({count})")
        self.rg_none.set_visible(count == 0)
        for k, (bar, name, who) in enumerate(zip(self.rg_bars, self.rg_names, self.rg_who,
                                                 strict=True)):
            on = k < count
            for artist in (bar, name, who):
                artist.set_visible(on)
            if on:
                r = rg.iloc[k]
                bar.set_width(float(r["depth"]))
                name.set_text(f"{r['regime']} (depth {float(r['depth']):.2f})")
                lead = " + ".join(n for n, flag in ((a, r["leader_a"]), (b, r["leader_b"]))
                                  if flag) or "neither leader"
                who.set_text(f"{r['members']} members, {lead}")

    def _show_sessions(self, step: int) -> None:
        """The sessions held up to ``step`` on the timeline, and the month's marker."""
        rep = self.replay
        past = self.ss_step <= step
        self.ss_past.set_offsets(self.ss_xy[past] if past.any() else np.empty((0, 2)))
        self.ss_past.set_sizes(self.ss_size[past])
        self.ss_past.set_facecolors(list(self.ss_colour[past]))
        now = mdates.date2num(pd.Timestamp(rep.month(step) + "-15"))
        self.ss_now.set_xdata([now, now])


def run_figure(replay, step: int) -> RunFigure:
    """One month of one run as a new :class:`RunFigure`."""
    return RunFigure(replay).show(step)
