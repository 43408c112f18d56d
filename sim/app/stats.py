"""Summaries of a set of runs for the dashboard: outcome shares with 95% Wilson intervals,
median and 10-90% band of each observable per month, final values with t-intervals.

Pure functions of arrays: ``series`` is [seeds, steps + 1, observables] (step 0 = the initial
state), ``outcomes`` one label per seed, ``last`` [seeds, observables]. The intervals are those
of ``aigov-compare``
(:func:`sim.compare.wilson_interval`, :func:`sim.compare.mean_interval`), so a number on the
page and in a saved comparison agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.report.plots import OUTCOMES
from sim.studies.compare import BAND, mean_interval, wilson_interval

# The continuous measures the page draws (names of sim.metrics.OBSERVABLES).
MEASURES = ("polarization", "regime_coverage", "cross_camp_trust", "shared_depth")


@dataclass(frozen=True)
class Share:
    """The share of seeds that ended in one outcome, with its 95% Wilson interval."""

    outcome: str
    count: int
    n: int
    share: float
    low: float
    high: float

    def text(self) -> str:
        """``41% [28%, 55%] (21 of 50)``."""
        return (f"{100 * self.share:.0f}% [{100 * self.low:.0f}%, {100 * self.high:.0f}%] "
                f"({self.count} of {self.n})")


def outcome_shares(outcomes: Sequence[str]) -> list[Share]:
    """One :class:`Share` per outcome (cooperation, bifurcation, fragmentation, in that order);
    an outcome no seed reached has share 0 and a Wilson interval that still has width."""
    arr = np.asarray(list(outcomes), dtype=object)
    unknown = sorted(set(arr.tolist()) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcome(s) {unknown}; expected one of {OUTCOMES}")
    n = int(arr.size)
    out = []
    for oc in OUTCOMES:
        k = int((arr == oc).sum())
        lo, hi = wilson_interval(k, n)
        out.append(Share(oc, k, n, k / n if n else math.nan, lo, hi))
    return out


def bands(series: np.ndarray) -> np.ndarray:
    """10th, 50th and 90th percentile over seeds: [3, steps + 1, observables]."""
    series = np.asarray(series, dtype=float)
    if series.ndim != 3 or series.shape[0] == 0:
        raise ValueError(f"series must be [seeds >= 1, steps, observables], got {series.shape}")
    if np.isnan(series).any():
        return np.nanpercentile(series, BAND, axis=0)
    return np.percentile(series, BAND, axis=0)  # the same numbers, without a loop per column


@dataclass(frozen=True)
class Final:
    """The mean of one observable at the last month, with its 95% t-interval."""

    name: str
    mean: float
    low: float
    high: float


def finals(last: np.ndarray, names: Sequence[str]) -> list[Final]:
    """Mean and 95% t-interval over seeds of each observable's last value; ``last`` is
    [seeds, observables]."""
    last = np.asarray(last, dtype=float)
    if last.ndim != 2 or last.shape[1] != len(names):
        raise ValueError(f"last values {last.shape} for {len(names)} names; expected "
                         f"[seeds, {len(names)}]")
    return [Final(name, *mean_interval(last[:, k])) for k, name in enumerate(names)]


def paired_difference(what_if: Sequence[str], reference: Sequence[str],
                      outcome: str) -> tuple[float, float, float]:
    """Paired difference (same seeds) in the share of ``outcome``: (mean, low, high), a
    95% t-interval on the per-seed differences; the two lists must cover the same seeds."""
    a, b = np.asarray(list(what_if)), np.asarray(list(reference))
    if a.shape != b.shape:
        raise ValueError(f"{a.size} what-if seeds against {b.size} reference seeds; pair the "
                         "same seeds")
    return mean_interval((a == outcome).astype(float) - (b == outcome).astype(float))


@dataclass(frozen=True)
class Cause:
    """One cause of trust change over the run (mean per ordered pair of countries): its mean
    over the reference's and the what-if's seeds and the paired difference (what-if minus
    reference, same seeds) with its 95% t-interval."""

    cause: str
    reference: float
    what_if: float
    difference: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """The whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0


def cause_differences(what_if: np.ndarray, reference: np.ndarray,
                      causes: Sequence[str]) -> list[Cause]:
    """Per cause, the paired difference of the runs' trust change ([seeds, causes] each, the
    same seeds in the same order), largest difference first."""
    a, b = np.asarray(what_if, dtype=float), np.asarray(reference, dtype=float)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != len(causes):
        raise ValueError(f"ledger totals {a.shape} and {b.shape} for {len(causes)} causes; "
                         "pair the same seeds")
    out = [Cause(c, float(b[:, k].mean()), float(a[:, k].mean()),
                 *mean_interval(a[:, k] - b[:, k])) for k, c in enumerate(causes)]
    return sorted(out, key=lambda x: -abs(x.difference))
