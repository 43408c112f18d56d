"""Progress of a sweep: its size, how many jobs are done or failed and an estimate of the time
left, reported as each job ends (``[k/n done, f failed, ~ETA]``)."""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path

import numpy as np
import yaml

from sim.studies.sweep_jobs import (
    STATUS_FILE,
    _read_json,
)
from sim.studies.sweep_table import (
    find_job_dirs,
)

# -- progress -----------------------------------------------------------------------------------

log = logging.getLogger("sim.studies.sweep")  # the sweep's logger, as before the split


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
