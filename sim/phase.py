"""Phase diagrams: the share of each outcome over a grid of two parameters.

Any two config paths (Hydra override paths; quote names with spaces or dots, which the batch
runner reads: ``scenario.countries.'United States'.hawkishness``) span a grid; each cell runs
R seeds (the same R in every cell, spawned from ``--seed``) with the batch runner; the figure
has one heat map per outcome (cooperation, bifurcation, fragmentation), the share of runs in
[0, 1].

    aigov-sensitivity phase \\
        --x 'scenario.uncertainties.trust_gain=linspace(0.01,0.15,8)' \\
        --y "scenario.countries.'United States'.hawkishness=linspace(0.3,1.0,8)" \\
        --seeds 20 -j 2 --out docs/figures --name phase_trust_hawkishness

Grid values take Hydra's syntax (``a,b,c``, ``range(...)``) or ``linspace(lo,hi,n)``. Extra
positional ``KEY=VALUE`` overrides apply to every run (e.g. enabling a lever).
"""

from __future__ import annotations

import io
import math
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch import LINSPACE_RE, BatchResult, default_jobs, make_plan, parse_override, run_plan
from sim.config import MAX_JOBS, MAX_SEED, MAX_STEPS
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.metrics import OBSERVABLES
from sim.sensitivity import check_fixed, check_plan
from sim.sweep import OUTCOMES

MAX_AXIS = 1000  # values along one axis of the grid
FLAGS = {"scenario": "--scenario", "seed": "--seed", "steps": "--steps",
         "replicates": "--seeds"}  # keys the command sets itself


def axis_size(flag: str, text: str) -> None:
    """Refuse an axis with more than :data:`MAX_AXIS` values before its values are listed
    (``linspace(0,1,1000000000)`` or ``range(0,1e9)`` would fill memory first)."""
    from hydra.core.override_parser.types import RangeSweep

    from sim.api import override_parser

    values = text.split("=", 1)[-1]
    m = LINSPACE_RE.match(values)
    n = int(m.group(3)) if m else None
    if n is None:
        try:
            sweep = override_parser().parse_override(f"x={values}").value()
        except Exception:
            return  # not valid: parse_override names the problem
        if isinstance(sweep, RangeSweep) and sweep.step:
            n = max(0, math.ceil((sweep.stop - sweep.start) / sweep.step))
    if n is not None and n > MAX_AXIS:
        raise ConfigError(flag, text, f"has {n:,} values; at most {MAX_AXIS} per axis")


def phase_table(x: str, y: str, *, scenario: str = "baseline", seeds: int = 10,
                seed: int = 0, steps: int = 60, overrides: tuple[str, ...] = (),
                observable: str = "polarization", jobs: int = 2,
                progress: bool = False) -> tuple[pd.DataFrame, BatchResult]:
    """Run the grid ``x`` by ``y`` (each ``PATH=VALUES``); returns one row per cell (x, y,
    runs, failed, share_<outcome>, mean_<observable> over the cell's runs) and the batch
    result."""
    axis_size("--x", x)
    axis_size("--y", y)
    ax, ay = parse_override(x), parse_override(y)
    if ax.key == ay.key:
        raise ConfigError("--y", y, "must differ from --x")
    if observable not in OBSERVABLES:
        raise ConfigError("--observable", observable, f"must be one of {', '.join(OBSERVABLES)}")
    check_fixed(overrides, FLAGS)
    points = [{ax.key: vx, ay.key: vy} for vy in ay.values for vx in ax.values]
    plan = make_plan([f"scenario={scenario}", f"seed={seed}", f"steps={steps}", *overrides],
                     points=points, replicates=seeds)
    check_plan(plan, "--seeds")
    res = run_plan(plan, jobs=jobs, progress=progress)
    if res.ok == 0:
        first = res.table["error"].dropna()
        raise ConfigError("--x", x, "no run of the grid succeeded (first: "
                          f"{first.iloc[0] if len(first) else '?'})")
    t = res.table
    ok = t[t["status"] == "ok"]
    rows = []
    for i, p in enumerate(points):
        cell = ok[ok["point"] == i]
        n = len(cell)
        rec = {"x": p[ax.key], "y": p[ay.key], "runs": n,
               "failed": int((t["point"] == i).sum() - n)}
        for o in OUTCOMES:
            rec[f"share_{o}"] = float((cell["outcome"] == o).mean()) if n else np.nan
        rec[f"mean_{observable}"] = float(cell[observable].mean()) if n else np.nan
        rows.append(rec)
    cells = pd.DataFrame(rows)
    cells.attrs.update(x=ax.key, y=ay.key, scenario=scenario, seeds=seeds, steps=steps,
                       observable=observable)
    return cells, res


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float, np.floating)) else str(v)


def short_label(path: str) -> str:
    """Axis label from a config path: drop the ``scenario.`` section prefixes."""
    for prefix in ("scenario.uncertainties.", "scenario.levers.", "scenario.constants.",
                   "scenario.countries.", "scenario.events.", "scenario."):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def phase_figure(cells: pd.DataFrame, title: str | None = None,
                 observable: str | None = None) -> bytes:
    """One heat map per outcome (share of runs, shared colour scale 0-1), plus one of the cell
    mean of ``observable`` if given (its own colour bar). Returns PNG bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(dict.fromkeys(cells["x"]))
    ys = list(dict.fromkeys(cells["y"]))
    panels = [(f"share_{o}", o) for o in OUTCOMES]
    if observable:
        panels.append((f"mean_{observable}", f"mean final {observable}"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1.6, 4.4),
                             dpi=120, sharey=True, constrained_layout=True)
    image = None
    for ax, (col, name) in zip(axes, panels, strict=True):
        grid = (cells.pivot_table(index="y", columns="x", values=col, sort=False)
                .reindex(index=ys, columns=xs).to_numpy())
        share = col.startswith("share_")
        im = ax.imshow(grid, origin="lower", aspect="auto", interpolation="nearest",
                       vmin=0.0 if share else None, vmax=1.0 if share else None,
                       cmap="viridis" if share else "magma")
        if share:
            image = im
        else:
            fig.colorbar(im, ax=ax, shrink=0.9).set_label(name)
        ax.set_title(name, fontsize=11)
        step_x = max(1, len(xs) // 8)
        step_y = max(1, len(ys) // 8)
        ax.set_xticks(range(0, len(xs), step_x))
        ax.set_xticklabels([_fmt(v) for v in xs[::step_x]], rotation=45, ha="right")
        ax.set_yticks(range(0, len(ys), step_y))
        ax.set_yticklabels([_fmt(v) for v in ys[::step_y]])
        ax.set_xlabel(short_label(cells.attrs.get("x", "x")))
    axes[0].set_ylabel(short_label(cells.attrs.get("y", "y")))
    cbar = fig.colorbar(image, ax=list(axes[:len(OUTCOMES)]), shrink=0.9)
    cbar.set_label("share of runs with this outcome")
    runs = int(cells["runs"].max()) if len(cells) else 0
    fig.suptitle(title or (f"Outcome shares, {cells.attrs.get('scenario', '')}: "
                           f"{runs} seeds per cell, {cells.attrs.get('steps', '')} months"),
                 fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> None:
    """``aigov-sensitivity phase --x PATH=VALUES --y PATH=VALUES [options] [KEY=VALUE...]``."""
    from sim.io import atomic_write_bytes, atomic_write_text

    parser = OneLineParser(prog="aigov-sensitivity phase", description=(
        "Phase diagram: share of each outcome over a grid of two parameters, many seeds per "
        "cell. Writes NAME.csv (one row per cell) and NAME.png (one heat map per outcome)."))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="fixed overrides applied to every run")
    parser.add_argument("--x", required=True, help="PATH=VALUES for the horizontal axis")
    parser.add_argument("--y", required=True, help="PATH=VALUES for the vertical axis")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seeds", type=int_at_least(1), default=10,
                        help="replicates per cell")
    parser.add_argument("--seed", type=int_at_least(0, MAX_SEED), default=0,
                        help="root of the replicate seeds")
    parser.add_argument("--steps", type=int_at_least(1, MAX_STEPS), default=60,
                        help="months per run")
    parser.add_argument("-j", "--jobs", type=int_at_least(1, MAX_JOBS), default=default_jobs())
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default outputs/phase/DATE/TIME)")
    parser.add_argument("--name", default="phase", help="file stem of the CSV and PNG")
    parser.add_argument("--title", default=None)
    parser.add_argument("--observable", default=None, choices=OBSERVABLES,
                        help="add a panel with the cell mean of this final observable")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    out = args.out or Path("outputs/phase") / datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
    t0 = time.perf_counter()
    try:
        check_output("--out", out)
        if not args.name or Path(args.name).name != args.name or args.name in (".", ".."):
            raise ConfigError("--name", args.name, "must be a plain file stem (no folders)")
        cells, res = phase_table(args.x, args.y, scenario=args.scenario, seeds=args.seeds,
                                 seed=args.seed, steps=args.steps,
                                 overrides=tuple(args.overrides),
                                 observable=args.observable or "polarization",
                                 jobs=args.jobs, progress=not args.quiet)
    except ConfigError as exc:
        fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    csv, png = out / f"{args.name}.csv", out / f"{args.name}.png"
    atomic_write_text(csv, cells.to_csv(index=False, float_format="%.6g"))
    atomic_write_bytes(png, phase_figure(cells, args.title, args.observable))
    shares = {o: float(cells[f"share_{o}"].mean()) for o in OUTCOMES}
    print(f"phase: {len(cells)} cells x {args.seeds} seeds = {res.rows} runs "
          f"({res.failed} failed) in {time.perf_counter() - t0:.0f} s; mean shares "
          + ", ".join(f"{o} {v:.2f}" for o, v in shares.items()))
    print(f"table: {csv}  figure: {png}")


if __name__ == "__main__":
    main()
