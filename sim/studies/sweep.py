"""Hydra sweeps: replicates, resume, progress and the sweep table.

A sweep (``aigov -m ...``) writes one job directory per parameter point under
``hydra.sweep.dir``. This module holds what happens inside such a job and what is read back:

- ``replicates=N`` makes a job run N models whose seeds are spawned from
  ``numpy.random.SeedSequence(seed)`` (N = 1 runs the job's own seed, so a one-replicate job
  equals a single run with that seed); the seeds used go to ``replicates.csv``.
- Resume: a job whose directory already holds complete results for the same configuration
  (``status.json`` ok and the same config hash in ``summary.json``) is skipped, so a killed sweep
  re-run into the same directory finishes without running anything twice.
- Progress: each job prints ``[k/n done, f failed, ~ETA]`` computed from the sweep directory.
- The sweep table: :func:`aggregate` writes ``sweep.parquet`` and ``sweep.csv`` with one row per
  job (per replicate when N > 1): its overrides, seed, status, error, outcome and final
  observables. It reads any sweep tree (partial, failed, still running, nested, submitit), is
  run by :class:`AggregateCallback` at the end of every multirun and by ``aigov-aggregate``.
  A multirun with a failed or unfinished job says so in its last line and exits 1.
- One sweep per directory: before anything is written, :class:`AggregateCallback` checks
  ``replicates`` and claims the sweep directory (:func:`claim_sweep_dir`): a directory holding
  another sweep's jobs (different overrides) is refused; the same sweep may resume into it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.config import RunConfig, build_run_config
from sim.errors import ConfigError, OneLineParser, fail
from sim.model.metrics import OBSERVABLES
from sim.report.io import (
    atomic_write_bytes,
    atomic_write_text,
    claim_file,
    package_versions,
    write_run,
)

log = logging.getLogger(__name__)

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


# -- progress -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def sweep_size(sweep_dir: str) -> int | None:
    """Number of jobs of the sweep in ``sweep_dir`` (from multirun.yaml), None if unknown."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        with open(Path(sweep_dir) / "multirun.yaml", encoding="utf-8") as fh:
            hydra_cfg = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        hydra_cfg = hydra_cfg["hydra"]
        if not hydra_cfg["sweeper"]["_target_"].endswith("BasicSweeper"):
            return None
        params = [f"{k}={v}" for k, v in (hydra_cfg["sweeper"].get("params") or {}).items()]
        overrides = OverridesParser.create().parse_overrides(
            params + list(hydra_cfg["overrides"]["task"]))
    except Exception:
        return None
    sizes = {}
    for o in overrides:
        sizes[o.get_key_element()] = (len(list(o.sweep_string_iterator()))
                                      if o.is_sweep_override() else 1)
    return int(np.prod(list(sizes.values()))) if sizes else 1


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def progress_line(sweep_dir: Path) -> str:
    """``[k/n done, f failed, ~ETA left]`` from the job directories of a sweep.

    The ETA extrapolates the rate of jobs finished since the sweep (re)started (the time of
    multirun.yaml); jobs found complete from an earlier attempt count as done but not in the rate.
    """
    sweep_dir = Path(sweep_dir)
    total = sweep_size(str(sweep_dir))
    try:
        t0 = (sweep_dir / "multirun.yaml").stat().st_mtime
    except OSError:
        t0 = None
    done = failed = recent = 0
    for job in find_job_dirs(sweep_dir):
        path = job / STATUS_FILE
        status = (_read_json(path) or {}).get("status")
        if status not in ("ok", "failed"):
            continue
        done += 1
        failed += status == "failed"
        if t0 is not None and path.stat().st_mtime >= t0:
            recent += 1
    head = f"{done}/{total}" if total else f"{done}"
    eta = ""
    if total and t0 is not None and recent and done < total:
        eta = f", ~{_duration((time.time() - t0) / recent * (total - done))} left"
    return f"[{head} done, {failed} failed{eta}]"


def report_job(job_num: int, what: str, out_dir: Path, sweep_dir: Path,
               level: int = logging.INFO) -> None:
    """Log the job's line (the ``sim`` logger: the console and the job's log file); on big
    sweeps only every 1% of jobs carries the progress."""
    total = sweep_size(str(sweep_dir)) or 0
    every = max(1, total // 100) if total > 500 else 1
    line = f"job {job_num}: {what} -> {out_dir}"
    if job_num % every == 0 or job_num == total - 1:
        line += " " + progress_line(sweep_dir)
    log.log(level, line)


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


# -- one sweep per directory --------------------------------------------------------------------


def _parsed_overrides(texts: list[str]) -> list:
    try:
        return _override_parser().parse_overrides(texts)
    except Exception:
        return []  # Hydra reports its own syntax errors


def sweep_identity(config: DictConfig) -> dict[str, Any]:
    """What defines a sweep's jobs: its overrides, in order, and the sweeper's params."""
    from omegaconf import OmegaConf

    params = config.hydra.sweeper.get("params")
    return {"overrides": [str(o) for o in config.hydra.overrides.task],
            "params": OmegaConf.to_container(params) if params else {}}


def check_replicates(config: DictConfig) -> None:
    """Every ``replicates`` value of a sweep must be valid before any job runs."""
    identity = sweep_identity(config)
    texts = [*(f"{k}={v}" for k, v in identity["params"].items()), *identity["overrides"]]
    values = [v for o in _parsed_overrides(texts) if o.get_key_element() == "replicates"
              for v in (o.sweep_iterator() if o.is_discrete_sweep() else [o.value()])]
    for value in values or [config.get("replicates", 1)]:
        replicate_count(value)


def _multirun_identity(sweep_dir: Path) -> dict[str, Any] | None:
    """The identity of a sweep written before markers existed, from its multirun.yaml."""
    try:
        with open(sweep_dir / "multirun.yaml", encoding="utf-8") as fh:
            hydra_cfg = yaml.safe_load(fh)["hydra"]
        return {"overrides": [str(o) for o in hydra_cfg["overrides"]["task"]],
                "params": hydra_cfg["sweeper"].get("params") or {}}
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None


def _holds_jobs(sweep_dir: Path) -> bool:
    """True if ``sweep_dir`` holds a sweep table or a job directory (one level down)."""
    if any((sweep_dir / name).exists() for name in TABLE_NAMES):
        return True
    return any(d.is_dir() and ((d / STATUS_FILE).exists() or (d / ".hydra").is_dir())
               for d in sweep_dir.iterdir())


def claim_sweep_dir(sweep_dir: Path, identity: dict[str, Any]) -> None:
    """Make ``sweep_dir`` this sweep's, or raise ConfigError (``hydra.sweep.dir``).

    The first sweep writes :data:`SWEEP_MARKER` (created exclusively: of two sweeps racing for
    a directory one wins). A sweep with the same overrides, in the same order (a resume, under
    any launcher), shares the directory; a sweep with other overrides is refused. A directory
    from before markers is judged by its ``multirun.yaml``; one holding jobs or a sweep table
    without either is refused.
    """
    sweep_dir = Path(sweep_dir)
    marker = sweep_dir / SWEEP_MARKER
    if marker.exists():
        held = _read_json(marker)
    else:
        held = _multirun_identity(sweep_dir)
        if held is None and sweep_dir.is_dir() and _holds_jobs(sweep_dir):
            raise ConfigError("hydra.sweep.dir", str(sweep_dir),
                              "holds sweep jobs of unknown overrides (no multirun.yaml); "
                              "choose a new directory")
        if held is None or held == identity:
            try:
                sweep_dir.mkdir(parents=True, exist_ok=True)
                if claim_file(marker, json.dumps(identity, indent=2) + "\n"):
                    return
            except OSError as exc:  # a file where a directory should be, no permission, ...
                raise ConfigError("hydra.sweep.dir", str(sweep_dir),
                                  f"cannot be used as a sweep directory: {exc.strerror}") \
                    from None
            held = _read_json(marker)  # another sweep claimed it a moment ago
    if held != identity:
        theirs = " ".join((held or {}).get("overrides") or []) or "unknown, starting"
        raise ConfigError("hydra.sweep.dir", str(sweep_dir),
                          f"holds another sweep's jobs (overrides: {theirs}); a sweep resumes "
                          "only with the same overrides; choose a new directory")


class AggregateCallback(Callback):
    """Hydra callback (conf/config.yaml): claim the sweep directory when a multirun starts,
    write the sweep table when it ends; exit 1 if a job failed or did not finish."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            check_replicates(config)
            claim_sweep_dir(Path(os.path.abspath(str(config.hydra.sweep.dir))),
                            sweep_identity(config))
        except ConfigError as exc:
            fail(exc)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        df = aggregate(sweep_dir)
        csv = sweep_dir / TABLE_NAMES[1]
        print(f"sweep table: {describe(df)} -> {sweep_dir / TABLE_NAMES[0]}, {csv}", flush=True)
        bad = df[df["status"] != "ok"]
        if len(bad):
            first = bad.iloc[0]
            print(f"sweep finished with failures: {len(bad)} of {len(df)} rows not ok (first: "
                  f"job {first['job']}, {first['status']}: {first['error'] or 'did not finish'}); "
                  f"errors in {csv}",
                  file=sys.stderr, flush=True)
            raise SystemExit(1)


def aggregate_main(argv: list[str] | None = None) -> None:
    """``aigov-aggregate SWEEP_DIR``: (re)build the sweep table of a sweep directory."""
    parser = OneLineParser(prog="aigov-aggregate", description=(
        "Collect a Hydra sweep directory (partial, failed, still running, nested or submitit) "
        "into sweep.parquet and sweep.csv: one row per job, or per replicate."))
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR", type=Path)
    args = parser.parse_args(argv)
    sweep_dir: Path = args.sweep_dir
    if not sweep_dir.is_dir():
        fail(f"SWEEP_DIR={str(sweep_dir)!r}: not a directory")
    if not find_job_dirs(sweep_dir) and not (sweep_dir / "multirun.yaml").is_file():
        fail(f"SWEEP_DIR={str(sweep_dir)!r}: no sweep jobs found (no job directory with "
             ".hydra/overrides.yaml or status.json, no multirun.yaml)")
    df = aggregate(sweep_dir)
    print(f"{describe(df)} -> {sweep_dir / TABLE_NAMES[0]}, {sweep_dir / TABLE_NAMES[1]}")



if __name__ == "__main__":
    aggregate_main()
