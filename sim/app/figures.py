"""The dashboard's comparison figures (matplotlib, no pyplot state): outcome shares against the
reference, each measure's median and band over the reference's band (one month of one run:
:mod:`sim.app.run_figure`).

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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from sim.app.stats import Share
from sim.report.plots import (
    OUTCOME_COLOURS,
    OUTCOMES,
    SERIES,
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
