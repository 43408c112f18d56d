"""Mean field, the figure: the model's band against the ODE path, per observable."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.studies.meanfield.runs import Band
from sim.studies.meanfield.world import EXACT_TOL, OBS

DEFAULT_FIGURE = Path("docs") / "figures" / "meanfield_homogeneous.png"

UNITS = {"trust": "mean trust between countries\n[0-1, dimensionless]",
         "implemented": "mean implemented safety\n[0-1, share of full safety]",
         "commitment": "mean commitment\n[0-1, depth signed]"}


def figure(b: Band, ode: dict, path: Path, runs: dict | None = None) -> None:
    """Three columns (trust, implemented, commitment) over months. Top: the ODE path
    (solve_ivp), the mean of the runs with its simultaneous 95% band, a few single runs in grey.
    Bottom: the same around the ODE path (run mean - ODE, band +/- its half-width), where the
    narrow band is visible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, grid = plt.subplots(2, 3, figsize=(13, 7), sharex=True,
                             gridspec_kw={"height_ratios": [3, 2]})
    axes = grid[0]
    titles = {"trust": "Trust", "implemented": "Implemented safety", "commitment": "Commitment"}
    for ax, k in zip(axes, OBS, strict=True):
        x = np.arange(len(ode[k]))
        if runs is not None:
            for i, row in enumerate(runs[k][:5]):
                ax.plot(x, row, color="#bbbbbb", lw=0.6, label="single runs" if i == 0 else None)
        ax.fill_between(x, b.mean[k] - b.half[k], b.mean[k] + b.half[k], color="#1f77b4",
                        alpha=0.3, label="95% band (simultaneous)")
        ax.plot(x, b.mean[k], color="#1f77b4", lw=1.2, label=f"mean of {b.runs} runs")
        ax.plot(x, ode[k], color="#d62728", lw=1.2, ls="--", label="ODE path (solve_ivp)")
        ax.set_title(titles[k], fontsize=10)
        ax.set_ylabel(UNITS[k], fontsize=8)
        ax.legend(fontsize=7)
        lo = grid[1][list(OBS).index(k)]
        if np.all(b.half[k] == 0):  # deterministic: must match to EXACT_TOL
            lo.fill_between(x, -EXACT_TOL, EXACT_TOL, color="#1f77b4", alpha=0.3,
                            label=f"deterministic: tolerance {EXACT_TOL:g}")
            lo.set_ylim(-2 * EXACT_TOL, 2 * EXACT_TOL)
        else:
            lo.fill_between(x, -b.half[k], b.half[k], color="#1f77b4", alpha=0.3,
                            label="95% band around the run mean")
        lo.plot(x, b.mean[k] - ode[k], color="#1f77b4", lw=1.2, label="run mean - ODE path")
        lo.axhline(0.0, color="#d62728", lw=1, ls="--", label="ODE path")
        lo.set_xlabel("time [months from the first session]")
        lo.set_ylabel("run mean - ODE\n[same units as above]", fontsize=8)
        lo.legend(fontsize=7)
    fig.suptitle(f"Homogeneous world (compliance noise 0): mean of {b.runs} seeded runs vs the "
                 f"ODE path, band z = {b.z:.2f}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
