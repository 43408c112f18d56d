"""Batch runner: many parameter points in worker processes, rows streamed to parquet.

A Hydra sweep pays for every job: composing the config (about a second), writing four files
and a figure. The batch runner composes each scenario once, applies every point's overrides to
the plain composed dict, validates it with the same :func:`sim.config.build_run_config`, runs the
model in a pool of worker processes (chunks of points per task) and streams one row per run to
a parquet file (``pyarrow.parquet.ParquetWriter``): memory stays flat however long the sweep.
Results equal single runs with the same seed (same config, same hash, same numbers).

The command line is Hydra-shaped: the same overrides as ``aigov -m``::

    python -m sim.studies.batch -j 2 scenario=baseline seed='range(0,50)' \\
        scenario.uncertainties.trust_gain=0.02,0.05,0.1 replicates=1 -o table.parquet

Keys with spaces or dots in a name are quoted: ``"scenario.countries.'United States'.hawkishness
=0.5,0.9"``; ``linspace(lo,hi,n)`` is accepted besides Hydra's ``a,b,c`` and ``range(...)``.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.api import with_seed
from sim.config import CONF_DIR, MAX_SEED, build_run_config
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.runs import Failed, chunk_size, default_jobs, imap, start_server
from sim.studies.batch_overrides import (  # noqa: F401  (moved there; imported from here too)
    LINSPACE_RE,
    Axis,
    Points,
    _merge,
    assign,
    parse_override,
    parse_values,
    split_path,
)
from sim.studies.batch_table import (  # noqa: F401  (moved there; imported from here too)
    TAIL,
    _arrow_type,
    _cell,
    _conform,
    _Sink,
    _to_pandas,
    schema,
)
from sim.studies.sweep import error_line, replicate_count, replicate_rows

RESERVED = {"seed": "job_seed", "steps": "steps", "scenario": "scenario"}
TABLE_ROWS = 512  # rows converted to Arrow at a time in the parent (its cost per row falls)


def config_groups() -> tuple[str, ...]:
    """Config groups Hydra composes from files (``scenario``, ``outcome``): conf/ subfolders."""
    return tuple(sorted(p.name for p in CONF_DIR.iterdir() if p.is_dir() and p.name != "hydra"))


# -- the plan: points to run --------------------------------------------------------------------


@dataclass
class Plan:
    """Everything a batch needs: composed base configs, points, replicates, column names."""

    bases: dict[tuple, dict]
    points: Sequence[tuple[tuple, tuple[tuple[Axis, Any], ...]]]
    columns: list[str]
    replicates: int = 1

    @property
    def runs(self) -> int:
        return len(self.points) * self.replicates


def _compose(selection: tuple) -> dict:
    from omegaconf import OmegaConf

    from sim.config import compose_config

    cfg = compose_config(None, [f"{g}={v}" for g, v in selection])
    return OmegaConf.to_container(cfg, resolve=True)


def make_plan(overrides: Sequence[str] = (), points: Sequence[dict[str, Any]] | None = None,
              replicates: int | None = None) -> Plan:
    """Plan the runs of Hydra-shaped ``overrides`` (their cartesian product, last varying
    fastest, as Hydra numbers jobs), times each of ``points`` (dicts key -> value) if given.

    Raises ConfigError for bad syntax, unknown scenarios or keys (before anything runs).
    """
    groups = config_groups()
    axes = [parse_override(o) for o in overrides]
    for a in axes:
        if a.key == "replicates":
            if len(a.values) != 1:
                raise ConfigError("replicates", list(a.values), "takes one value in a batch")
            replicates = replicate_count(a.values[0]) if replicates is None else replicates
    axes = [a for a in axes if a.key != "replicates"]
    replicates = replicate_count(1 if replicates is None else replicates)
    point_keys: list[str] = []
    for p in points or []:
        point_keys += [k for k in p if k not in point_keys]
    point_axes = {k: Axis(key=".".join(split_path(k)), path=split_path(k), values=())
                  for k in point_keys}
    group_axes = [a for a in axes if len(a.path) == 1 and a.path[0] in groups]
    for g in group_axes:
        for v in g.values:
            if not isinstance(v, str):
                raise ConfigError(g.key, v, "must name a config file")
    selections = list(itertools.product(*[[(g.key, v) for v in g.values] for g in group_axes]))
    bases = {sel: _compose(sel) for sel in selections}
    plain = [a for a in axes if a not in group_axes]
    slim = {a.key: replace(a, values=()) for a in plain}  # points carry no value lists
    plan_points = Points([(a in group_axes, a.key if a in group_axes else slim[a.key], a.values)
                          for a in axes],
                         [tuple((point_axes[k], v) for k, v in p.items()) for p in points or [{}]])
    for base in bases.values():  # unknown keys fail here, once, not in every worker
        for a in [*plain, *point_axes.values()]:
            assign(base, a, a.values[0] if a.values else 0)
    columns = [a.key for a in [*plain, *point_axes.values()] if a.key not in RESERVED]
    return Plan(bases=bases, points=plan_points, columns=list(dict.fromkeys(columns)),
                replicates=replicates)


# -- evaluating points (in workers) -------------------------------------------------------------

_BASES: dict[tuple, dict] = {}
_RUNS: OrderedDict = OrderedDict()  # validated configs of recent points, keyed as _run_key
RUNS_HELD = 64  # configs a worker keeps (points that differ only in their seed share one)
PLAIN = (int, float, str, bool, type(None))  # values that type and repr identify


def _init_worker(bases: dict[tuple, dict]) -> None:
    global _BASES
    _BASES = bases
    _RUNS.clear()


def evaluate_point(index: int, base: dict, selection: tuple, assigns: tuple,
                   replicates: int, runs: OrderedDict | None = None) -> list[dict]:
    """Rows (one per replicate) of one point: ``base`` with ``assigns`` applied, validated and
    run. A bad point gives one failed row with its error; it never raises. ``runs`` (optional)
    holds validated configs across calls: see :func:`_validated`."""

    row: dict[str, Any] = {"point": index, "status": "ok", "error": None}
    for a, v in assigns:
        row[RESERVED.get(a.key, a.key)] = _cell(v)
    row["scenario"] = (base.get("scenario") or {}).get("name")
    data = base
    try:
        for a, v in assigns:
            data = assign(data, a, v)
        row["job_seed"], row["steps"] = data.get("seed"), data.get("steps")
        run = _validated(data, selection, assigns, runs)
    except Exception as exc:
        return [{**row, "status": "failed", "error": error_line(exc), "replicates": replicates}]
    row.update(scenario=run.scenario.name, job_seed=run.seed, steps=run.steps,
               replicates=replicates, config_hash=run.config_hash)
    return replicate_rows(run, replicates, row)


def _validated(data: dict, selection: tuple, assigns: tuple, runs: OrderedDict | None):
    """``build_run_config(data)``, validated once for points that differ only in their seed.

    Validation (pydantic, the scenario's parameters) costs about a tenth of a 60-month run; the
    seed changes nothing of it (synthetic states have their own seed), so a point whose seed is
    a valid integer reuses the config of a point validated with the same other values and gets
    its seed as :func:`sim.api.with_seed` sets it: the same config and hash as validating it.
    """
    seed = data.get("seed")
    key = _run_key(selection, assigns) if runs is not None else None
    if key is None or type(seed) is not int or not 0 <= seed <= MAX_SEED:
        return build_run_config(data)
    if key in runs:
        runs.move_to_end(key)
        return with_seed(runs[key], seed)
    run = runs[key] = build_run_config(data)
    if len(runs) > RUNS_HELD:
        runs.popitem(last=False)
    return run


def _run_key(selection: tuple, assigns: tuple) -> tuple | None:
    """What identifies a point's config but its seed: its selection and every other value by
    type and ``repr`` (1, 1.0 and True, or 0.0 and -0.0, are not the same config). None for a
    value of another type (a list, a dict): such points are validated each time."""
    rest = [(a.path, a.add, v) for a, v in assigns if a.path != ("seed",)]
    if not all(type(v) in PLAIN for *_, v in rest):
        return None
    return selection, tuple((path, add, type(v), repr(v)) for path, add, v in rest)


def _point(index: int, selection: tuple, assigns: tuple, replicates: int) -> list[dict]:
    """The rows of one point, in a worker (its base config held since the worker started)."""
    return evaluate_point(index, _BASES[selection], selection, assigns, replicates, _RUNS)


def _failed_rows(index: int, plan: Plan, error: str) -> list[dict]:
    """The row of a point whose worker died (killed, out of memory): failed, with the error."""
    sel, assigns = plan.points[index]
    row = {"point": index, "status": "failed", "error": error, "replicates": plan.replicates,
           "scenario": (plan.bases[sel].get("scenario") or {}).get("name")}
    for a, v in assigns:
        row[RESERVED.get(a.key, a.key)] = _cell(v)
    return [row]


@dataclass
class BatchResult:
    """What a batch did: rows (if collected), counts, wall time and the parquet path."""

    table: pd.DataFrame | None
    rows: int
    ok: int
    failed: int
    seconds: float
    path: Path | None

    @property
    def runs_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else math.nan


def run_plan(plan: Plan, *, jobs: int = 2, chunk: int | None = None, out: Path | None = None,
             collect: bool = True, progress: bool = True) -> BatchResult:
    """Run every point of ``plan`` on ``jobs`` worker processes (1: in this process).

    Chunks of ``chunk`` points per task (default: about 32 tasks per worker, at most 64 points:
    the inter-process cost stays below 1% of a run while the last chunks still balance); the
    points are made as chunks are sent; rows are written to ``out`` (parquet, row groups of
    about 256 kB) in point order as chunks finish, and kept in memory only if ``collect``.
    """
    from tqdm.auto import tqdm

    if jobs < 1:
        raise ConfigError("jobs", jobs, "must be an integer >= 1")
    size = chunk or chunk_size(len(plan.points), jobs)
    sch = schema(plan)
    sink = _Sink(Path(out) if out else None, sch)
    kept: list[pa.Table] = []
    counts = {"rows": 0, "ok": 0, "failed": 0}
    bar = tqdm(total=plan.runs, unit="run", disable=not progress, file=sys.stderr,
               desc="batch")
    t0 = time.perf_counter()

    def count(rows: list[dict]) -> None:
        failed = sum(r["status"] != "ok" for r in rows)
        counts.update(rows=counts["rows"] + len(rows), ok=counts["ok"] + len(rows) - failed,
                      failed=counts["failed"] + failed)
        bar.update(sum(1 if r.get("replicate") is not None else plan.replicates
                       for r in rows))
        bar.set_postfix(failed=counts["failed"], refresh=False)

    def take(rows: list[dict]) -> None:
        table = _conform(rows, sch)
        sink.write(table)
        if collect:
            kept.append(table)

    tasks = ((i, sel, assigns, plan.replicates) for i, (sel, assigns) in enumerate(plan.points))
    chunk_rows: list[dict] = []  # rows of up to one chunk of points: counted together
    buffer: list[dict] = []  # rows not yet in the table: converted TABLE_ROWS at a time
    try:
        for n, (i, rows) in enumerate(imap(_point, tasks, jobs=jobs, chunk=size,
                                           initializer=_init_worker, initargs=(plan.bases,)), 1):
            chunk_rows += _failed_rows(i, plan, rows.error) if isinstance(rows, Failed) else rows
            if n % size == 0:
                count(chunk_rows)
                buffer += chunk_rows
                chunk_rows = []
            if len(buffer) >= TABLE_ROWS:
                take(buffer)
                buffer = []
    finally:
        count(chunk_rows)
        if buffer or chunk_rows:
            take(buffer + chunk_rows)  # what finished before an interruption is kept
        bar.close()
        sink.close()
    seconds = time.perf_counter() - t0
    table = _to_pandas(pa.concat_tables(kept) if kept else sch.empty_table()) if collect \
        else None
    return BatchResult(table=table, **counts, seconds=seconds, path=Path(out) if out else None)


def run_batch(overrides: Sequence[str] = (), *, points: Sequence[dict] | None = None,
              replicates: int | None = None, jobs: int = 2, chunk: int | None = None,
              out: Path | None = None, collect: bool = True,
              progress: bool = False) -> BatchResult:
    """Plan and run a batch in one call (notebooks, sensitivity, phase diagrams)."""
    if jobs > 1:
        start_server()  # it imports the model while the configs are composed here
    plan = make_plan(overrides, points, replicates)
    return run_plan(plan, jobs=jobs, chunk=chunk, out=out, collect=collect, progress=progress)


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.studies.batch [options] OVERRIDE...``: run a batch, write its table."""
    parser = OneLineParser(prog="aigov-batch", description=(
        "Run the cartesian product of Hydra-shaped overrides (as `aigov -m`) in worker "
        "processes, streaming one row per run to parquet. Same numbers as single runs."))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUES")
    parser.add_argument("-j", "--jobs", type=int_at_least(1), default=default_jobs(),
                        help="worker processes (default: CPUs, at most 8)")
    parser.add_argument("--chunk", type=int_at_least(1), default=None, help="points per task")
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="parquet file (default outputs/batch/DATE/TIME_pidPID/batch.parquet)")
    parser.add_argument("--csv", action="store_true", help="also write a CSV next to it")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    out = args.out or Path("outputs/batch") / datetime.now().strftime(  # unique, as sweeps
        f"%Y-%m-%d/%H-%M-%S-%f_pid{os.getpid()}") / "batch.parquet"
    try:
        check_output("--out", out, kind="file")
        if args.jobs > 1:
            start_server()  # it imports the model while the configs are composed here
        plan = make_plan(args.overrides)
    except ConfigError as exc:
        fail(exc)
    res = run_plan(plan, jobs=args.jobs, chunk=args.chunk, out=out, collect=False,
                   progress=not args.quiet)
    if args.csv:
        from sim.report.io import atomic_write_text
        atomic_write_text(out.with_suffix(".csv"), pd.read_parquet(out).to_csv(index=False))
    print(f"batch: {res.rows} rows ({res.ok} ok, {res.failed} failed) in {res.seconds:.1f} s, "
          f"{res.runs_per_second:.1f} runs/s on {args.jobs} worker(s) -> {out}")


if __name__ == "__main__":
    main()
