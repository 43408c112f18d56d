"""The comparison's numbers: outcome shares and final means with 95% intervals (from
scipy.stats), paired differences to the reference, percentile bands and one row per run; and
the printed table.

The intervals: a share k/n gets the Wilson score interval (Wilson 1927;
``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``), a mean and a mean of paired
differences the Student-t interval (``scipy.stats.t.interval`` with the standard error).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import month_label
from sim.report.plots import OUTCOMES
from sim.studies.compare.running import COLUMNS, Results

CONFIDENCE = 0.95
BAND = (10, 50, 90)




def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial share k/n (Wilson 1927), from
    ``scipy.stats.binomtest``; (nan, nan) when n = 0."""
    if n <= 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence,
                                                       method="wilson")
    return float(ci.low), float(ci.high)


def mean_interval(x: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval of the mean (``scipy.stats.t.interval``), NaNs
    left out; the bounds are nan for n < 2 and equal the mean when every value is the same."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    se = float(x.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        return mean, mean, mean
    lo, hi = stats.t.interval(confidence, n - 1, loc=mean, scale=se)
    return mean, float(lo), float(hi)


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
