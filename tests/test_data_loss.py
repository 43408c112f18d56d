"""Nothing a user had is destroyed, and no result is lost (issue 10, data loss).

Every test runs the real command in a subprocess: a failing or interrupted run removes only what
it created, a run directory holding results is refused, concurrent sweeps keep all their rows,
a killed worker becomes a failed row, and a sweep with failures exits non-zero.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "AIGOV_JOBS": "2"}
ENV.pop("HYDRA_FULL_ERROR", None)
ENV.pop("AIGOV_TEST_KILL_JOB", None)

# The real entry point with one fault injected: the figure (written after the three tables)
# prints what the run directory holds, then {action}.
HARNESS = """
import os, sys, time
import sim.report.plots

def figure(*args, **kwargs):
    print("writing the figure; present:", sorted(os.listdir(".")), flush=True)
    {action}

sim.report.plots.timeseries_figure = figure
from sim.cli.aigov import main
sys.argv = ["aigov", *sys.argv[1:]]
main()
"""


def aigov(*args: str, cwd: Path, env: dict | None = None,
          timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env or ENV,
                          capture_output=True, text=True, timeout=timeout)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (None) below ``root``, root included."""
    out: dict[str, bytes | None] = {".": None}
    for p in sorted(root.rglob("*")):
        out[p.relative_to(root).as_posix()] = p.read_bytes() if p.is_file() else None
    return out


@pytest.fixture
def thesis(tmp_path) -> Path:
    """A folder the user had before: a file and a subfolder with a file."""
    d = tmp_path / "thesis"
    (d / "chapters").mkdir(parents=True)
    (d / "notes.txt").write_text("three years of work\n")
    (d / "chapters" / "one.tex").write_text("\\chapter{One}\n")
    return d


# -- single runs: failing runs remove only what they created ------------------------------------

FAILING = [  # (arguments, run directory relative to the user's folder)
    # --run skips the pre-flight check, so these fail inside the Hydra app, after Hydra has
    # made the run directory: the old clean-up removed the whole directory.
    (["--run", "steps=-3"], "."),
    (["--run", "steps=3", "+typo=1"], "chapters"),
    (["--run", "steps=3", "replicates=0"], "."),
    (["steps=3", "scenario.uncertainties.incident_rate=inf"], "."),
]


@pytest.mark.parametrize("args, where", FAILING, ids=[" ".join(a) for a, _ in FAILING])
def test_failing_run_keeps_the_folder_it_was_pointed_at(thesis, args, where):
    before = snapshot(thesis)
    r = aigov(*args, f"hydra.run.dir={where}", cwd=thesis)
    assert r.returncode != 0, r.stdout
    assert snapshot(thesis) == before, r.stderr


def test_failing_run_into_a_new_folder_leaves_nothing(thesis):
    before = snapshot(thesis)
    r = aigov("--run", "steps=-3", "hydra.run.dir=new/deep/run", cwd=thesis)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["error: steps=-3: must be an integer >= 1"]
    assert snapshot(thesis) == before  # new/, new/deep/ and new/deep/run/ are gone


@pytest.mark.parametrize("args, key", [(["steps=3", "hydra.run.dir=notes.txt/run"], "run"),
                                       (["-m", "steps=3", "hydra.sweep.dir=notes.txt"], "sweep")])
def test_directory_under_or_at_a_file_is_one_line(thesis, args, key):
    before = snapshot(thesis)
    r = aigov(*args, cwd=thesis)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: hydra.{key}.dir="), lines
    assert snapshot(thesis) == before


def _foreground() -> None:
    """Ctrl-C as at a terminal: a job started in the background (``cmd &``, nohup) inherits
    SIGINT ignored, and Python then never raises KeyboardInterrupt; the harness runs as a
    foreground command would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _harness(action: str, *args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HARNESS.format(action=action), *args],
                            cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_foreground)


def test_exception_while_writing_removes_only_the_files_written(thesis):
    before = snapshot(thesis)
    p = _harness("raise OSError('No space left on device')", "hydra.run.dir=.", "steps=3",
                 cwd=thesis)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 1, err
    assert "'summary.json'" in out and "'timeseries.csv'" in out  # written when it failed
    assert "No space left on device" in err
    assert snapshot(thesis) == before


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_removes_only_what_it_wrote(thesis, sig, code):
    before = snapshot(thesis)
    p = _harness("time.sleep(120)", "hydra.run.dir=.", "steps=3", cwd=thesis)
    line = p.stdout.readline()  # the tables are written, the figure is being made
    assert "'summary.json'" in line, p.stderr.read() if p.poll() is not None else line
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    if sig == signal.SIGINT:
        assert err.strip().splitlines()[-1] == "interrupted"
    assert snapshot(thesis) == before


# -- single runs: a directory holding results is refused ----------------------------------------


def test_second_run_into_a_results_directory_is_refused(tmp_path):
    d = tmp_path / "run"
    first = aigov("steps=3", "seed=1", f"hydra.run.dir={d}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(d)
    second = aigov("steps=4", "seed=2", f"hydra.run.dir={d}", cwd=tmp_path)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: hydra.run.dir='{d}'"), lines
    assert "already holds" in lines[0]
    assert snapshot(d) == before  # nothing written, nothing removed


def test_a_file_of_the_same_name_is_not_overwritten(thesis):
    (thesis / "summary.json").write_text('{"mine": true}\n')
    before = snapshot(thesis)
    r = aigov("steps=3", "hydra.run.dir=.", cwd=thesis)
    assert r.returncode == 2 and "summary.json" in r.stderr
    assert snapshot(thesis) == before


def test_concurrent_runs_into_one_directory_one_wins(tmp_path):
    d = tmp_path / "run"
    procs = [subprocess.Popen([sys.executable, "-m", "sim", "steps=3", f"seed={s}",
                               f"hydra.run.dir={d}"], cwd=tmp_path, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (1, 2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    winner = [s for s, (code, _) in zip((1, 2), results, strict=True) if code == 0][0]
    assert f'"seed": {winner},' in (d / "summary.json").read_text()
    for code, err in results:
        if code == 2:
            assert err.startswith(f"error: hydra.run.dir='{d}'") and err.count("\n") == 1


# -- sweeps -------------------------------------------------------------------------------------


def _sweep(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "-m", *args], cwd=cwd,
                            env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_sweeps_started_together_keep_all_results(tmp_path):
    """Default sweep directories: the old ones were named to the second, so two sweeps started
    in the same second wrote into one directory and lost half the rows."""
    a = _sweep("seed=0,1", "steps=2", cwd=tmp_path)
    b = _sweep("seed=2,3", "steps=3", cwd=tmp_path)
    for p in (a, b):
        err = p.communicate(timeout=600)[1]
        assert p.returncode == 0, err
    dirs = sorted(p.parent for p in (tmp_path / "outputs" / "sweeps").rglob("sweep.parquet"))
    assert len(dirs) == 2
    tables = [pd.read_parquet(d / "sweep.parquet") for d in dirs]
    rows = sorted((int(r["job_seed"]), int(r["steps"]), r["status"])
                  for t in tables for _, r in t.iterrows())
    assert rows == [(0, 2, "ok"), (1, 2, "ok"), (2, 3, "ok"), (3, 3, "ok")]


def test_concurrent_sweeps_into_one_directory_do_not_mix(tmp_path):
    d = tmp_path / "sweep"
    a = _sweep("seed=0,1", "steps=2", f"hydra.sweep.dir={d}", cwd=tmp_path)
    b = _sweep("seed=2,3", "steps=2", f"hydra.sweep.dir={d}", cwd=tmp_path)
    err_a, err_b = a.communicate(timeout=600)[1], b.communicate(timeout=600)[1]
    assert sorted([a.returncode, b.returncode]) == [0, 2], (err_a, err_b)
    loser, seeds = ("seed=2,3", [0, 1]) if a.returncode == 0 else ("seed=0,1", [2, 3])
    err = err_b if a.returncode == 0 else err_a
    assert err.startswith(f"error: hydra.sweep.dir='{d}': holds another sweep's jobs")
    assert err.count("\n") == 1
    df = pd.read_parquet(d / "sweep.parquet")
    assert list(df["job_seed"]) == seeds and (df["status"] == "ok").all()
    # later, too: a sweep with other overrides changes nothing in the directory
    # (resuming the same sweep into it: tests/studies/test_sweep.py)
    before = snapshot(d)
    again = _sweep(loser, "steps=2", f"hydra.sweep.dir={d}", cwd=tmp_path)
    err = again.communicate(timeout=600)[1]
    assert again.returncode == 2 and err.count("\n") == 1 and "holds another sweep" in err
    assert snapshot(d) == before


def test_killed_worker_becomes_a_failed_row_and_the_sweep_goes_on(tmp_path):
    """Job 1 kills its own worker process (SIGKILL, as an out-of-memory kill would)."""
    d = tmp_path / "sweep"
    t0 = time.time()
    p = _sweep("seed=0,1,2", "steps=2", "hydra/launcher=parallel", f"hydra.sweep.dir={d}",
               cwd=tmp_path, env={**ENV, "AIGOV_TEST_KILL_JOB": "1"})
    out, err = p.communicate(timeout=600)
    assert p.returncode == 1, err
    df = pd.read_parquet(d / "sweep.parquet")
    assert list(df["job"]) == ["0", "1", "2"]
    assert list(df["status"]) == ["ok", "failed", "ok"]
    assert list(df["job_seed"]) == [0, 1, 2]
    assert "worker process died" in df["error"][1] and "SIGKILL" in df["error"][1]
    last = err.strip().splitlines()[-1]
    assert last.startswith("sweep finished with failures: 1 of 3 rows not ok (first: job 1")
    assert "sweep table: 3 rows (2 ok, 1 failed, 0 pending)" in out
    print(f"\nkilled worker: {time.time() - t0:.0f} s; last line: {last}")


def test_sweep_where_every_job_failed_exits_non_zero(tmp_path):
    d = tmp_path / "sweep"
    p = _sweep("steps=-1,0", f"hydra.sweep.dir={d}", cwd=tmp_path)
    out, err = p.communicate(timeout=600)
    assert p.returncode == 1
    assert "sweep table: 2 rows (0 ok, 2 failed, 0 pending)" in out
    assert err.strip().splitlines()[-1].startswith(
        "sweep finished with failures: 2 of 2 rows not ok (first: job 0, failed: steps=-1")
    assert list(pd.read_parquet(d / "sweep.parquet")["status"]) == ["failed", "failed"]
