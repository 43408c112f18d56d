"""Reading a sweep back: finding its job directories (partial, failed, nested, submitit), one row
per job or replicate (overrides, seed, status, error, outcome, final observables) and the sweep
table (``sweep.parquet``, ``sweep.csv``)."""

from __future__ import annotations

import functools
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.model.metrics import OBSERVABLES
from sim.report.io import (
    atomic_write_bytes,
    atomic_write_text,
)
from sim.studies.sweep_jobs import (
    LEAD_COLUMNS,
    RENAMED,
    REPLICATES_FILE,
    STATUS_FILE,
    SUMMARY_FILE,
    TABLE_NAMES,
    TAIL_COLUMNS,
    _read_json,
)

# -- reading a sweep back -----------------------------------------------------------------------


def _natural_key(path: Path) -> list:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.parts]


def find_job_dirs(sweep_dir: Path) -> list[Path]:
    """Job directories below ``sweep_dir`` (any depth), in natural order.

    A job directory holds ``.hydra/overrides.yaml`` (Hydra wrote it at job start) or
    ``status.json`` (the job finished). Hidden directories (.submitit, .hydra) are not searched.
    """
    found = []
    for root, dirs, files in os.walk(sweep_dir):
        here = Path(root)
        if STATUS_FILE in files or (".hydra" in dirs and (here / ".hydra/overrides.yaml")
                                    .is_file()):
            if here != Path(sweep_dir):
                found.append(here)
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not d.startswith(".")]
    return sorted(found, key=lambda p: _natural_key(p.relative_to(sweep_dir)))


@functools.lru_cache(maxsize=1)
def _override_parser():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def _flatten(prefix: str, value: Any, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    else:
        out[prefix] = value


def override_columns(overrides: list[str]) -> dict[str, Any]:
    """Typed columns from Hydra override strings (``key=value``; dict values are flattened,
    so ``scenario.countries={United States: {hawkishness: 0.5}}`` gives the column
    ``scenario.countries.United States.hawkishness``)."""
    out: dict[str, Any] = {}
    for text in overrides:
        try:
            o = _override_parser().parse_override(text)
            key, value = o.key_or_group, o.value()
        except Exception:
            key, _, value = text.lstrip("+~").partition("=")
        if key.startswith("hydra.") or key.startswith("hydra/"):
            continue
        _flatten(RENAMED.get(key, key), value, out)
    return out


def _read_overrides(job_dir: Path) -> list[str]:
    try:
        data = yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    return [str(x) for x in data] if isinstance(data, list) else []


def _composed_identity(job_dir: Path) -> dict[str, Any]:
    """Scenario, seed, steps and replicates of a job without a summary (failed or pending),
    from the config Hydra composed for it (``.hydra/config.yaml``)."""
    try:
        with open(job_dir / ".hydra" / "config.yaml", encoding="utf-8") as fh:
            cfg = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(cfg, dict):
        return {}
    scenario = cfg.get("scenario")
    return {"scenario": scenario.get("name") if isinstance(scenario, dict) else None,
            "job_seed": cfg.get("seed"), "steps": cfg.get("steps"),
            "replicates": cfg.get("replicates", 1)}


def job_rows(job_dir: Path, sweep_dir: Path) -> list[dict]:
    """Rows of one job directory: one per replicate (one if it ran a single replicate)."""
    base: dict[str, Any] = {"job": job_dir.relative_to(sweep_dir).as_posix()}
    status = _read_json(job_dir / STATUS_FILE)
    base["status"] = (status or {}).get("status") or "pending"
    base["error"] = (status or {}).get("error")
    base.update(override_columns(_read_overrides(job_dir)))
    summary = _read_json(job_dir / SUMMARY_FILE) if base["status"] != "pending" else None
    if summary is None:
        base.update(_composed_identity(job_dir))
    if base["status"] == "pending":
        return [base]
    if summary is not None:
        base.update({"job_seed": summary.get("seed"), "scenario": summary.get("scenario"),
                     "steps": summary.get("steps"), "config_hash": summary.get("config_hash"),
                     "replicates": summary.get("replicates", 1)})
    reps = job_dir / REPLICATES_FILE
    if reps.is_file() and summary is not None and summary.get("replicates", 1) > 1:
        table = pd.read_csv(reps, keep_default_na=True)
        rows = []
        for rec in table.to_dict("records"):
            rec = {k: (None if isinstance(v, float) and np.isnan(v) else v)
                   for k, v in rec.items()}
            rows.append({**base, **rec})
        return rows
    if base["status"] == "ok":
        if summary is None or "final" not in summary:
            return [{**base, "status": "failed", "error": "summary.json missing or unreadable"}]
        return [{**base, "replicate": 0, "seed": summary.get("seed"),
                 "outcome": summary.get("outcome"), **summary["final"]}]
    return [base]


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Columns with mixed value types become strings (parquet needs one type per column)."""
    for col in df.columns:
        if df[col].dtype != object:
            continue
        kinds = {type(v) for v in df[col] if v is not None and not
                 (isinstance(v, float) and np.isnan(v))}
        if len(kinds) > 1 and not kinds <= {int, float}:
            df[col] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                       for v in df[col]]
    return df


def sweep_table(sweep_dir: Path) -> pd.DataFrame:
    """The sweep table of ``sweep_dir``: one row per job (per replicate), in job order."""
    sweep_dir = Path(sweep_dir)
    rows = [r for job in find_job_dirs(sweep_dir) for r in job_rows(job, sweep_dir)]
    middle = []
    for r in rows:
        for k in r:
            if k not in LEAD_COLUMNS and k not in TAIL_COLUMNS and k not in middle:
                middle.append(k)
    columns = [*LEAD_COLUMNS, *middle, *TAIL_COLUMNS]
    df = pd.DataFrame(rows, columns=columns)
    for col in ("replicate", "job_seed", "seed", "steps", "replicates"):
        df[col] = pd.array(pd.to_numeric(df[col], errors="coerce"), dtype="Int64")
    for col in OBSERVABLES:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return _tidy(df)


def write_table(df: pd.DataFrame, sweep_dir: Path) -> tuple[Path, Path]:
    """Write ``sweep.parquet`` and ``sweep.csv`` atomically (temporary file, then rename)."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    parquet, csv = (Path(sweep_dir) / name for name in TABLE_NAMES)
    atomic_write_bytes(parquet, buf.getvalue())
    atomic_write_text(csv, df.to_csv(index=False))
    return parquet, csv


def describe(df: pd.DataFrame) -> str:
    """``N rows (a ok, b failed, c pending)``."""
    counts = Counter(df["status"]) if len(df) else Counter()
    return (f"{len(df)} rows ({counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed, "
            f"{counts.get('pending', 0)} pending)")


def aggregate(sweep_dir: Path) -> pd.DataFrame:
    """Build the sweep table of ``sweep_dir`` and write it next to the jobs; returns it."""
    df = sweep_table(Path(sweep_dir))
    write_table(df, Path(sweep_dir))
    return df
