"""The figures of the path-dependence studies (docs/STUDIES.md, sections 2a and 2b): the paired
difference an episode leaves in polarization, and polarization from a split and a united start.
"""

from __future__ import annotations

import numpy as np

from sim.studies.common import OUTCOMES, png_bytes, pyplot


def episode_figure(res: dict, title: str) -> bytes:
    """Mean paired difference in polarization by month with its 95% band; the episode shaded
    and the month five years after its end marked."""
    plt = pyplot()
    diff = res["diff"]
    n = diff.shape[0]
    mean = diff.mean(axis=0)
    half = 1.96 * diff.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean)
    x = np.arange(diff.shape[1])
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120, constrained_layout=True)
    ax.axvspan(res["first"] + 1, res["end"] + 1, color="0.85", label="episode")
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.fill_between(x, mean - half, mean + half, color="tab:red", alpha=0.25,
                    label="95% interval of the mean")
    ax.plot(x, mean, color="tab:red", lw=1.8, label=f"mean over {n} paired seeds")
    ax.axvline(x[-1], color="k", ls="--", lw=1, label=f"{res['years_after']} years after the end")
    ax.set_xlabel("months since the start (July 2023)")
    ax.set_ylabel("polarization: with episode - without")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return png_bytes(fig)


def bistability_figure(res: dict, title: str) -> bytes:
    """Polarization by month from both starts: median, 10-90% band, a few single runs."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120, constrained_layout=True)
    for s, colour in (("split", "tab:red"), ("united", "tab:blue")):
        y = res["series"][s]
        x = np.arange(y.shape[1])
        for run in y[:8]:
            ax.plot(x, run, color=colour, lw=0.5, alpha=0.35)
        lo, med, hi = np.percentile(y, [10, 50, 90], axis=0)
        ax.fill_between(x, lo, hi, color=colour, alpha=0.2)
        sh = res["summary"][f"shares_{s}"]
        ax.plot(x, med, color=colour, lw=2, label=(
            f"{s} start: median, 10-90% band ({y.shape[0]} seeds; end: "
            + ", ".join(f"{o} {sh[o]:.0%}" for o in OUTCOMES) + ")"))
    ax.set_ylim(0, 1)
    ax.set_xlabel("months since the start (July 2023)")
    ax.set_ylabel("polarization")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return png_bytes(fig)
