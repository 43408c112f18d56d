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

import concurrent.futures as cf
import itertools
import json
import math
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import CONF_DIR, build_run_config
from sim.errors import ConfigError, OneLineParser, check_output, fail, int_at_least
from sim.model.metrics import OBSERVABLES
from sim.studies.sweep import error_line, replicate_count, replicate_rows

RESERVED = {"seed": "job_seed", "steps": "steps", "scenario": "scenario"}
TAIL = ("replicate", "job_seed", "seed", "scenario", "steps", "replicates", "outcome",
        *OBSERVABLES, "config_hash")
LINSPACE_RE = re.compile(r"^\s*linspace\(\s*([^,]+),\s*([^,]+),\s*(\d+)\s*\)\s*$")


def config_groups() -> tuple[str, ...]:
    """Config groups Hydra composes from files (``scenario``, ``outcome``): conf/ subfolders."""
    return tuple(sorted(p.name for p in CONF_DIR.iterdir() if p.is_dir() and p.name != "hydra"))


# -- parsing Hydra-shaped overrides -------------------------------------------------------------


def split_path(key: str) -> tuple[str, ...]:
    """``a.'United States'.b`` -> ('a', 'United States', 'b'): dots split, quotes protect."""
    parts, cur, quote = [], [], None
    for ch in key:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == ".":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if quote:
        raise ConfigError("override", key, "unbalanced quote in the key")
    parts.append("".join(cur))
    if any(not p for p in parts):
        raise ConfigError("override", key, "empty key segment")
    return tuple(parts)


def parse_values(key: str, text: str) -> list:
    """Values of one override: Hydra syntax (``a,b``, ``range(0,5)``, ``choice(...)``, a single
    value, a dict) or ``linspace(lo,hi,n)`` (n evenly spaced numbers, ends included)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    m = LINSPACE_RE.match(text)
    if m:
        try:
            lo, hi, n = float(m.group(1)), float(m.group(2)), int(m.group(3))
        except ValueError:
            raise ConfigError(key, text, "linspace(lo, hi, n) needs numbers") from None
        if n < 1:
            raise ConfigError(key, text, "linspace needs n >= 1")
        return [round(float(v), 12) for v in np.linspace(lo, hi, n)]
    try:
        o = OverridesParser.create().parse_override(f"x={text}")
    except Exception as exc:
        raise ConfigError(key, text, f"not a Hydra value: {' '.join(str(exc).split())}") \
            from None
    if not o.is_sweep_override():
        return [o.value()]
    if not o.is_discrete_sweep():
        raise ConfigError(key, text, "only discrete sweeps (a,b,c; range; choice) can be run")
    values = list(o.sweep_iterator())
    if not values:
        raise ConfigError(key, text, "the sweep has no values")
    return values


@dataclass(frozen=True)
class Axis:
    """One override: its column name, path in the config, values, and whether it adds a key."""

    key: str
    path: tuple[str, ...]
    values: tuple
    add: bool = False


def parse_override(text: str) -> Axis:
    """``KEY=VALUES`` (Hydra-shaped) -> :class:`Axis`."""
    quote, eq = None, -1
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "=":
            eq = i
            break
    if eq <= 0:
        raise ConfigError("override", text, "must be KEY=VALUE (Hydra override syntax)")
    raw_key, value_text = text[:eq], text[eq + 1:]
    add = raw_key.startswith("+")
    if raw_key.startswith(("~", "++")):
        raise ConfigError("override", text, "deleting (~) or forcing (++) keys is not supported")
    path = split_path(raw_key.lstrip("+"))
    if path[0] == "hydra" or "/" in path[0]:
        raise ConfigError("override", text, "Hydra settings (hydra..., launchers) do not apply "
                          "to the batch runner; use -j for workers")
    return Axis(key=".".join(path), path=path, values=tuple(parse_values(raw_key, value_text)),
                add=add)


# -- applying overrides to a composed config ----------------------------------------------------


def _merge(old: Any, new: Any) -> Any:
    """Hydra's dict override: dicts merge key by key, anything else replaces."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = _merge(old.get(k), v)
        return out
    return new


def assign(data: dict, axis: Axis, value: Any) -> dict:
    """A copy of ``data`` with ``value`` at ``axis.path`` (only the dicts on the path are
    copied). Unknown keys are an error unless the override was written ``+key=...``."""
    head, *rest = axis.path
    if not isinstance(data, dict):
        raise ConfigError(axis.key, value, "the path runs into a value, not a mapping")
    if head not in data and not (axis.add and not rest):
        near = ", ".join(sorted(map(str, data))[:12])
        raise ConfigError(axis.key, value, f"no key {head!r} here (available: {near}); "
                          "prefix + to add a key")
    out = dict(data)
    if rest:
        out[head] = assign(data[head], Axis(axis.key, tuple(rest), axis.values, axis.add), value)
    else:
        out[head] = _merge(data.get(head), value)
    return out


# -- the plan: points to run --------------------------------------------------------------------


@dataclass
class Plan:
    """Everything a batch needs: composed base configs, points, replicates, column names."""

    bases: dict[tuple, dict]
    points: list[tuple[tuple, tuple[tuple[Axis, Any], ...]]]
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
    plan_points = []
    for combo in itertools.product(*[[(a, v) for v in a.values] for a in axes]):
        sel = tuple((a.key, v) for a, v in combo if a in group_axes)
        assigns = tuple((slim[a.key], v) for a, v in combo if a in plain)
        for p in points or [{}]:
            plan_points.append((sel, assigns + tuple((point_axes[k], v) for k, v in p.items())))
    for base in bases.values():  # unknown keys fail here, once, not in every worker
        for a in [*plain, *point_axes.values()]:
            assign(base, a, a.values[0] if a.values else 0)
    columns = [a.key for a in [*plain, *point_axes.values()] if a.key not in RESERVED]
    return Plan(bases=bases, points=plan_points, columns=list(dict.fromkeys(columns)),
                replicates=replicates)


# -- evaluating points (in workers) -------------------------------------------------------------

_BASES: dict[tuple, dict] = {}


def _init_worker(bases: dict[tuple, dict]) -> None:
    global _BASES
    _BASES = bases


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def evaluate_point(index: int, base: dict, selection: tuple, assigns: tuple,
                   replicates: int) -> list[dict]:
    """Rows (one per replicate) of one point: ``base`` with ``assigns`` applied, validated and
    run. A bad point gives one failed row with its error; it never raises."""

    row: dict[str, Any] = {"point": index, "status": "ok", "error": None}
    for a, v in assigns:
        row[RESERVED.get(a.key, a.key)] = _cell(v)
    row["scenario"] = (base.get("scenario") or {}).get("name")
    data = base
    try:
        for a, v in assigns:
            data = assign(data, a, v)
        row["job_seed"], row["steps"] = data.get("seed"), data.get("steps")
        run = build_run_config(data)
    except Exception as exc:
        return [{**row, "status": "failed", "error": error_line(exc), "replicates": replicates}]
    row.update(scenario=run.scenario.name, job_seed=run.seed, steps=run.steps,
               replicates=replicates, config_hash=run.config_hash)
    return replicate_rows(run, replicates, row)


def _run_chunk(chunk: list[tuple[int, tuple, tuple]], replicates: int) -> list[dict]:
    return [r for i, sel, assigns in chunk
            for r in evaluate_point(i, _BASES[sel], sel, assigns, replicates)]


# -- the output table ---------------------------------------------------------------------------


def _arrow_type(values: list) -> pa.DataType:
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return pa.bool_()
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return pa.int64()
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return pa.float64()
    return pa.string()


def schema(plan: Plan) -> pa.Schema:
    """Arrow schema of the rows of ``plan`` (fixed before running, so rows stream)."""
    by_col: dict[str, list] = {c: [] for c in plan.columns}
    for _, assigns in plan.points:
        for a, v in assigns:
            if a.key in by_col:
                by_col[a.key].append(_cell(v))
    fields = [pa.field("point", pa.int64()), pa.field("status", pa.string()),
              pa.field("error", pa.string())]
    fields += [pa.field(c, _arrow_type(v)) for c, v in by_col.items()]
    ints = ("replicate", "job_seed", "seed", "steps", "replicates")
    for c in TAIL:
        kind = pa.int64() if c in ints else pa.float64() if c in OBSERVABLES else pa.string()
        fields.append(pa.field(c, kind))
    return pa.schema(fields)


def _conform(rows: list[dict], sch: pa.Schema) -> pa.Table:
    """Rows to an Arrow table of ``sch``; values of the wrong type become null or text."""
    cols = {}
    for f in sch:
        vals = [r.get(f.name) for r in rows]
        if pa.types.is_integer(f.type):
            vals = [v if isinstance(v, int) and not isinstance(v, bool) else None for v in vals]
        elif pa.types.is_string(f.type):
            vals = [None if v is None else str(v) for v in vals]
        elif pa.types.is_floating(f.type):
            vals = [float(v) if isinstance(v, (int, float)) else None for v in vals]
        cols[f.name] = pa.array(vals, type=f.type)
    return pa.table(cols, schema=sch)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas keeping integer columns integer (nullable Int64) when rows failed."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


class _Sink:
    """Streams tables to ``path`` through a temporary file renamed into place at the end."""

    def __init__(self, path: Path | None, sch: pa.Schema):
        self.path, self.schema, self.writer, self.tmp = path, sch, None, None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            self.writer = pq.ParquetWriter(self.tmp, sch)

    def write(self, table: pa.Table) -> None:
        if self.writer is not None and table.num_rows:
            self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            os.replace(self.tmp, self.path)


def _chunks(plan: Plan, size: int) -> Iterator[list[tuple[int, tuple, tuple]]]:
    items = [(i, sel, assigns) for i, (sel, assigns) in enumerate(plan.points)]
    for k in range(0, len(items), size):
        yield items[k:k + size]


def _pool(jobs: int, bases: dict) -> cf.ProcessPoolExecutor:
    """Workers forked from a forkserver that pre-imported the model (fast start, shared pages,
    no fork of this possibly multi-threaded process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.api", "sim.model.model"])
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                  initargs=(bases,))


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
    the inter-process cost stays below 1% of a run while the last chunks still balance); rows
    are written to ``out`` (parquet) in point order as chunks finish, and kept in memory only if
    ``collect``.
    """
    from tqdm.auto import tqdm

    if jobs < 1:
        raise ConfigError("jobs", jobs, "must be an integer >= 1")
    size = chunk or max(1, min(64, math.ceil(len(plan.points) / (jobs * 32))))
    sch = schema(plan)
    sink = _Sink(Path(out) if out else None, sch)
    kept: list[pa.Table] = []
    counts = {"rows": 0, "ok": 0, "failed": 0}
    bar = tqdm(total=plan.runs, unit="run", disable=not progress, file=sys.stderr,
               desc="batch")
    t0 = time.perf_counter()

    def take(rows: list[dict]) -> None:
        table = _conform(rows, sch)
        sink.write(table)
        if collect:
            kept.append(table)
        counts["rows"] += len(rows)
        counts["ok"] += sum(r["status"] == "ok" for r in rows)
        counts["failed"] += sum(r["status"] != "ok" for r in rows)
        bar.update(sum(1 if r.get("replicate") is not None else plan.replicates
                       for r in rows))
        bar.set_postfix(failed=counts["failed"], refresh=False)

    try:
        if jobs == 1:
            _init_worker(plan.bases)
            for c in _chunks(plan, size):
                take(_run_chunk(c, plan.replicates))
        else:
            with _pool(jobs, plan.bases) as pool:
                pending: dict[int, cf.Future] = {}
                done: dict[int, list[dict]] = {}
                chunks = enumerate(_chunks(plan, size))
                next_out = 0
                for k, c in itertools.islice(chunks, jobs * 3):
                    pending[k] = pool.submit(_run_chunk, c, plan.replicates)
                while pending:
                    finished, _ = cf.wait(pending.values(), return_when=cf.FIRST_COMPLETED)
                    for k in [k for k, f in pending.items() if f in finished]:
                        done[k] = pending.pop(k).result()
                        for k2, c in itertools.islice(chunks, 1):
                            pending[k2] = pool.submit(_run_chunk, c, plan.replicates)
                    while next_out in done:
                        take(done.pop(next_out))
                        next_out += 1
    finally:
        bar.close()
        sink.close()
    seconds = time.perf_counter() - t0
    table = _to_pandas(pa.concat_tables(kept) if kept else sch.empty_table()) if collect \
        else None
    return BatchResult(table=table, rows=counts["rows"], ok=counts["ok"],
                       failed=counts["failed"], seconds=seconds,
                       path=Path(out) if out else None)


def run_batch(overrides: Sequence[str] = (), *, points: Sequence[dict] | None = None,
              replicates: int | None = None, jobs: int = 2, chunk: int | None = None,
              out: Path | None = None, collect: bool = True,
              progress: bool = False) -> BatchResult:
    """Plan and run a batch in one call (notebooks, sensitivity, phase diagrams)."""
    plan = make_plan(overrides, points, replicates)
    return run_plan(plan, jobs=jobs, chunk=chunk, out=out, collect=collect, progress=progress)


def default_jobs() -> int:
    """Workers when none are asked for: the CPUs this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(8, n))


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
