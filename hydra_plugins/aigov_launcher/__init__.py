"""The joblib launcher of `aigov -m`, made to survive a worker process that dies.

Hydra's joblib launcher runs a sweep as one ``joblib.Parallel`` call: when a worker process
dies (killed by the system for lack of memory, a crash in native code, ``kill -9``), loky
raises ``TerminatedWorkerError``, the whole sweep stops, no sweep table is written and the
job is left pending. :class:`SafeJoblibLauncher` runs the same jobs in the same loky workers,
with Hydra's own ``execute_job`` (same job numbers, directories and files), but when a worker
dies it keeps every finished job, runs the jobs that were under way one at a time in a fresh
worker (so the one that kills its worker is known), records a job whose worker dies again as
failed with the cause in its ``status.json``, and goes on with the rest.

``conf/hydra/launcher/parallel.yaml`` selects it (``hydra/launcher=parallel``). It lives in the
``hydra_plugins`` package because Hydra instantiates launchers only from there.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobStatus,
    configure_log,
    filter_overrides,
    setup_globals,
)
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from omegaconf import OmegaConf, open_dict

log = logging.getLogger(__name__)


def _execute(idx: int, started: str, *args: Any) -> JobReturn:
    """In a worker: note that job ``idx`` started, then run it as Hydra's joblib launcher does."""
    from hydra_plugins.hydra_joblib_launcher._core import execute_job

    Path(started, str(idx)).touch()
    return execute_job(idx, *args)


def _cause(exc: BaseException) -> str:
    """The exit codes loky reports for a dead worker (e.g. ``{SIGKILL(-9)}``)."""
    m = re.search(r"exit codes of the workers are (\{[^}]*\})", str(exc))
    return f"exit code {m.group(1)}" if m else type(exc).__name__


class SafeJoblibLauncher(JoblibLauncher):
    """Hydra's joblib launcher, but a dead worker costs only the job it was running."""

    def launch(self, job_overrides: Sequence[Sequence[str]],
               initial_job_idx: int) -> Sequence[JobReturn]:
        from joblib import effective_n_jobs

        setup_globals()
        assert self.config is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        jobs = {initial_job_idx + k: list(o) for k, o in enumerate(job_overrides)}
        workers = effective_n_jobs(self.joblib.get("n_jobs") or -1)
        log.info(f"Launching {len(jobs)} jobs on {workers} worker processes, sweep output dir: "
                 f"{self.config.hydra.sweep.dir}")
        for idx, overrides in jobs.items():
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        results: dict[int, JobReturn] = {}
        with tempfile.TemporaryDirectory(prefix="aigov-jobs-") as started:
            todo = list(jobs)
            while todo:
                died = self._run(jobs, todo, workers, started, results)
                if died is None:
                    break
                # The jobs under way when the pool broke, one at a time: a second death is
                # the job's own doing (or its memory's); the others were only caught in it.
                for idx in [i for i in todo if i not in results and Path(started, str(i))
                            .exists()]:
                    again = self._run(jobs, [idx], 1, started, results)
                    if again is not None:
                        results[idx] = self._record_killed(idx, jobs[idx], died, again)
                todo = [i for i in todo if i not in results]
        return [results[i] for i in jobs]

    def _run(self, jobs: dict[int, list[str]], indices: list[int], workers: int, started: str,
             results: dict[int, JobReturn]) -> str | None:
        """Run ``indices`` on ``workers`` loky processes into ``results``; returns the cause if a
        worker died (the jobs not in ``results`` then did not finish), else None."""
        from joblib.externals.loky import get_reusable_executor

        executor = get_reusable_executor(max_workers=workers)
        state = Singleton.get_state()
        futures = {executor.submit(_execute, i, started, jobs[i], self.hydra_context,
                                   self.config, self.task_function, state): i for i in indices}
        wait(futures)
        died = None
        for future, idx in futures.items():
            exc = future.exception()
            if exc is None:
                results[idx] = future.result()
            elif isinstance(exc, BrokenProcessPool):  # loky's TerminatedWorkerError too
                died = died or _cause(exc)
            else:
                raise exc
        return died

    def _record_killed(self, idx: int, overrides: list[str], first: str,
                       second: str) -> JobReturn:
        """Write ``status.json`` (failed, with the cause) into the job's directory."""
        from sim.report.io import atomic_write_text
        from sim.studies.sweep import report_job, write_status

        cfg = self.hydra_context.config_loader.load_sweep_config(self.config, overrides)
        with open_dict(cfg):
            cfg.hydra.job.id = f"{cfg.hydra.job.name}_{idx}"
            cfg.hydra.job.num = idx
        HydraConfig.instance().set_config(cfg)
        out = Path(str(cfg.hydra.sweep.dir)) / str(cfg.hydra.sweep.subdir)
        error = (f"worker process died running this job ({first}; alone: {second}): killed "
                 "by the system (out of memory?) or crashed")
        write_status(out, "failed", error)
        if cfg.hydra.output_subdir is not None:  # the table's columns come from this file
            hydra_out = out / str(cfg.hydra.output_subdir)
            if not (hydra_out / "overrides.yaml").exists():  # died before Hydra wrote it
                hydra_out.mkdir(parents=True, exist_ok=True)
                atomic_write_text(hydra_out / "overrides.yaml", OmegaConf.to_yaml(overrides))
        report_job(idx, f"failed: {error}", out, Path(str(cfg.hydra.sweep.dir)),
                   level=logging.ERROR)
        return JobReturn(overrides=overrides, cfg=cfg, working_dir=str(out),
                         status=JobStatus.COMPLETED, _return_value="failed")

