"""aigov-compare: run scenarios over the same seeds and compare them with the first one.

    aigov-compare baseline exclusive_club --seeds 100
    aigov-compare un_led uk_bridge exclusive_club --seeds 100 --steps 120 --jobs 4
    aigov-compare baseline safety_for_compute --set scenario.uncertainties.trust_gain=0.08

Every scenario runs seeds 0..N-1, so seed k draws the same random stream in every scenario
(common random numbers): differences against the reference are paired seed by seed, which
makes them far more precise than the separate intervals. Runs are spread over processes, one
per core by default. The results go to a new folder (default
``outputs/compare/<timestamp>_<names>/``, never overwritten):

- ``outcomes.csv``: share of each outcome per scenario, 95% Wilson interval, and the paired
  difference to the reference with its 95% t-interval;
- ``observables.csv``: mean of each final observable, 95% t-interval, paired difference;
- ``bands.csv``: 10th, 50th and 90th percentile of each observable over seeds, per month;
- ``runs.csv``: one row per scenario and seed (outcome and final observables);
- ``summary.json``, ``table.txt`` (the printed table) and ``compare.png`` (the figure);
- ``story.md``: the comparison in plain words (:func:`sim.report.story.compare_story`): outcome
  shares with 95% intervals, the continuous measures, and the ledger causes that differ most
  between each what-if and the reference.

Besides the model's observables, seven quantities are read from the model's state each month
(NaN when a country they need is not in the roster): ``us_china_controls`` (controls[US,
China]), ``china_implemented`` (implemented[China]), ``china_verified_by_us`` (China's safety
as the US last verified it), ``us_china_trust`` (trust[US, China]), ``us_china_deals`` (months
in which the safety-for-compute deal eased US controls on China, the model's own per-pair count
``model.deal_months[US, China]``), ``uk_china_trust`` (mean of
both directions) and ``open_lab_safety`` (capability-weighted safety investment of the labs
with openness >= 0.5). And the trust ledger, cumulative since the start: ``ledger_<cause>``,
the mean change of trust per ordered pair of countries due to each cause (co-signing, dialogue,
exclusion, verification, rivalry, relaxation, bounds; ``ledger_drift`` the baseline's), so a
difference between scenarios can be traced to the mechanism behind it (in the tables, not the
figure).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import io
import json
import logging
import math
import multiprocessing
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.api import with_seed
from sim.config import (
    MAX_JOBS,
    MAX_RUNS,
    MAX_STEPS,
    RunConfig,
    check_name,
    check_overrides,
    load_scenario,
    month_label,
)
from sim.errors import ConfigError, OneLineParser, check_output, fail
from sim.model.ledger import CAUSES, DRIFT
from sim.model.metrics import OBSERVABLES
from sim.model.model import GovernanceModel
from sim.report.io import atomic_write_bytes, atomic_write_text, package_versions
from sim.report.plots import OUTCOME_COLOURS, OUTCOMES, SERIES
from sim.report.story import compare_story

PROBES = ("us_china_controls", "china_implemented", "china_verified_by_us", "us_china_trust",
          "us_china_deals", "uk_china_trust", "open_lab_safety")
OPEN = 0.5  # openness from which a lab counts as an open-weights developer
LEDGER = tuple(f"ledger_{c}" for c in (*CAUSES, DRIFT))
FIGURE_COLUMNS = (*OBSERVABLES, *PROBES)
COLUMNS = (*FIGURE_COLUMNS, *LEDGER)
CONFIDENCE = 0.95
BAND = (10, 50, 90)
SUPPLIER, TARGET = "United States", "China"
log = logging.getLogger(__name__)
DEFAULT_ROOT = Path("outputs") / "compare"
CHUNK = 10  # seeds per task: few enough tasks to keep the progress line moving
MAX_SEEDS = 100_000
MAX_SERIES_BYTES = 2 * 1024**3  # the monthly series of every run are held in memory
STORY_MEASURES = ("polarization", "regime_coverage", "cross_camp_trust", "shared_depth",
                  "global_safety", "mean_trust")  # continuous measures told in story.md


# ---------------------------------------------------------------------------------------------
# running


def open_lab_safety(model: GovernanceModel) -> float:
    """Capability-weighted safety investment of the open-weights labs (openness >= 0.5)."""
    cap = model.lab_share * model.capability[model.lab_home]
    mask = model.lab_openness >= OPEN
    if not mask.any() or cap[mask].sum() <= 0:
        return math.nan
    return float(cap[mask] @ model.lab_safety[mask] / cap[mask].sum())


def state_row(model: GovernanceModel) -> list[float]:
    """Observables and probes of the current month, in :data:`COLUMNS` order."""
    idx = model.country_index
    i, j, uk = idx.get(SUPPLIER), idx.get(TARGET), idx.get("United Kingdom")
    if i is None or j is None:
        us_china = [math.nan] * 5
    else:
        us_china = [model.controls[i, j], model.implemented[j], model.verified[i, j],
                    model.trust[i, j], model.deal_months[i, j]]
    uk_china = math.nan if uk is None or j is None else 0.5 * (model.trust[uk, j]
                                                                + model.trust[j, uk])
    probes = [*us_china, uk_china, open_lab_safety(model)]
    rows = model.ledger.rows
    ledger = [sum(r[c] for r in rows) for c in (*CAUSES, DRIFT)]
    return ([float(model.obs[k]) for k in OBSERVABLES] + [float(v) for v in probes]
            + [float(v) for v in ledger])


def simulate(run: RunConfig, seed: int) -> tuple[np.ndarray, str]:
    """One run: (array [steps + 1, len(COLUMNS)], step 0 = initial state; outcome)."""
    model = GovernanceModel(with_seed(run, seed))
    rows = [state_row(model)]
    while model.steps < model.n_steps:
        model.step()
        rows.append(state_row(model))
    return np.asarray(rows, dtype=float), model.outcome()


_RUNS: dict[str, RunConfig] = {}


def _init_worker(runs: dict[str, RunConfig]) -> None:
    _RUNS.update(runs)


def _run_chunk(name: str, seeds: list[int]) -> tuple[str, list[int], list[np.ndarray], list[str]]:
    series, outcomes = [], []
    for seed in seeds:
        arr, outcome = simulate(_RUNS[name], seed)
        series.append(arr)
        outcomes.append(outcome)
    return name, seeds, series, outcomes


def _main_importable() -> bool:
    """Worker processes re-import the main script; a script read from stdin cannot be, so such
    a caller runs in one process."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def _context():
    """Worker processes that start cheaply and safely: forked from a server process that
    imported the model once (POSIX), else spawned (Windows). Never a plain fork of this
    process, whose numeric libraries may hold threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.studies.compare"])
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass
class Results:
    """Per scenario: series [seeds, steps + 1, columns] and outcomes [seeds]."""

    series: dict[str, np.ndarray]
    outcomes: dict[str, list[str]]


def run_all(runs: dict[str, RunConfig], n_seeds: int, jobs: int,
            progress: Callable[[int, int], None] | None = None) -> Results:
    """Run seeds 0..n_seeds-1 of every scenario, on ``jobs`` processes (1: in this one)."""
    tasks = [(name, list(range(a, min(a + CHUNK, n_seeds))))
             for name in runs for a in range(0, n_seeds, CHUNK)]
    total, done = len(runs) * n_seeds, 0
    got: dict[tuple[str, int], tuple[np.ndarray, str]] = {}

    def collect(result) -> None:
        nonlocal done
        name, seeds, series, outcomes = result
        for s, arr, oc in zip(seeds, series, outcomes, strict=True):
            got[name, s] = (arr, oc)
        done += len(seeds)
        if progress:
            progress(done, total)

    if jobs <= 1 or len(tasks) == 1 or not _main_importable():
        _init_worker(runs)
        for name, seeds in tasks:
            collect(_run_chunk(name, seeds))
    else:
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=_context(),
                                    initializer=_init_worker, initargs=(runs,)) as pool:
            futures = [pool.submit(_run_chunk, name, seeds) for name, seeds in tasks]
            for fut in cf.as_completed(futures):
                collect(fut.result())
    return Results(
        series={n: np.stack([got[n, s][0] for s in range(n_seeds)]) for n in runs},
        outcomes={n: [got[n, s][1] for s in range(n_seeds)] for n in runs})


# ---------------------------------------------------------------------------------------------
# statistics (pure)


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial share k/n (Wilson 1927); (nan, nan) when n = 0."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def mean_interval(x: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval of the mean; the bounds are nan for n < 2."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def outcome_table(outcomes: dict[str, list[str]], reference: str) -> pd.DataFrame:
    """Share of each outcome per scenario with its Wilson interval, and the paired difference
    (same seeds) to the reference's share with a t-interval on the per-seed differences."""
    rows = []
    ref = np.asarray(outcomes[reference])
    for name, ocs in outcomes.items():
        arr = np.asarray(ocs)
        for oc in OUTCOMES:
            k, n = int((arr == oc).sum()), arr.size
            lo, hi = wilson_interval(k, n)
            diff, dlo, dhi = mean_interval((arr == oc).astype(float) - (ref == oc))
            rows.append({"scenario": name, "outcome": oc, "count": k, "n": n, "share": k / n,
                         "ci_low": lo, "ci_high": hi, "diff_vs_reference": diff,
                         "diff_ci_low": dlo, "diff_ci_high": dhi})
    return pd.DataFrame(rows)


def observable_table(finals: dict[str, np.ndarray], reference: str) -> pd.DataFrame:
    """Mean of each final observable (t-interval) and the paired difference to the reference.

    ``finals[name]`` is [seeds, columns] in :data:`COLUMNS` order.
    """
    rows = []
    for name, arr in finals.items():
        for k, col in enumerate(COLUMNS):
            mean, lo, hi = mean_interval(arr[:, k])
            diff, dlo, dhi = mean_interval(arr[:, k] - finals[reference][:, k])
            rows.append({"scenario": name, "observable": col, "mean": mean, "ci_low": lo,
                         "ci_high": hi, "sd": float(np.nanstd(arr[:, k], ddof=1))
                         if arr.shape[0] > 1 else math.nan, "n": int(arr.shape[0]),
                         "diff_vs_reference": diff, "diff_ci_low": dlo, "diff_ci_high": dhi})
    return pd.DataFrame(rows)


def band_table(series: dict[str, np.ndarray], starts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """10/50/90th percentiles over seeds of every column at every step (long format)."""
    frames = []
    for name, arr in series.items():
        q = np.nanpercentile(arr, BAND, axis=0)  # [3, steps + 1, columns]
        steps = np.arange(arr.shape[1])
        months = [month_label(starts[name], s - 1) for s in steps]
        for k, col in enumerate(COLUMNS):
            frames.append(pd.DataFrame({
                "scenario": name, "step": steps, "month": months, "observable": col,
                **{f"p{b}": q[i, :, k] for i, b in enumerate(BAND)}}))
    return pd.concat(frames, ignore_index=True)


def runs_table(results: Results) -> pd.DataFrame:
    """One row per scenario and seed: outcome and final value of every column."""
    frames = []
    for name, arr in results.series.items():
        df = pd.DataFrame(arr[:, -1, :], columns=list(COLUMNS))
        df.insert(0, "outcome", results.outcomes[name])
        df.insert(0, "seed", range(arr.shape[0]))
        df.insert(0, "scenario", name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# presentation


def _fmt(mean: float, lo: float, hi: float, digits: int = 3) -> str:
    if math.isnan(lo):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _diff(row) -> str:
    if math.isnan(row.diff_ci_low):
        return f"{row.diff_vs_reference:+.3f}"
    return f"{row.diff_vs_reference:+.3f} [{row.diff_ci_low:+.3f}, {row.diff_ci_high:+.3f}]"


def render_table(outcomes: pd.DataFrame, observables: pd.DataFrame, reference: str,
                 n_seeds: int, end_month: str) -> str:
    """The printed comparison: shares and final means with 95% intervals, paired differences."""
    names = list(dict.fromkeys(outcomes["scenario"]))
    lines = [f"Outcomes over seeds 0-{n_seeds - 1}: share [95% Wilson interval]; "
             f"d = paired difference to {reference} [95% t-interval]"]
    width = 36
    for name in names:
        lines.append(f"  {name}")
        for r in outcomes[outcomes["scenario"] == name].itertuples():
            text = f"    {r.outcome:<16}{r.count:>4}  {_fmt(r.share, r.ci_low, r.ci_high, 2):<22}"
            if name != reference:
                text += f"  d {_diff(r)}"
            lines.append(text.rstrip())
    lines.append("")
    lines.append(f"Final observables ({end_month}): mean [95% t-interval]; d = paired "
                 f"difference to {reference}")
    for col in COLUMNS:
        lines.append(f"  {col}")
        for name in names:
            r = next(observables[(observables["scenario"] == name)
                                 & (observables["observable"] == col)].itertuples())
            text = f"    {name:<{width - 12}}{_fmt(r.mean, r.ci_low, r.ci_high):<28}"
            if name != reference:
                text += f"  d {_diff(r)}"
            lines.append(text.rstrip())
    return "\n".join(lines)


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
PROBES = {
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
    if col in PROBES:
        return PROBES[col]
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
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    names = list(results.series)
    others = [n for n in names if n != reference]
    looks = line_looks(names, reference)
    colours = {n: c for n, (c, _) in looks.items()}
    styles = {n: ls for n, (_, ls) in looks.items()}
    dropped = constant_columns(results.series)
    shown = [(k, col) for k, col in enumerate(FIGURE_COLUMNS) if col not in dropped]
    ncols = 3
    nrows = 1 + math.ceil(len(shown) / ncols)
    top = 1.0 + 0.12 * max(0, len(names) - 4)  # the key needs a line per scenario
    fig = Figure(figsize=(15, 3.1 * (nrows - 1 + top) + 0.6))
    grid = fig.add_gridspec(nrows, ncols, height_ratios=[top] + [1.0] * (nrows - 1))

    ax = fig.add_subplot(grid[0, :2])
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
    key = fig.add_subplot(grid[0, 2])
    key.set_axis_off()

    handles = []
    for slot, (k, col) in enumerate(shown):
        ax = fig.add_subplot(grid[1 + slot // ncols, slot % ncols])
        for name in [reference, *others]:
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
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

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
    fig.suptitle(f"What-ifs against {reference}: median (line) and 10-90% band over "
                 f"{n_seeds} seeds, same seeds in every scenario", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# command line


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def summary_dict(args, runs: dict[str, RunConfig], outcomes: pd.DataFrame,
                 observables: pd.DataFrame) -> dict:
    """Everything needed to cite the comparison: inputs, outcome shares, final means."""
    ref = args.scenarios[0]

    def records(df, key):
        out: dict[str, dict] = {}
        for row in df.to_dict("records"):
            name, item = row.pop("scenario"), row.pop(key)
            out.setdefault(name, {})[item] = {k: _clean(v) for k, v in row.items()}
        return out

    return {
        "reference": ref,
        "scenarios": list(args.scenarios),
        "seeds": list(range(args.seeds)),
        "steps": {n: r.steps for n, r in runs.items()},
        "overrides": list(args.set),
        "confidence": CONFIDENCE,
        "outcomes": records(outcomes, "outcome"),
        "observables": records(observables, "observable"),
        "config_hashes": {n: r.config_hash for n, r in runs.items()},
        "command": " ".join(["aigov-compare", *sys.argv[1:]]),
        "created": datetime.now().isoformat(timespec="seconds"),
        "versions": package_versions(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = OneLineParser(
        prog="aigov-compare",
        description="Run two or more scenarios over the same seeds and compare each with the "
                    "first (the reference).")
    ap.add_argument("scenarios", nargs="*", help="scenario names; the first is the reference")
    ap.add_argument("--seeds", type=int, default=100, help="seeds 0..N-1 per scenario (100)")
    ap.add_argument("--steps", type=int, default=None, help="months per run (scenario default)")
    ap.add_argument("--jobs", type=int, default=None, help="processes (default: one per core)")
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder, new or empty (default outputs/compare/<time>_<names>)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override for every scenario, e.g. "
                         "scenario.uncertainties.trust_gain=0.08 (repeatable)")
    return ap.parse_args(argv)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_args(args: argparse.Namespace) -> Path:
    """Validate the command line before anything runs; returns the output folder."""
    names = args.scenarios
    if len(names) < 2:
        raise ConfigError("scenarios", names, "give at least two scenario names (the first is "
                          "the reference)")
    for name in names:
        check_name(name)
    if len(set(names)) != len(names):
        raise ConfigError("scenarios", names, "each scenario may appear once")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ConfigError("--seeds", args.seeds, f"must be an integer in [1, {MAX_SEEDS}]")
    if args.seeds * len(names) > MAX_RUNS:
        raise ConfigError("--seeds", args.seeds, f"{len(names)} scenarios x {args.seeds} seeds "
                          f"is more than {MAX_RUNS:,} runs")
    if args.steps is not None and not 1 <= args.steps <= MAX_STEPS:
        raise ConfigError("--steps", args.steps, f"must be an integer in [1, {MAX_STEPS}]")
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        raise ConfigError("--jobs", args.jobs, f"must be an integer in [1, {MAX_JOBS}]")
    for ov in args.set:
        if "=" not in ov or not ov.split("=", 1)[0]:
            raise ConfigError("--set", ov, "must be KEY=VALUE, e.g. "
                              "scenario.uncertainties.trust_gain=0.08")
    check_overrides(_overrides(args))
    if args.out is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        out = DEFAULT_ROOT / f"{stamp}_{'_vs_'.join(names)}"
    else:
        out = args.out
    check_output("--out", out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError("--out", str(out), "exists and is not empty; choose a new folder")
    return out


def _overrides(args: argparse.Namespace) -> list[str]:
    """What every scenario is composed with: the --set overrides, then --steps."""
    return [*args.set, *([] if args.steps is None else [f"steps={args.steps}"])]


def check_size(runs: dict[str, RunConfig], n_seeds: int) -> None:
    """Refuse a comparison whose monthly series would not fit :data:`MAX_SERIES_BYTES`."""
    need = sum(n_seeds * (r.steps + 1) * len(COLUMNS) * 8 for r in runs.values())
    if need > MAX_SERIES_BYTES:
        fits = max(1, n_seeds * MAX_SERIES_BYTES // need)
        raise ConfigError("--seeds", n_seeds, f"the monthly series of {len(runs)} scenarios "
                          f"would need {need / 1024**3:.1f} GB of memory; at most {fits} seeds "
                          f"at these settings (limit {MAX_SERIES_BYTES / 1024**3:g} GB)")


def write_outputs(out: Path, files: dict[str, bytes | str]) -> None:
    """Write all files into a hidden staging folder, then move it into place in one step, so
    the output folder is either complete or absent, and never overwrites another."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    staging.mkdir()
    try:
        for name, data in files.items():
            if isinstance(data, bytes):
                atomic_write_bytes(staging / name, data)
            else:
                atomic_write_text(staging / name, data)
            (staging / name).chmod(0o666 & ~_umask())
        if out.exists():
            if any(out.iterdir()):
                raise ConfigError("--out", str(out), "appeared meanwhile and is not empty")
            out.rmdir()
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _progress(done: int, total: int) -> None:
    """A progress line rewritten in place on stderr (INFO level of the ``sim`` logger: ``-q``
    silences it)."""
    if not log.isEnabledFor(logging.INFO):
        return
    end = "\n" if done == total else ""
    print(f"\rrunning: {done}/{total} runs ({100 * done // total}%)", end=end,
          file=sys.stderr, flush=True)


def compare(args: argparse.Namespace) -> Path:
    """Validate, run, tabulate, draw and write; returns the output folder."""
    out = check_args(args)
    runs = {n: load_scenario(n, _overrides(args)) for n in args.scenarios}
    check_size(runs, args.seeds)
    ref = args.scenarios[0]
    jobs = args.jobs or cpu_count()
    log.info(f"comparing {', '.join(runs)} (reference {ref}): {args.seeds} seeds each, "
             f"{jobs} process(es)")
    results = run_all(runs, args.seeds, jobs, _progress)
    starts = {n: r.scenario.start for n, r in runs.items()}
    finals = {n: arr[:, -1, :] for n, arr in results.series.items()}
    outcomes = outcome_table(results.outcomes, ref)
    observables = observable_table(finals, ref)
    end = month_label(runs[ref].scenario.start, runs[ref].steps - 1)
    table = render_table(outcomes, observables, ref, args.seeds, end)
    print(table)
    summary = summary_dict(args, runs, outcomes, observables)
    story = compare_story(outcomes, observables, ref, args.seeds, end, measures=STORY_MEASURES,
                          ledger=LEDGER, labels={c: label_of(c)[0] for c in COLUMNS})
    fmt = "%.6g"
    write_outputs(out, {
        "outcomes.csv": outcomes.to_csv(index=False, float_format=fmt),
        "observables.csv": observables.to_csv(index=False, float_format=fmt),
        "bands.csv": band_table(results.series, starts).to_csv(index=False, float_format=fmt),
        "runs.csv": runs_table(results).to_csv(index=False, float_format="%.10g"),
        "summary.json": json.dumps(summary, indent=2) + "\n",
        "table.txt": table + "\n",
        "story.md": story,
        "compare.png": comparison_figure(results, outcomes, ref, starts, args.seeds,
                                         {n: r.outcome.window for n, r in runs.items()}),
    })
    return out


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        out = compare(args)
    except ConfigError as exc:
        fail(exc)
    print(f"compare directory: {out}")


if __name__ == "__main__":
    main()
