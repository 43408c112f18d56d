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

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.errors import ConfigError, OneLineParser, fail
from sim.report.io import (
    claim_file,
)
from sim.studies.sweep_jobs import (  # noqa: F401  (moved there; imported from here too)
    KILL_JOB_ENV,
    LEAD_COLUMNS,
    MAX_REPLICATES,
    OUTCOMES,
    RENAMED,
    REPLICATES_FILE,
    STATUS_FILE,
    SUMMARY_FILE,
    SWEEP_MARKER,
    TABLE_NAMES,
    TAIL_COLUMNS,
    _read_json,
    _run_replicates,
    error_line,
    final_observables,
    is_complete,
    job_hash,
    job_is_complete,
    replicate_count,
    replicate_rows,
    replicate_seeds,
    sweep_job,
    write_status,
)
from sim.studies.sweep_progress import (  # noqa: F401  (moved there; imported from here too)
    _duration,
    progress_line,
    report_job,
    sweep_size,
)
from sim.studies.sweep_table import (  # noqa: F401  (moved there; imported from here too)
    _composed_identity,
    _flatten,
    _natural_key,
    _override_parser,
    _read_overrides,
    _tidy,
    aggregate,
    describe,
    find_job_dirs,
    job_rows,
    override_columns,
    sweep_table,
    write_table,
)

log = logging.getLogger(__name__)

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
