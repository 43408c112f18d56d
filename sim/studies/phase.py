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

from sim.config import MAX_JOBS, MAX_SEED, MAX_STEPS
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.model.metrics import OBSERVABLES
from sim.studies.batch import (
    LINSPACE_RE,
    BatchResult,
    default_jobs,
    make_plan,
    parse_override,
    run_plan,
)
from sim.studies.sensitivity import check_fixed, check_plan
from sim.studies.sweep import OUTCOMES

MAX_AXIS = 1000  # values along one axis of the grid
FLAGS = {"scenario": "--scenario", "seed": "--seed", "steps": "--steps",
         "replicates": "--seeds"}  # keys the command sets itself


def axis_size(flag: str, text: str) -> None:
    """Refuse an axis with more than :data:`MAX_AXIS` values before its values are listed
    (``linspace(0,1,1000000000)`` or ``range(0,1e9)`` would fill memory first)."""
    from hydra.core.override_parser.types import RangeSweep

    from sim.config import override_parser

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
                       observable=observable, x_path=ax.path, y_path=ay.path,
                       x_base=scenario_point(scenario, ax.path, overrides),
                       y_base=scenario_point(scenario, ay.path, overrides))
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


# Plain names of actor attributes (sim.config declares meanings for the scenario-wide
# parameters, PARAMETERS, not for these); ranges as in docs/ODD.md, section 2.
ACTOR_WORDS = {
    "capability": "AI capability (index, US = 1 at the start)",
    "chip_supply": "share of the advanced-chip supply it controls [0-1]",
    "hawkishness": "hawkishness, the weight put on the race over safety [0-1]",
    "risk_concern": "concern about AI risk [0-1]",
    "commitment": "commitment to safety pledges [0-1]",
    "implemented": "safety measures implemented [0-1]",
    "un_ideal_point": "position on the UN voting scale",
    "safety_investment": "share of compute put into safety [0-1]",
    "openness": "openness of its model weights [0-1]",
    "track2_propensity": "readiness to take part in track-two talks [0-1]",
}
LABEL_WIDTH = 42  # characters per line of an axis label


def plain_label(path: str | tuple[str, ...]) -> str:
    """A parameter's name in plain words, its config name in brackets: the meaning declared
    in :data:`sim.config.PARAMETERS` for scenario-wide parameters, the actor and
    :data:`ACTOR_WORDS` for an actor's attribute, else the shortened path
    (:func:`short_label`). Wrapped to :data:`LABEL_WIDTH` characters a line."""
    import textwrap

    from sim.config import PARAMETERS

    parts = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
    name = parts[-2] if parts[-1] == "value" and len(parts) > 1 else parts[-1]
    if len(parts) >= 4 and parts[1] in ("countries", "labs"):
        actor = ".".join(parts[2:-1])
        text = f"{actor}: {ACTOR_WORDS.get(name, name)} [{name}]"
    elif name in PARAMETERS:
        text = f"{PARAMETERS[name].meaning} [{name}]"
    else:
        return short_label(".".join(parts))
    return "\n".join(textwrap.wrap(text, LABEL_WIDTH, break_on_hyphens=False))


def scenario_point(scenario: str, path: tuple[str, ...],
                   overrides: tuple[str, ...] = ()) -> float | None:
    """The scenario's own value at a config path (with the fixed ``overrides`` a grid runs
    with; a ``{value: ...}`` node gives its value), or None where there is no single number
    there (a key the grid adds, a list, a switch)."""
    from sim.studies.common import scenario_dict

    try:
        node = scenario_dict(scenario, overrides)
    except Exception:  # overrides the batch runner applies but Hydra would not compose
        return None
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict):
        node = node.get("value")
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return None
    return float(node)


def grid_position(values: list, value: float | None) -> float | None:
    """Where ``value`` falls on an axis of cells 0..n-1 holding ``values`` (ascending numbers),
    interpolated between cell centres; None if it is outside the grid or the axis is not
    numeric and ascending."""
    if value is None or not values:
        return None
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None
    if v.size > 1 and np.any(np.diff(v) <= 0):
        return None
    if not v[0] <= value <= v[-1]:
        return None
    return float(np.interp(value, v, np.arange(v.size))) if v.size > 1 else 0.0


MAX_WRITTEN = 15  # cells per axis up to which each cell's value is written in it


def _write_values(ax, grid: np.ndarray, clim: tuple[float, float], share: bool,
                  bx: float | None, by: float | None) -> None:
    """Each cell's value written in it (dark on light cells), moved off the star's cell."""
    lo, hi = clim
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid[i, j]
            if np.isnan(v):
                continue
            light = (v - lo) / (hi - lo) > 0.6 if hi > lo else True
            star = (bx is not None and by is not None and abs(j - bx) < 0.5
                    and abs(i - by) < 0.5)
            ty = i + (0.3 if by is not None and by < i else -0.3) if star else i
            ax.text(j, ty, f"{v:.2f}" if share else f"{v:.3g}", ha="center",
                    va="center", fontsize=7, color="black" if light else "white")


def _grid_ticks(ax, xs: list, ys: list) -> None:
    """At most about eight ticks per axis, labelled with the grid's values."""
    step_x = max(1, len(xs) // 8)
    step_y = max(1, len(ys) // 8)
    ax.set_xticks(range(0, len(xs), step_x))
    ax.set_xticklabels([_fmt(v) for v in xs[::step_x]], rotation=45, ha="right")
    ax.set_yticks(range(0, len(ys), step_y))
    ax.set_yticklabels([_fmt(v) for v in ys[::step_y]])


def _base_note(attrs: dict, scenario: str, on_grid: bool) -> str | None:
    """The legend's line about the scenario's own values: the star, or where they lie."""
    if on_grid:
        return (f"star: {scenario}'s own values ({_fmt(attrs['x_base'])}, "
                f"{_fmt(attrs['y_base'])})")
    if attrs.get("x_base") is not None or attrs.get("y_base") is not None:
        return (f"{scenario}'s own values ({_fmt(attrs.get('x_base'))}, "
                f"{_fmt(attrs.get('y_base'))}) lie outside this grid")
    return None


def phase_figure(cells: pd.DataFrame, title: str | None = None,
                 observable: str | None = None) -> bytes:
    """One heat map per outcome (share of runs, shared colour scale 0-1, each cell's share
    written in it), plus one of the cell mean of ``observable`` if given (its own colour bar);
    axes named in plain words (:func:`plain_label`), the scenario's own values marked with a
    star (``cells.attrs`` ``x_base``/``y_base``, from :func:`phase_table`). PNG bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    xs = list(dict.fromkeys(cells["x"]))
    ys = list(dict.fromkeys(cells["y"]))
    panels = [(f"share_{o}", o) for o in OUTCOMES]
    if observable:
        panels.append((f"mean_{observable}", f"mean final {observable}"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels) + 1.6, 5.4),
                             dpi=120, sharey=True, constrained_layout=True)
    attrs = cells.attrs
    bx = grid_position(xs, attrs.get("x_base"))
    by = grid_position(ys, attrs.get("y_base"))
    write = len(xs) <= MAX_WRITTEN and len(ys) <= MAX_WRITTEN
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
        if write:
            _write_values(ax, grid, im.get_clim(), share, bx, by)
        if bx is not None and by is not None:
            ax.plot(bx, by, marker="*", ms=15, mfc="none", mec="white", mew=2.2, ls="none")
            ax.plot(bx, by, marker="*", ms=15, mfc="none", mec="black", mew=1.0, ls="none")
        ax.set_title(name, fontsize=11)
        _grid_ticks(ax, xs, ys)
        ax.set_xlabel(plain_label(attrs.get("x_path") or attrs.get("x", "x")), fontsize=9)
    axes[0].set_ylabel(plain_label(attrs.get("y_path") or attrs.get("y", "y")), fontsize=9)
    cbar = fig.colorbar(image, ax=list(axes[:len(OUTCOMES)]), shrink=0.9)
    cbar.set_label("share of runs with this outcome")
    runs = int(cells["runs"].max()) if len(cells) else 0
    scenario = attrs.get("scenario", "")
    note = _base_note(attrs, scenario, bx is not None and by is not None)
    if note:
        fig.legend(handles=[Line2D([], [], marker="*", ms=12, mfc="none", mec="black",
                                   ls="none", label=note)],
                   loc="outside lower center", fontsize=8, frameon=False)
    fig.suptitle(title or (f"Outcome shares, {scenario}: {runs} seeds per cell, "
                           f"{attrs.get('steps', '')} months (number: share of runs)"),
                 fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> None:
    """``aigov-sensitivity phase --x PATH=VALUES --y PATH=VALUES [options] [KEY=VALUE...]``."""
    from sim.report.io import atomic_write_bytes, atomic_write_text

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
