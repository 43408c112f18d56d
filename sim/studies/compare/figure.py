"""The comparison figure: outcome shares with their intervals, and each observable's median
and 10-90% band over seeds, every what-if drawn over the reference; its colours, line styles,
titles and units (also used by the dashboard)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.config import month_label
from sim.model.ledger import CAUSES, DRIFT
from sim.report.plots import OUTCOME_COLOURS, OUTCOMES, SERIES
from sim.studies.compare.running import FIGURE_COLUMNS, Results
from sim.studies.compare.tables import BAND

# Units of the model's observables (their titles are the palette's, sim.report.plots.SERIES) and
# titles and units of the comparison's own US-China probes.
UNITS = {
    "mean_trust": "trust [0-1]",
    "cross_camp_trust": "trust [0-1]",
    "polarization": "index [0-1]",
    "camp_a_share": "share of world capability [0-1]",
    "camp_b_share": "share of world capability [0-1]",
    "regimes_in_force": "regimes (count)",
    "regime_depth": "depth [0-1]",
    "shared_depth": "depth [0-1]",
    "deals": "supplier-target months (count)",
    "global_safety": "capability-weighted level [0-1]",
    "mean_controls": "stringency [0-1]",
    "incidents": "incidents (count)",
    "capability_gap": "relative gap [0-1]",
    "regime_coverage": "share of world capability [0-1]",
    "lab_safety": "share of compute [0-1]",
}
PROBE_LABELS = {
    "deals": ("Deal months, all supplier-target pairs", "months (cumulative)"),
    "us_china_controls": ("US export controls on China", "stringency [0-1]"),
    "china_implemented": ("China's implemented safety", "level [0-1]"),
    "china_verified_by_us": ("China's safety as last verified by the US", "level [0-1]"),
    "us_china_trust": ("US trust in China", "trust [0-1]"),
    "uk_china_trust": ("UK-China trust (both directions)", "trust [0-1]"),
    "open_lab_safety": ("Safety investment of open-weights labs", "share of compute [0-1]"),
    "us_china_deals": ("Months the deal eased US controls on China", "months (cumulative)"),
    **{f"ledger_{c}": (f"Trust change from {c} (mean per pair, cumulative)", "trust [-1, 1]")
       for c in (*CAUSES, DRIFT)},
}
REFERENCE_GREY = "#7f7f7f"
# What-if colours avoid the outcome colours (green, red, orange) so that a line never reads as
# an outcome.
WHATIF_COLOURS = ("#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                  "#393b79", "#7b4173", "#637939")
# Past nine what-ifs the colours repeat with another line style, so no two lines look alike.
WHATIF_STYLES = ("-", "-.", ":")


def line_looks(names: Sequence[str], reference: str) -> dict[str, tuple[str, str]]:
    """Each scenario's (colour, line style) in the comparison figure: the reference grey and
    dashed, the what-ifs in :data:`WHATIF_COLOURS`, then again with the next style; distinct
    for up to 27 what-ifs."""
    looks = {reference: (REFERENCE_GREY, "--")}
    for i, n in enumerate(n for n in names if n != reference):
        looks[n] = (WHATIF_COLOURS[i % len(WHATIF_COLOURS)],
                    WHATIF_STYLES[(i // len(WHATIF_COLOURS)) % len(WHATIF_STYLES)])
    return looks


def tick_label(name: str, reference: str, width: int = 12) -> str:
    """A scenario's name on the share panel's axis: wrapped at its underscores so that
    neighbouring names never overlap, the reference marked."""
    import textwrap

    text = "\n".join(textwrap.wrap(name.replace("_", " "), width, break_long_words=False)) or name
    return f"{text}\n(reference)" if name == reference else text


def label_of(col: str) -> tuple[str, str]:
    """Panel title and y-axis label (with units) of a column."""
    if col in PROBE_LABELS:
        return PROBE_LABELS[col]
    return SERIES[col][0] if col in SERIES else col, UNITS.get(col, "level [0-1]")


def constant_columns(series: dict[str, np.ndarray], columns: Sequence[str] = FIGURE_COLUMNS,
                     ) -> set[str]:
    """Columns whose series hold one value (or none) in every run of every scenario: a panel
    of them would say nothing, so the figure leaves them out (the tables keep them)."""
    out = set()
    for k, col in enumerate(columns):
        values = np.concatenate([arr[:, :, k].ravel() for arr in series.values()])
        values = values[~np.isnan(values)]
        if values.size == 0 or values.min() == values.max():
            out.add(col)
    return out


def window_text(windows: dict[str, int]) -> str:
    """How the outcome window reads in a title: ``its last 12 months`` when every scenario
    uses the same window, else each scenario's."""
    distinct = sorted(set(windows.values()))
    if len(distinct) == 1:
        w = distinct[0]
        return f"its last {w} month{'s' if w != 1 else ''}"
    return "its last months (" + ", ".join(f"{n}: {w}" for n, w in windows.items()) + ")"


def comparison_figure(results: Results, outcomes: pd.DataFrame, reference: str,
                      starts: dict[str, tuple[int, int]], n_seeds: int,
                      windows: dict[str, int] | None = None) -> bytes:
    """Outcome shares (bars with Wilson intervals) and, for every observable that varies,
    each what-if's median and 10-90% band over seeds drawn over the reference's (grey), on
    axes that include zero; the legends outside the panels; PNG bytes. ``windows``: each
    scenario's outcome window in months (``outcome.window``), for the title."""
    from matplotlib.figure import Figure

    names = list(results.series)
    others = [n for n in names if n != reference]
    looks = line_looks(names, reference)
    dropped = constant_columns(results.series)
    shown = [(k, col) for k, col in enumerate(FIGURE_COLUMNS) if col not in dropped]
    ncols = 3
    nrows = 1 + math.ceil(len(shown) / ncols)
    top = 1.0 + 0.12 * max(0, len(names) - 4)  # the key needs a line per scenario
    fig = Figure(figsize=(15, 3.1 * (nrows - 1 + top) + 0.6))
    grid = fig.add_gridspec(nrows, ncols, height_ratios=[top] + [1.0] * (nrows - 1))

    _share_panel(fig.add_subplot(grid[0, :2]), outcomes, names, reference, n_seeds, windows)
    key = fig.add_subplot(grid[0, 2])
    key.set_axis_off()
    for slot, (k, col) in enumerate(shown):
        _band_panel(fig.add_subplot(grid[1 + slot // ncols, slot % ncols]), results, k, col,
                    [reference, *others], reference, starts, looks)
    _key(key, looks, reference, others, dropped)
    fig.suptitle(f"What-ifs against {reference}: median (line) and 10-90% band over "
                 f"{n_seeds} seeds, same seeds in every scenario", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _share_panel(ax, outcomes: pd.DataFrame, names: list[str], reference: str, n_seeds: int,
                 windows: dict[str, int] | None) -> None:
    """Bars of each outcome's share per scenario with their Wilson intervals."""
    width = 0.8 / len(OUTCOMES)
    x = np.arange(len(names))
    for k, oc in enumerate(OUTCOMES):
        sub = outcomes[outcomes["outcome"] == oc].set_index("scenario").loc[names]
        err = np.clip(np.vstack([sub["share"] - sub["ci_low"], sub["ci_high"] - sub["share"]]),
                      0.0, None)
        ax.bar(x + (k - 1) * width, sub["share"], width, yerr=err, capsize=3,
               color=OUTCOME_COLOURS[oc], label=oc)
    ax.set_xticks(x, [tick_label(n, reference) for n in names], fontsize=8)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel(f"share of {n_seeds} seeds")
    when = window_text(windows) if windows else "its last months"
    ax.set_title(f"Outcome of each run (classified on {when}; bars: 95% Wilson interval)",
                 loc="left", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="outcome")
    ax.grid(axis="y", alpha=0.3)


def _band_panel(ax, results: Results, k: int, col: str, order: list[str], reference: str,
                starts: dict[str, tuple[int, int]], looks: dict[str, tuple[str, str]]) -> None:
    """One observable: each scenario's median and 10-90% band over seeds, month by month."""
    import matplotlib.dates as mdates

    colours = {n: c for n, (c, _) in looks.items()}
    styles = {n: ls for n, (_, ls) in looks.items()}
    for name in order:
        arr = results.series[name][:, :, k]
        if np.isnan(arr).all():
            continue
        lo, mid, hi = np.nanpercentile(arr, BAND, axis=0)
        dates = pd.to_datetime([month_label(starts[name], s - 1) + "-15"
                                for s in range(arr.shape[1])])
        is_ref = name == reference
        ax.fill_between(dates, lo, hi, color=colours[name], alpha=0.3 if is_ref else 0.18,
                        lw=0)
        ax.plot(dates, mid, color=colours[name], lw=1.6, ls=styles[name],
                zorder=4 if is_ref else 3)
    low, high = ax.get_ylim()
    ax.set_ylim(min(0.0, low), max(0.0, high))  # honest axes: zero is always in view
    title, unit = label_of(col)
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("month", fontsize=8)
    ax.grid(alpha=0.3)


def _key(key, looks: dict[str, tuple[str, str]], reference: str, others: list[str],
         dropped: set[str]) -> None:
    """The legend of the band panels (outside them) and the list of panels left out."""
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    colours = {n: c for n, (c, _) in looks.items()}
    styles = {n: ls for n, (_, ls) in looks.items()}
    handles = []
    for name in [reference, *others]:
        is_ref = name == reference
        handles.append((Patch(color=colours[name], alpha=0.3 if is_ref else 0.18, lw=0),
                        Line2D([], [], color=colours[name], lw=1.6, ls=styles[name])))
    key.legend(handles=handles, labels=[f"{reference} (reference)", *others],
               handler_map={tuple: HandlerTuple(ndivide=1)}, loc="upper left", fontsize=9,
               title="the panels below: median (line)\nand 10-90% of seeds (band)",
               title_fontsize=9, frameon=False)
    if dropped:
        key.text(0.0, 0.02, "Not drawn, the same in every run of every scenario:\n"
                 + "\n".join(f"  {label_of(c)[0]}" for c in FIGURE_COLUMNS if c in dropped),
                 fontsize=8, va="bottom", transform=key.transAxes)

