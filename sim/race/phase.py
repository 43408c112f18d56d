"""The (s, p_r) phase diagram of the DSAIR race as drawn in Han et al., JAIR 2020.

Heat map of the long-run share of AU under social learning with rare mutations, with the exact
welfare and risk-dominance thresholds and their early-regime lines 1 - 1/s and 1 - 1/(3s).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.race import game
from sim.race.evolution import stationary_share_au, stationary_share_closed_form
from sim.race.game import race_payoffs

S_RANGE = (1.0, 5.0)
PR_RANGE = (0.0, 1.0)
_GENERAL_SOLVER_BUDGET = 50_000_000


def phase_grid(
    b: float, c: float, B: float, W: float, Z: int, beta: float, grid: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Stationary share of AU on a grid x grid lattice of s in [1, 5] and p_r in [0, 1].

    Returns (s, p_r, share) with share[i, j] at p_r[i], s[j]. Uses the general solver from
    fixation probabilities (one vectorised call); when grid^2 * Z is too large for that to be
    quick it uses the closed form 1 / (1 + exp(beta S)), which is the same number for two
    strategies (tests/race/test_evolution.py checks the two agree).
    """
    s = np.linspace(*S_RANGE, grid)[None, :]
    p_r = np.linspace(*PR_RANGE, grid)[:, None]
    if grid * grid * Z <= _GENERAL_SOLVER_BUDGET:
        share = stationary_share_au(b, c, B, W, s, p_r, Z, beta)
    else:
        share = stationary_share_closed_form(race_payoffs(b, c, B, W, s, p_r), Z, beta)
    return s[0], p_r[:, 0], share


def _label_zones(ax, b: float, c: float, B: float, W: float) -> None:
    """Name the zones at the exact thresholds (labels are skipped where a zone is too thin)."""
    style = {
        "ha": "center",
        "va": "center",
        "fontsize": 9,
        "bbox": {"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
    }
    s_right, s_left = 3.9, 1.6
    welfare = float(np.clip(game.threshold_welfare(b, c, B, W, s_right), 0, 1))
    risk = float(np.clip(game.threshold_risk_dominance(b, c, B, W, s_right), 0, 1))
    if risk - welfare > 0.12:
        ax.text(
            s_right,
            (welfare + risk) / 2,
            "II: dilemma zone\nAS better for all, AU selected\n(regulate)",
            **style,
        )
    if welfare > 0.15:
        ax.text(
            s_right - 0.3,
            welfare / 2,
            "I: AU pays more and is selected\n(regulation = over-regulation)",
            **style,
        )
    top = float(np.clip(game.threshold_risk_dominance(b, c, B, W, s_left), 0, 1))
    if 1 - top > 0.08:
        ax.text(s_left, (1 + top) / 2, "III: AS selected", **style)


def draw_phase_diagram(
    out: Path, b: float, c: float, B: float, W: float, Z: int, beta: float, grid: int
) -> Path:
    """Draw the phase diagram and write it to ``out`` (format from the suffix) atomically.

    Returns the path written. Raises OSError if the file cannot be written.
    """
    s, p_r, share = phase_grid(b, c, B, W, Z, beta, grid)
    fig = Figure(figsize=(7.5, 5.6), layout="constrained")
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(s, p_r, share, cmap="coolwarm", vmin=0, vmax=1, shading="nearest")
    fig.colorbar(mesh, ax=ax, label="long-run share of AU (always unsafe)")
    fine = np.linspace(*S_RANGE, 400)
    lines = (
        (game.threshold_welfare(b, c, B, W, fine), "black", "-",
         "welfare threshold: Pi(AS,AS) = Pi(AU,AU)"),
        (game.threshold_welfare_early(fine), "black", "--", "early regime 1 - 1/s"),
        (game.threshold_risk_dominance(b, c, B, W, fine), "#00a000", "-",
         "risk-dominance threshold"),
        (game.threshold_risk_dominance_early(fine), "#00a000", "--", "early regime 1 - 1/(3s)"),
    )
    for y, color, style, label in lines:
        ax.plot(fine, y, color=color, ls=style, lw=2 if style == "-" else 1.5, label=label)
    _label_zones(ax, b, c, B, W)
    ax.set(
        xlim=S_RANGE,
        ylim=PR_RANGE,
        xlabel="speed-up of unsafe development, s",
        ylabel="disaster probability of unsafe development, p_r",
    )
    ax.set_title(
        f"DSAIR AI race: stationary share of AU\n"
        f"b={b:g}, c={c:g}, B={B:g}, W={W:g}, Z={Z}, beta={beta:g}",
        fontsize=11,
    )
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    out = Path(out)
    handle, temp = tempfile.mkstemp(dir=out.parent or ".", prefix=".race-", suffix=out.suffix)
    os.close(handle)
    try:
        fig.savefig(temp, dpi=150)
        os.replace(temp, out)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return out
