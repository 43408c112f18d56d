"""The dashboard's figures (matplotlib, no pyplot state): outcome shares against the
reference, each measure's median and band over the reference's band, and one month of one run
(alignment line, trust network, regimes in force, venue sessions on a timeline).

Every figure is readable alone: a title, units on the axes, legends outside the data, axes
that start at zero for shares and levels.

Redrawing is cheap because each figure is built once and then updated in place
(:class:`Layered`): its layout is fixed (no layout search), the parts that do not change with
the what-if (axes, ticks, labels, legend, the reference) are rendered once and kept as a
bitmap, and each update draws only the changed artists over a copy of that bitmap, then
encodes the PNG at a fast zlib level. A lever move therefore redraws two lines, two bands, a
few bars and labels, not whole figures; a month step of the run redraws the markers, edges and
labels that move.
"""

from __future__ import annotations

import io
import threading

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from sim.app.stats import Share
from sim.report.plots import (
    BLOC_COLOURS,
    CAMP_COLOURS,
    OUTCOME_COLOURS,
    OUTCOMES,
    SERIES,
    VENUE_COLOURS,
)
from sim.studies.compare import REFERENCE_GREY, UNITS

WHATIF = "#1f77b4"
DPI = 100
PNG_LEVEL = 1  # zlib level 1: several times faster than the default 6, files ~30% larger
TRUST_EDGE = 0.5  # mutual trust from which the network draws an edge (as sim.report.plots)


def encode(canvas: FigureCanvasAgg) -> bytes:
    """The canvas's pixels as an RGB PNG."""
    rgba = np.asarray(canvas.buffer_rgba())
    out = io.BytesIO()
    Image.fromarray(rgba[:, :, :3]).save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def png(fig, dpi: int = DPI) -> bytes:
    """A figure as PNG; a :class:`Layered` one with its animated artists."""
    if isinstance(fig, Layered):
        return fig.png()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_LEVEL})
    return buf.getvalue()


class Layered:
    """A figure drawn in two layers: a background rendered once (everything not marked
    animated) and the animated artists drawn over a copy of it at each :meth:`png`. Call
    :meth:`invalidate` when something in the background changes. Thread-safe: one figure is
    drawn by one thread at a time."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.lock = threading.RLock()
        self._animated: list = []
        self._background = None

    def animated(self, artist):
        artist.set_animated(True)
        self._animated.append(artist)
        return artist

    def invalidate(self) -> None:
        self._background = None

    def ready(self) -> bool:
        """Whether the background is drawn (until the next :meth:`invalidate`)."""
        return self._background is not None

    def background(self) -> None:
        """Draw the background now, if it is not drawn."""
        with self.lock:
            if self._background is None:
                self.canvas.draw()  # skips the animated artists
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self) -> bytes:
        with self.lock:
            if self._background is None:
                self.background()
            else:
                self.canvas.restore_region(self._background)
            renderer = self.canvas.get_renderer()
            for artist in sorted(self._animated, key=lambda a: a.get_zorder()):
                if artist.get_visible():
                    artist.draw(renderer)
            return encode(self.canvas)


def _band_verts(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The polygon between ``lo`` and ``hi`` over ``x`` (as ``fill_between`` draws it)."""
    return np.concatenate([np.column_stack([x, hi]), np.column_stack([x[::-1], lo[::-1]])])


def _year_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


class SharesFigure(Layered):
    """Share of seeds in each outcome, what-if (coloured) beside reference (grey, hatched),
    with 95% Wilson intervals; the axis runs from 0 to 100%."""

    WIDTH = 0.38

    def __init__(self):
        fig = Figure(figsize=(6.4, 3.4), dpi=DPI)
        fig.subplots_adjust(left=0.1, right=0.62, bottom=0.1, top=0.9)
        super().__init__(fig)
        ax = self.ax = fig.add_subplot()
        x = self.x = np.arange(len(OUTCOMES))
        w = self.WIDTH
        ax.set_xticks(x, OUTCOMES)
        ax.set_xlim(-0.6, len(OUTCOMES) - 0.4)
        ax.set_ylim(0, 108)  # room for the labels over the intervals
        ax.set_yticks(range(0, 101, 20))
        ax.set_title("Outcome shares with 95% intervals", loc="left", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        self.bars, self.errors, self.labels = [], [], []
        for k, off in enumerate((-w / 2, w / 2)):
            ref = k == 0
            bars = ax.bar(x + off, np.zeros(len(x)), w, edgecolor="black", linewidth=0.6,
                          hatch="//" if ref else None, alpha=0.55 if ref else 0.9,
                          color=[REFERENCE_GREY if ref else OUTCOME_COLOURS[o]
                                 for o in OUTCOMES])
            errors = ax.add_collection(LineCollection([], colors="black", linewidths=1.0,
                                                      zorder=3))
            labels = [ax.annotate("", (xi, 0), xytext=(0, 2), textcoords="offset points",
                                  ha="center", va="bottom", fontsize=7) for xi in x + off]
            if not ref:
                for a in (*bars, errors, *labels):
                    self.animated(a)
            self.bars.append(bars)
            self.errors.append(errors)
            self.labels.append(labels)
        self._key = None

    def _set(self, k: int, shares: list[Share]) -> None:
        off = (-0.5 if k == 0 else 0.5) * self.WIDTH
        segments = []
        for xi, bar, label, s in zip(self.x + off, self.bars[k], self.labels[k], shares,
                                     strict=True):
            bar.set_height(100 * s.share)
            low, high = 100 * min(s.low, s.share), 100 * max(s.high, s.share)
            segments += [[(xi, low), (xi, high)], [(xi - 0.06, low), (xi + 0.06, low)],
                         [(xi - 0.06, high), (xi + 0.06, high)]]
            label.xy = (xi, high)
            label.set_text(f"{100 * s.share:.0f}%")
        self.errors[k].set_segments(segments)

    def update(self, what_if: list[Share], reference: list[Share],
               names: tuple[str, str]) -> SharesFigure:
        """Show ``what_if`` against ``reference``; the background is redrawn only when the
        reference, the names or the number of seeds changed."""
        with self.lock:
            key = (tuple(reference), names, what_if[0].n)
            if key != self._key:
                self._key = key
                self._set(0, reference)
                self.ax.set_ylabel(f"share of {what_if[0].n} seeds [%]")
                handles = [Patch(facecolor=REFERENCE_GREY, alpha=0.55, hatch="//",
                                 edgecolor="black", label=f"{names[0]}\n(reference, hatched)"),
                           Patch(facecolor=WHATIF, edgecolor="black",
                                 label=f"{names[1]}\n(coloured by outcome)")]
                self.ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                               fontsize=8, frameon=False, handlelength=1.5)
                self.invalidate()
            self._set(1, what_if)
        return self


def shares_figure(what_if: list[Share], reference: list[Share],
                  names: tuple[str, str]) -> SharesFigure:
    """A new :class:`SharesFigure` showing ``what_if`` against ``reference``."""
    return SharesFigure().update(what_if, reference, names)


class BandsFigure(Layered):
    """Per measure, the what-if's median (line) and 10-90% band over seeds drawn over the
    reference's (grey, dashed). Levels run from zero to at least one."""

    def __init__(self, measures: tuple[str, ...]):
        self.measures = tuple(measures)
        m = len(self.measures)
        height = 2.0 * m + 1.0
        fig = Figure(figsize=(6.4, height), dpi=DPI)
        fig.subplots_adjust(left=0.12, right=0.97, top=1 - 0.95 / height,
                            bottom=0.5 / height, hspace=0.42)
        super().__init__(fig)
        self.axes = fig.subplots(m, 1, sharex=True, squeeze=False)[:, 0]
        self.parts = []
        for ax, name in zip(self.axes, self.measures, strict=True):
            ax.set_title(SERIES[name][0], loc="left", fontsize=10)
            ax.set_ylabel(UNITS.get(name, "level [0-1]"), fontsize=8)
            ax.grid(alpha=0.3)
            _year_axis(ax)
            parts = {}
            for role, colour, alpha, ls in (("reference", REFERENCE_GREY, 0.35, "--"),
                                            ("what_if", WHATIF, 0.25, "-")):
                fill = ax.add_collection(PolyCollection([], facecolors=colour, alpha=alpha,
                                                        linewidths=0))
                line, = ax.plot([], [], color=colour, lw=1.8, ls=ls)
                if role == "what_if":
                    self.animated(fill)
                    self.animated(line)
                parts[role] = (fill, line)
            self.parts.append(parts)
        self.axes[-1].set_xlabel("month")
        self.title = fig.suptitle("", fontsize=10, x=0.02, ha="left")
        self._key = None

    def _set(self, role: str, x: np.ndarray, bands: np.ndarray) -> None:
        for k, parts in enumerate(self.parts):
            fill, line = parts[role]
            lo, mid, hi = (np.asarray(b[:, k], dtype=float) for b in bands)
            fill.set_verts([_band_verts(x, lo, hi)])
            line.set_data(x, mid)

    def update(self, what_if, reference, names: tuple[str, str]) -> BandsFigure:
        """Show SeedSet ``what_if`` over SeedSet ``reference``: the background (axes, the
        reference, legend) is redrawn only when the reference, names, seeds or axis limits
        changed."""
        with self.lock:
            xw, xr = what_if.x(), reference.x()
            tops = tuple(max(1.0, float(np.nanmax(what_if.bands[2][:, k])),
                             float(np.nanmax(reference.bands[2][:, k])))
                         for k in range(len(self.measures)))
            span = (min(xw[0], xr[0]), max(xw[-1], xr[-1]))
            key = (reference.config_hash, reference.n, what_if.n, names, tops, span)
            if key != self._key:
                self._key = key
                self._set("reference", xr, reference.bands)
                for ax, top in zip(self.axes, tops, strict=True):
                    ax.set_ylim(0, top)
                self.axes[0].set_xlim(*span)
                self.parts[0]["reference"][1].set_label(f"{names[0]} (reference)")
                self.parts[0]["what_if"][1].set_label(names[1])
                handles = [(Patch(facecolor=REFERENCE_GREY, alpha=0.35),
                            Line2D([], [], color=REFERENCE_GREY, lw=1.8, ls="--")),
                           (Patch(facecolor=WHATIF, alpha=0.25),
                            Line2D([], [], color=WHATIF, lw=1.8))]
                self.axes[0].legend(handles, [f"{names[0]} (reference)", names[1]],
                                    loc="lower left", bbox_to_anchor=(0.0, 1.17), ncol=2,
                                    fontsize=8, frameon=False)
                self.title.set_text(f"Median (line) and 10-90% band over {what_if.n} seeds")
                self.invalidate()
            self._set("what_if", xw, what_if.bands)
        return self


def bands_figure(what_if, reference, measures: tuple[str, ...],
                 names: tuple[str, str]) -> BandsFigure:
    """A new :class:`BandsFigure` of ``measures``; SeedSets in."""
    return BandsFigure(measures).update(what_if, reference, names)


class Drawer:
    """One browser session's comparison figures, kept between requests so that a lever move
    redraws only the what-if. :meth:`prepare` draws the background (reference) while the
    what-if's seeds are still running."""

    def __init__(self, measures: tuple[str, ...]):
        self.shares = SharesFigure()
        self.bands = BandsFigure(measures)

    def prepare(self, reference, names: tuple[str, str]) -> None:
        """Draw the backgrounds for ``reference`` (shown against itself until the what-if
        arrives)."""
        from sim.app.stats import outcome_shares

        shares = outcome_shares(reference.outcomes)
        self.shares.update(shares, shares, names).background()
        self.bands.update(reference, reference, names).background()

    def draw(self, what_if, reference, names: tuple[str, str]) -> tuple[bytes, bytes]:
        """(shares PNG, bands PNG) of ``what_if`` against ``reference``."""
        from sim.app.stats import outcome_shares

        return (self.shares.update(outcome_shares(what_if.outcomes),
                                   outcome_shares(reference.outcomes), names).png(),
                self.bands.update(what_if, reference, names).png())


# -- one run, month by month -------------------------------------------------------------------


def _camp_masks(al: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(camp A, camp B) of oriented alignments (leader A positive)."""
    return al >= threshold, al <= -threshold


def _camp_colours(al: np.ndarray, threshold: float) -> list[str]:
    a, b = _camp_masks(al, threshold)
    return [CAMP_COLOURS["camp A"] if x else CAMP_COLOURS["camp B"] if y
            else CAMP_COLOURS["non-aligned"] for x, y in zip(a, b, strict=True)]


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
        ax.set_ylim(-0.3, 1.25)
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
        span = 1.0 - TRUST_EDGE
        handles = [Line2D([], [], ls="", marker=m, ms=8, color=c, mec="black", label=k)
                   for m, (k, c) in zip("os^", CAMP_COLOURS.items(), strict=True)]
        handles += [Line2D([], [], color="#444444", lw=0.5 + 4.0 * s, alpha=0.25 + 0.65 * s,
                           label=f"mutual trust {TRUST_EDGE + s * span:.2f}")
                    for s in (0.0, 0.5, 1.0)]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  frameon=False, ncol=3)

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
        with self.lock:
            rep = self.replay
            step = int(min(max(step, 0), rep.steps))
            self.step = step
            al, cap = rep.alignment[step], rep.capability[step]
            rel = cap / max(float(cap.max()), 1e-12)
            # the alignment line
            self.al_dots.set_offsets(np.column_stack([al, np.zeros_like(al)]))
            self.al_dots.set_sizes(40 + 400 * rel)
            self.al_dots.set_facecolors(_camp_colours(al, self.threshold))
            if self.al_labels:
                levels = np.empty(len(al))
                levels[np.argsort(al, kind="stable")] = (np.arange(len(al)) % 4) * 0.25 + 0.2
                self.al_sticks.set_segments([[(a, 0), (a, lv)] for a, lv in
                                             zip(al, levels, strict=True)])
                for text, a, lv in zip(self.al_labels, al, levels, strict=True):
                    text.set_position((a, lv))
            # the trust network
            t = rep.trust[step]
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
            # the regimes in force
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
            # the sessions held so far
            past = self.ss_step <= step
            self.ss_past.set_offsets(self.ss_xy[past] if past.any() else np.empty((0, 2)))
            self.ss_past.set_sizes(self.ss_size[past])
            self.ss_past.set_facecolors(list(self.ss_colour[past]))
            now = mdates.date2num(pd.Timestamp(rep.month(step) + "-15"))
            self.ss_now.set_xdata([now, now])
            self.title.set_text(f"{self._head}: {rep.month(step)} (month {step} of {rep.steps})")
        return self


def run_figure(replay, step: int) -> RunFigure:
    """One month of one run as a new :class:`RunFigure`."""
    return RunFigure(replay).show(step)
