"""One Hydra sweep job: its replicates (seeds spawned from ``numpy.random.SeedSequence``), its
config hash, resume (a finished job with the same hash is skipped) and its status file; the
file names and columns a sweep writes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim.config import RunConfig, build_run_config
from sim.errors import ConfigError
from sim.model.metrics import OBSERVABLES
from sim.report.io import (
    atomic_write_text,
    package_versions,
    write_run,
)

STATUS_FILE = "status.json"
SWEEP_MARKER = ".aigov-sweep.json"  # the overrides of the sweep that owns the directory
# Test-only: `aigov -m` job number N kills its own process (as an out-of-memory kill would).
KILL_JOB_ENV = "AIGOV_TEST_KILL_JOB"
SUMMARY_FILE = "summary.json"
REPLICATES_FILE = "replicates.csv"
TABLE_NAMES = ("sweep.parquet", "sweep.csv")
MAX_REPLICATES = 100_000
OUTCOMES = ("cooperation", "bifurcation", "fragmentation")
# override keys that name a column of the table under another name
RENAMED = {"seed": "job_seed"}
LEAD_COLUMNS = ("job", "status", "error")
TAIL_COLUMNS = ("replicate", "job_seed", "seed", "scenario", "steps", "replicates", "outcome",
                *OBSERVABLES, "config_hash")


# -- replicates ---------------------------------------------------------------------------------


def replicate_count(value: Any) -> int:
    """Validate ``replicates``: an integer in [1, MAX_REPLICATES] (runs per job)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not 1 <= value <= MAX_REPLICATES:
        raise ConfigError("replicates", value, f"must be an integer in [1, {MAX_REPLICATES}]")
    return int(value)


def replicate_seeds(seed: int, n: int) -> list[int]:
    """Seeds of the n replicates of a job seeded ``seed``.

    One replicate runs ``seed`` itself; more are drawn one 32-bit integer per child of
    ``SeedSequence(seed).spawn(n)``: independent streams, reproducible from ``seed`` alone.
    """
    if n == 1:
        return [int(seed)]
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(n)]


def job_hash(run: RunConfig, n: int) -> str:
    """Config hash of a sweep job: the run's own hash, extended by the replicate count."""
    if n == 1:
        return run.config_hash
    return hashlib.sha256(f"{run.config_hash}|replicates={n}".encode()).hexdigest()[:16]


def final_observables(model) -> dict[str, float]:
    """Final observables rounded as in ``summary.json`` (10 decimals)."""
    return {k: round(float(v), 10) for k, v in model.obs.items()}


def error_line(exc: BaseException) -> str:
    """One line naming what went wrong (ConfigError text as is, else type: message)."""
    text = " ".join(str(exc).split())
    return text if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {text}"


# -- one sweep job ------------------------------------------------------------------------------


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_status(out_dir: Path, status: str, error: str | None = None) -> None:
    """``status.json`` in a job directory: ok or failed (with its one-line error)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / STATUS_FILE,
                      json.dumps({"status": status, "error": error}, indent=2) + "\n")


def is_complete(out_dir: Path, expected_hash: str) -> bool:
    """True if ``out_dir`` holds finished results (status ok) made with ``expected_hash``."""
    out_dir = Path(out_dir)
    status = _read_json(out_dir / STATUS_FILE) or {}
    summary = _read_json(out_dir / SUMMARY_FILE) or {}
    return status.get("status") == "ok" and summary.get("config_hash") == expected_hash


def job_is_complete(out_dir: Path, cfg: DictConfig | dict) -> bool:
    """True if the job ``cfg`` already ran to completion into ``out_dir`` (resume check).

    A configuration that does not validate is never complete (the job runs and fails).
    """
    try:
        run = build_run_config(cfg)
        n = replicate_count(cfg.get("replicates", 1))
    except ConfigError:
        return False
    return is_complete(out_dir, job_hash(run, n))


def replicate_rows(run: RunConfig, n: int, base: dict | None = None) -> list[dict]:
    """Run n replicates of ``run`` (seeds from :func:`replicate_seeds`); one row each, with the
    outcome and final observables, or status ``failed`` and the error; ``base`` columns first."""
    from sim.api import with_seed
    from sim.model.model import GovernanceModel

    rows = []
    for k, seed in enumerate(replicate_seeds(run.seed, n)):
        row = {**(base or {}), "replicate": k, "seed": seed, "status": "ok", "error": None,
               "outcome": None}
        try:
            model = GovernanceModel(with_seed(run, seed)).run()
            row.update(outcome=model.outcome(), **final_observables(model))
        except Exception as exc:
            row.update(status="failed", error=error_line(exc))
        rows.append(row)
    return rows


def _run_replicates(run: RunConfig, n: int, out_dir: Path) -> str | None:
    """Run n replicates; write replicates.csv and a summary.json; return the first error."""

    rows = replicate_rows(run, n)
    table = pd.DataFrame(rows, columns=["replicate", "seed", "status", "error", "outcome",
                                        *OBSERVABLES])
    atomic_write_text(out_dir / REPLICATES_FILE, table.to_csv(index=False))
    ok = table[table["status"] == "ok"]
    counts = Counter(ok["outcome"])
    summary = {
        "scenario": run.scenario.name, "seed": run.seed, "steps": run.steps, "replicates": n,
        "replicate_seeds": [int(s) for s in table["seed"]],
        "outcome": counts.most_common(1)[0][0] if counts else None,
        "outcome_shares": {o: counts.get(o, 0) / max(len(ok), 1) for o in OUTCOMES},
        "final": {k: round(float(ok[k].mean()), 10) for k in OBSERVABLES} if len(ok) else {},
        "final_is": "mean over replicates",
        "config_hash": job_hash(run, n),
        "versions": package_versions(),
    }
    atomic_write_text(out_dir / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
    failed = table[table["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        return f"replicate {first['replicate']} (seed {first['seed']}): {first['error']}"
    return None


def sweep_job(cfg: DictConfig, out_dir: Path, job_num: int, sweep_dir: Path) -> str:
    """Run one Hydra multirun job into ``out_dir``; returns ok, failed or skipped.

    Never raises for a bad point: the error goes to ``status.json`` and the sweep goes on.
    ``status.json`` is removed before running, so ``ok`` always means a full, current result.
    """
    from sim.model.model import GovernanceModel
    from sim.studies.sweep_progress import report_job  # it reads the sweep back: imported late

    out_dir = Path(out_dir)
    try:
        n = replicate_count(cfg.get("replicates", 1))
        run = build_run_config(cfg)
        if is_complete(out_dir, job_hash(run, n)):
            report_job(job_num, "skipped (complete)", out_dir, sweep_dir)
            return "skipped"
        (out_dir / STATUS_FILE).unlink(missing_ok=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        if os.environ.get(KILL_JOB_ENV) == str(job_num):
            os.kill(os.getpid(), signal.SIGKILL)
        if n == 1:
            write_run(GovernanceModel(run).run(), out_dir)
            error = None
        else:
            error = _run_replicates(run, n, out_dir)
    except Exception as exc:
        error = error_line(exc)
    write_status(out_dir, "failed" if error else "ok", error)
    report_job(job_num, f"failed: {error}" if error else "done", out_dir, sweep_dir,
               level=logging.WARNING if error else logging.INFO)
    return "failed" if error else "ok"
