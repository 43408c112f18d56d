"""The batch runner's output table: an Arrow schema fixed before anything runs, rows conformed
to it, and a parquet file streamed through a temporary file renamed into place at the end."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model.metrics import OBSERVABLES

TAIL = ("replicate", "job_seed", "seed", "scenario", "steps", "replicates", "outcome",
        *OBSERVABLES, "config_hash")
ROW_GROUP_BYTES = 256 << 10  # Arrow bytes of rows held before they are written as a row group

if TYPE_CHECKING:
    from sim.studies.batch import Plan


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


# -- the output table ---------------------------------------------------------------------------


def _arrow_type(values: list) -> pa.DataType:
    """The column type for these values; it depends only on their types."""
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
    by_col: dict[str, dict] = {c: {} for c in plan.columns}  # one value of each type
    for _, assigns in plan.points:
        for a, v in assigns:
            if a.key in by_col:
                cell = _cell(v)
                by_col[a.key].setdefault(type(cell), cell)
    fields = [pa.field("point", pa.int64()), pa.field("status", pa.string()),
              pa.field("error", pa.string())]
    fields += [pa.field(c, _arrow_type(list(v.values()))) for c, v in by_col.items()]
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
    """Streams tables to ``path`` through a temporary file renamed into place at the end, in
    row groups of about :data:`ROW_GROUP_BYTES` of Arrow data: few row groups, because the
    writer keeps every row group's metadata (with column statistics) until it closes."""

    def __init__(self, path: Path | None, sch: pa.Schema):
        self.path, self.schema, self.writer, self.tmp = path, sch, None, None
        self.held: list[pa.Table] = []
        self.held_bytes = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            self.writer = pq.ParquetWriter(self.tmp, sch)

    def write(self, table: pa.Table) -> None:
        if self.writer is not None and table.num_rows:
            self.held.append(table)
            self.held_bytes += table.nbytes
            if self.held_bytes >= ROW_GROUP_BYTES:
                self.flush()

    def flush(self) -> None:
        """Write what is held as one row group."""
        if self.held:
            self.writer.write_table(pa.concat_tables(self.held))
            self.held, self.held_bytes = [], 0

    def close(self) -> None:
        if self.writer is not None:
            self.flush()
            self.writer.close()
            os.replace(self.tmp, self.path)
