"""Tipping points: phase diagrams of the outcome over pairs of parameters (docs/STUDIES.md, 1).

This module owns the tipping-point study of model version 2: the pairs of parameters it
scans (:data:`PAIRS`, each axis inside the range its scenario declares), the grid runs (the
batch runner through :func:`sim.studies.phase.phase_table`, the same seeds in every cell), the
figure of the majority outcome (one colour per outcome, the majority share written in each cell, the
scenario's own values marked) and the table of cells in docs/STUDIES.md.

    python -m sim.studies.tipping --out docs/figures              # every pair, 50 seeds per cell
    python -m sim.studies.tipping --pair alignment_incidents --seeds 8
    python -m sim.studies.tipping --fast --out /tmp/tipping       # 2 x 2 cells, 2 seeds, 12 months
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ConfigError, OneLineParser, fail, int_at_least
from sim.report.plots import OUTCOME_COLOURS
from sim.studies.common import MAX_JOBS, OUTCOMES, fast_mode, scenario_dict
from sim.studies.phase import phase_table, plain_label


@dataclass(frozen=True)
class Pair:
    """One phase diagram: a scenario and two parameter axes (section, name, values)."""

    name: str
    scenario: str
    x: tuple[str, str, tuple[float, ...]]
    y: tuple[str, str, tuple[float, ...]]
    why: str

    def path(self, axis: tuple[str, str, tuple[float, ...]]) -> str:
        return f"scenario.{axis[0]}.{axis[1]}"

    def override(self, axis: tuple[str, str, tuple[float, ...]], fast: bool = False) -> str:
        values = (axis[2][0], axis[2][-1]) if fast else axis[2]
        return f"{self.path(axis)}=" + ",".join(f"{v:g}" for v in values)


PAIRS = {
    "alignment_incidents": Pair(
        "alignment_incidents", "un_led",
        ("uncertainties", "incident_rate", (0.01, 0.048, 0.086, 0.124, 0.162, 0.2)),
        ("uncertainties", "alignment_beta", (2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.5, 8.0)),
        "incidents raise risk concern and so the depth the UN can agree (6.7, 6.8); beta sets "
        "whether camps form at all (6.10)"),
    "rivalry": Pair(
        "rivalry", "un_led",
        ("uncertainties", "rivalry_trust_cut", (0.0, 0.016, 0.032, 0.048, 0.064, 0.08)),
        ("uncertainties", "propensity_rivalry", (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0)),
        "rivalry acts twice: it erodes trust (6.4, 001) and it pushes rivals apart in the "
        "alignment propensities (6.10, 001)"),
}


def scenario_value(scenario: str, section: str, name: str) -> tuple[float, list[float]]:
    """The scenario's own value of a parameter and its declared range."""
    node = scenario_dict(scenario)["scenario"][section][name]
    return float(node["value"]), [float(v) for v in node["range"]]


def check_ranges(pair: Pair) -> None:
    """Every grid value inside the range the scenario declares (ConfigError otherwise)."""
    for axis in (pair.x, pair.y):
        _, (lo, hi) = scenario_value(pair.scenario, axis[0], axis[1])
        bad = [v for v in axis[2] if not lo <= v <= hi]
        if bad:
            raise ConfigError(pair.path(axis), bad, f"must lie in the declared range [{lo}, {hi}]")


def run_pair(pair: Pair, seeds: int = 50, jobs: int = MAX_JOBS, steps: int = 60,
             fast: bool = False, progress: bool = False) -> pd.DataFrame:
    """The cells of one pair: shares of each outcome, the majority and its share (a tqdm bar
    on stderr when ``progress``)."""
    check_ranges(pair)
    cells, _ = phase_table(pair.override(pair.x, fast), pair.override(pair.y, fast),
                           scenario=pair.scenario, seeds=seeds, steps=steps, jobs=jobs,
                           progress=progress)
    return with_majority(cells)


def with_majority(cells: pd.DataFrame) -> pd.DataFrame:
    """Add ``majority`` (the most frequent outcome) and ``majority_share``."""
    share = cells[[f"share_{o}" for o in OUTCOMES]].to_numpy()
    cells = cells.copy()
    cells["majority"] = [OUTCOMES[k] for k in share.argmax(axis=1)]
    cells["majority_share"] = share.max(axis=1)
    return cells


def regions(cells: pd.DataFrame) -> dict[str, int]:
    """Number of cells where each outcome is the strict majority (share > 1/2)."""
    return {o: int(((cells["majority"] == o) & (cells["majority_share"] > 0.5)).sum())
            for o in OUTCOMES}


def _edges(values: list[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def majority_figure(cells: pd.DataFrame, pair: Pair, seeds: int,
                    base: tuple[float, float] | None = None) -> bytes:
    """Each cell coloured by its majority outcome (pale where no outcome has more than half
    the runs), the majority share written in it, cells drawn at their true parameter values,
    the scenario's own values marked. Returns PNG bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    xs, ys = sorted(set(cells["x"])), sorted(set(cells["y"]))
    grid = cells.set_index(["y", "x"])
    rgb = np.ones((len(ys), len(xs), 3))
    fig, ax = plt.subplots(figsize=(7.6, 5.6), dpi=120, constrained_layout=True)
    ex, ey = _edges(xs), _edges(ys)
    home = ((np.searchsorted(ex, base[0]) - 1, np.searchsorted(ey, base[1]) - 1)
            if base is not None else (-1, -1))
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            c = grid.loc[(yv, xv)]
            colour = np.array(to_rgb(OUTCOME_COLOURS[c["majority"]]))
            strong = c["majority_share"] > 0.5
            rgb[i, j] = colour if strong else 0.45 * colour + 0.55
            # in the cell of the scenario's own values, the number makes room for the marker
            ty = yv
            if (j, i) == home:  # the middle of the cell's larger half
                ty = (yv + ey[i + 1]) / 2 if ey[i + 1] - yv >= yv - ey[i] else (yv + ey[i]) / 2
            ax.text(xv, ty, f"{c['majority_share']:.2f}", ha="center", va="center",
                    fontsize=8, color="white" if strong else "0.2")
    ax.pcolormesh(ex, ey, rgb, shading="flat")
    ax.set_xlim(ex[0], ex[-1])
    ax.set_ylim(ey[0], ey[-1])
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{v:g}" for v in xs], rotation=45, ha="right")
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{v:g}" for v in ys])
    ax.set_xlabel(plain_label(pair.path(pair.x)))  # the declared meaning, sim.config
    ax.set_ylabel(plain_label(pair.path(pair.y)))
    handles = [Patch(color=OUTCOME_COLOURS[o], label=f"{o} (majority)") for o in OUTCOMES]
    handles.append(Patch(color="0.8", label="paler: no outcome above half the runs"))
    if base is not None:
        ax.plot(*base, marker="*", ms=13, mec="k", mfc="white", ls="none",
                label=f"{pair.scenario}'s own values ({base[0]:g}, {base[1]:g})")
        handles.append(ax.lines[-1])
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Majority outcome in June 2028, scenario {pair.scenario}: {seeds} seeds per "
                 "cell\n(number: share of runs with that outcome)", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def markdown(cells: pd.DataFrame, pair: Pair) -> str:
    """The cells as a markdown table: rows y (top: largest), columns x; each entry the
    majority outcome's initial and share (C cooperation, B bifurcation, F fragmentation)."""
    xs, ys = sorted(set(cells["x"])), sorted(set(cells["y"]), reverse=True)
    grid = cells.set_index(["y", "x"])
    head = f"| {pair.y[1]} \\ {pair.x[1]} | " + " | ".join(f"{v:g}" for v in xs) + " |"
    lines = [head, "|" + "---|" * (len(xs) + 1)]
    for yv in ys:
        row = [f"{grid.loc[(yv, xv), 'majority'][0].upper()} "
               f"{grid.loc[(yv, xv), 'majority_share']:.2f}" for xv in xs]
        lines.append(f"| {yv:g} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.studies.tipping [--pair NAME] [--seeds N] [--out DIR] [--fast]``."""
    from sim.report.io import atomic_write_bytes, atomic_write_text

    parser = OneLineParser(prog="python -m sim.studies.tipping", description=(
        "Tipping-point phase diagrams of model version 2: majority outcome over two "
        "parameters, many seeds per cell. Writes tipping_NAME.csv, .png and .md."))
    parser.add_argument("--pair", choices=sorted(PAIRS), action="append",
                        help="a pair to run (repeatable; default: all)")
    parser.add_argument("--seeds", type=int_at_least(1), default=None,
                        help="seeds per cell (default 50; 2 in fast mode)")
    parser.add_argument("-j", "--jobs", type=int_at_least(1), default=MAX_JOBS)
    parser.add_argument("--out", type=Path, default=Path("docs/figures"))
    parser.add_argument("--fast", action="store_true",
                        help="2 x 2 corner cells, 2 seeds, 12 months (also AIGOV_FAST=1)")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the figures and tables from the CSVs in --out, no runs")
    args = parser.parse_args(argv)
    fast = fast_mode(args.fast)
    seeds = args.seeds or (2 if fast else 50)
    steps = 12 if fast else 60
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.pair or sorted(PAIRS):
        pair = PAIRS[name]
        t0 = time.perf_counter()
        stem = args.out / f"tipping_{name}"
        try:
            if args.replot:
                if not stem.with_suffix(".csv").is_file():
                    raise ConfigError("--replot", str(stem.with_suffix(".csv")), "no such table")
                cells = with_majority(pd.read_csv(stem.with_suffix(".csv")))
                seeds = int(cells["runs"].max())
            else:
                cells = run_pair(pair, seeds=seeds, jobs=args.jobs, steps=steps, fast=fast,
                                 progress=sys.stderr.isatty())
        except ConfigError as exc:
            fail(exc)
        base = (scenario_value(pair.scenario, *pair.x[:2])[0],
                scenario_value(pair.scenario, *pair.y[:2])[0])
        atomic_write_text(stem.with_suffix(".csv"), cells.to_csv(index=False, float_format="%.6g"))
        atomic_write_bytes(stem.with_suffix(".png"), majority_figure(cells, pair, seeds, base))
        atomic_write_text(stem.with_suffix(".md"), markdown(cells, pair) + "\n")
        print(f"{name}: {len(cells)} cells x {seeds} seeds in {time.perf_counter() - t0:.0f} s; "
              "cells with a strict majority: "
              + ", ".join(f"{o} {k}" for o, k in regions(cells).items()))
        print(markdown(cells, pair))


if __name__ == "__main__":
    main()
