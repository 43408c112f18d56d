"""Hydra sweeps: failed jobs kept, replicates, resume, aggregation, launchers (issue 4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import ROOT
from sim.errors import ConfigError
from sim.model.metrics import OBSERVABLES
from sim.studies.sweep import (
    aggregate_main,
    override_columns,
    replicate_count,
    replicate_seeds,
    sweep_table,
)

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "AIGOV_JOBS": "2"}


def aigov_multirun(*overrides: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m sim -m OVERRIDES`` from the repository root."""
    return subprocess.run([sys.executable, "-m", "sim", "-m", *overrides], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Four jobs, basic launcher: two seeds times a good and a bad horizon."""
    d = tmp_path_factory.mktemp("sweep") / "s"
    proc = aigov_multirun("seed=0,1", "steps=6,-1", f"hydra.sweep.dir={d}")
    assert proc.returncode == 1, proc.stderr  # failed jobs: the table is written, exit 1
    return d, proc


def test_replicate_seeds_spawn_from_seed_sequence():
    assert replicate_seeds(7, 1) == [7]
    seeds = replicate_seeds(7, 4)
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(7).spawn(4)]
    assert seeds == expected and len(set(seeds)) == 4
    assert replicate_seeds(7, 4) == seeds and replicate_seeds(8, 4) != seeds


@pytest.mark.parametrize("bad", [0, -2, True, 1.5, "3", None])
def test_replicate_count_rejects_bad_values(bad):
    with pytest.raises(ConfigError, match="replicates"):
        replicate_count(bad)
    assert replicate_count(5) == 5


def test_sweep_keeps_failed_jobs_and_matches_single_runs(basic_sweep):
    d, proc = basic_sweep
    df = pd.read_parquet(d / "sweep.parquet")
    assert len(df) == 4 and (d / "sweep.csv").is_file()
    assert list(df["status"]) == ["ok", "failed", "ok", "failed"]
    failed = df[df["status"] == "failed"]
    assert failed["error"].str.contains("steps=-1").all()
    assert list(failed["steps"]) == [-1, -1] and list(failed["job_seed"]) == [0, 1]
    for rec in df[df["status"] == "ok"].to_dict("records"):
        single = sim.run("baseline", seed=int(rec["seed"]), steps=6).summary
        assert rec["outcome"] == single["outcome"]
        assert rec["config_hash"] == single["config_hash"]
        assert {k: rec[k] for k in OBSERVABLES} == single["final"]
    assert "[4/4 done, 2 failed]" in proc.stdout + proc.stderr
    assert "sweep table: 4 rows (2 ok, 2 failed, 0 pending)" in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("sweep finished with failures: 2 of 4 rows not ok")
    assert "steps=-1" in last


def test_resume_skips_complete_jobs_and_reruns_the_rest(basic_sweep, tmp_path):
    src, _ = basic_sweep
    d = tmp_path / "s"
    shutil.copytree(src, d)
    before = pd.read_parquet(d / "sweep.parquet")
    (d / "0" / "status.json").unlink()  # as if killed before the job finished
    kept = (d / "2" / "summary.json").stat().st_mtime_ns
    proc = aigov_multirun("seed=0,1", "steps=6,-1", f"hydra.sweep.dir={d}")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert "job 0: done" in out and "job 2: skipped (complete)" in out
    assert out.count("skipped (complete)") == 1  # failed jobs are retried, not skipped
    assert (d / "2" / "summary.json").stat().st_mtime_ns == kept
    after = pd.read_parquet(d / "sweep.parquet")
    pd.testing.assert_frame_equal(before.drop(columns="error"), after.drop(columns="error"))


def test_changed_config_is_not_complete(basic_sweep, tmp_path):
    from sim.config import compose_config
    from sim.studies.sweep import job_is_complete

    d, _ = basic_sweep
    assert job_is_complete(d / "0", compose_config("baseline", ["seed=0", "steps=6"]))
    assert not job_is_complete(d / "0", compose_config("baseline", ["seed=0", "steps=7"]))
    assert not job_is_complete(d / "1", compose_config("baseline", ["seed=0", "steps=-1"]))


def test_replicates_run_spawned_seeds_and_record_them(tmp_path):
    d = tmp_path / "r"
    proc = aigov_multirun("seed=5", "steps=6", "replicates=3", f"hydra.sweep.dir={d}")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(d / "sweep.parquet")
    assert len(df) == 3 and list(df["replicate"]) == [0, 1, 2]
    assert list(df["seed"]) == replicate_seeds(5, 3) and set(df["job_seed"]) == {5}
    reps = pd.read_csv(d / "0" / "replicates.csv")
    assert list(reps["seed"]) == replicate_seeds(5, 3)
    single = sim.run("baseline", seed=replicate_seeds(5, 3)[1], steps=6).summary["final"]
    assert {k: df.iloc[1][k] for k in OBSERVABLES} == single
    summary = json.loads((d / "0" / "summary.json").read_text())
    assert summary["replicates"] == 3 and summary["replicate_seeds"] == replicate_seeds(5, 3)


@pytest.mark.parametrize("value", ["0", "2,0", "abc"])
def test_bad_replicates_is_refused_before_the_sweep_starts(tmp_path, value):
    d = tmp_path / "bad"
    proc = aigov_multirun("steps=4", f"replicates={value}", f"hydra.sweep.dir={d}")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: replicates=") and "[1, " in lines[0]
    assert not d.exists()


def _fake_job(path: Path, overrides: list[str], status: dict | None, summary: dict | None):
    (path / ".hydra").mkdir(parents=True)
    (path / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if status is not None:
        (path / "status.json").write_text(json.dumps(status))
    if summary is not None:
        (path / "summary.json").write_text(json.dumps(summary))


def test_aggregate_reads_nested_partial_and_submitit_trees(tmp_path, capsys):
    final = {k: 0.5 for k in OBSERVABLES}
    summary = {"scenario": "baseline", "seed": 3, "steps": 60, "outcome": "bifurcation",
               "final": final, "config_hash": "abc"}
    _fake_job(tmp_path / "baseline" / "0", ["scenario=baseline", "seed=3",
                                            "scenario.countries={United\\ States:"
                                            "{hawkishness:0.9}}"],
              {"status": "ok", "error": None}, summary)
    _fake_job(tmp_path / "baseline" / "10", ["scenario=baseline", "seed=4"], None, None)
    _fake_job(tmp_path / "baseline" / "2", ["scenario=baseline", "seed=5"],
              {"status": "failed", "error": "boom"}, None)
    sub = tmp_path / ".submitit" / "123"
    sub.mkdir(parents=True)
    (sub / "status.json").write_text("{}")
    aggregate_main([str(tmp_path)])
    assert "3 rows (1 ok, 1 failed, 1 pending)" in capsys.readouterr().out
    df = pd.read_parquet(tmp_path / "sweep.parquet")
    assert list(df["job"]) == ["baseline/0", "baseline/2", "baseline/10"]
    assert list(df["status"]) == ["ok", "failed", "pending"]
    assert list(df["job_seed"]) == [3, 5, 4]
    assert df["scenario.countries.United States.hawkishness"].iloc[0] == 0.9
    assert df["polarization"].iloc[0] == 0.5 and np.isnan(df["polarization"].iloc[2])
    assert len(pd.read_csv(tmp_path / "sweep.csv")) == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_aggregate_bad_input_is_one_line_exit_2(tmp_path, capsys):
    for argv in ([str(tmp_path / "missing")], [str(tmp_path)], []):
        with pytest.raises(SystemExit) as exc:
            aggregate_main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_override_columns_are_typed():
    cols = override_columns(["seed=3", "steps=10", "scenario=baseline",
                             "scenario.uncertainties.trust_gain=0.05",
                             "scenario.levers.safety_for_compute.value=true",
                             "hydra.launcher.n_jobs=2"])
    assert cols == {"job_seed": 3, "steps": 10, "scenario": "baseline",
                    "scenario.uncertainties.trust_gain": 0.05,
                    "scenario.levers.safety_for_compute.value": True}


@pytest.mark.parametrize("launcher", ["parallel",
                                      pytest.param("submitit_local", marks=pytest.mark.slow)])
def test_launchers_give_identical_summaries(basic_sweep, tmp_path, launcher):
    base, _ = basic_sweep
    ref = sweep_table(base)
    ref = ref[ref["status"] == "ok"].reset_index(drop=True)
    d = tmp_path / launcher
    proc = aigov_multirun("seed=0,1", "steps=6", f"hydra/launcher={launcher}",
                          f"hydra.sweep.dir={d}")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(d / "sweep.parquet")
    cols = ["job_seed", "seed", "outcome", *OBSERVABLES, "config_hash"]
    pd.testing.assert_frame_equal(df[cols], ref[cols], check_dtype=False)


# -- acceptance, full size ----------------------------------------------------------------------

ACCEPT = ("scenario=baseline", "steps=60", "seed=range(0,10)",
          "scenario.uncertainties.trust_gain=0.02,0.05,0.1",
          "scenario.levers.safety_for_compute.value=false,true",
          "hydra/launcher=parallel", "hydra.launcher.n_jobs=2")


@pytest.mark.slow
def test_acceptance_60_jobs_joblib_killed_and_resumed(tmp_path):
    """2 x 3 x 10 under joblib on 2 cores: 60 rows; killed halfway and re-run: the same 60."""
    full = tmp_path / "full"
    proc = aigov_multirun(*ACCEPT, f"hydra.sweep.dir={full}", timeout=1800)
    assert proc.returncode == 0, proc.stderr
    ref = pd.read_parquet(full / "sweep.parquet")
    assert len(ref) == 60 and (ref["status"] == "ok").all()

    part = tmp_path / "part"
    cmd = [sys.executable, "-m", "sim", "-m", *ACCEPT, f"hydra.sweep.dir={part}"]
    p = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    done = 0
    for line in p.stdout:
        done += ": done ->" in line
        if done >= 30:
            os.killpg(p.pid, 9)
            break
    p.wait()
    finished = sum((j / "status.json").is_file() for j in part.iterdir() if j.is_dir())
    assert 30 <= finished < 60
    proc = aigov_multirun(*ACCEPT, f"hydra.sweep.dir={part}", timeout=1800)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert out.count("skipped (complete)") == finished
    assert out.count(": done ->") == 60 - finished
    again = pd.read_parquet(part / "sweep.parquet")
    cols = [c for c in ref.columns if c != "error"]
    pd.testing.assert_frame_equal(again[cols], ref[cols])
    print(f"\nacceptance: {len(ref)} rows; killed with {finished} jobs complete; re-run "
          f"skipped {finished}, ran {60 - finished}; {len(again)} rows, identical")


@pytest.mark.slow
def test_acceptance_failing_point_keeps_every_other_row(tmp_path):
    d = tmp_path / "f"
    proc = aigov_multirun("seed=range(0,10)", "steps=24,-1,36", "hydra/launcher=parallel",
                          f"hydra.sweep.dir={d}", timeout=1800)
    assert proc.returncode == 1, proc.stderr
    df = pd.read_parquet(d / "sweep.parquet")
    assert len(df) == 30
    assert (df["status"] == "failed").sum() == 10 and (df[df["steps"] == -1]["status"]
                                                       == "failed").all()
    assert (df[df["steps"] != -1]["status"] == "ok").all()
    bad = df[df["status"] == "failed"]
    print(f"\nfailing point: {len(df)} rows, {(df['status'] == 'ok').sum()} ok, "
          f"{len(bad)} failed: {bad['error'].iloc[0]}")


FAKE_SBATCH = r'''#!@PYTHON@
# Fake sbatch: runs the array tasks of a submitit script here, one after the other.
import os, random, re, subprocess, sys, time
STATE = "@STATE@"
if sys.argv[1] == "--run":
    jid, script = sys.argv[2], sys.argv[3]
    text = open(script).read()
    m = re.search(r"#SBATCH --array=(\d+)-(\d+)", text)
    tasks = list(range(int(m.group(1)), int(m.group(2)) + 1)) if m else [None]
    out = re.search(r"#SBATCH --output=(\S+)", text).group(1)
    time.sleep(1)
    for t in tasks:
        tid = jid if t is None else f"{jid}_{t}"
        env = dict(os.environ, SLURM_JOB_ID=tid, SLURM_ARRAY_JOB_ID=jid, SLURM_NTASKS="1",
                   SLURM_JOB_NUM_NODES="1", SLURM_NODEID="0", SLURM_JOB_NODELIST="localhost",
                   SLURM_PROCID="0", SLURM_LOCALID="0", SLURM_ARRAY_TASK_ID=str(t))
        log = out.replace("%A", jid).replace("%a", str(t)).replace("%j", tid)
        open(os.path.join(STATE, tid), "w").write("RUNNING")
        with open(log, "w") as fh:
            rc = subprocess.call(["bash", script], env=env, stdout=fh, stderr=fh)
        open(os.path.join(STATE, tid), "w").write("COMPLETED" if rc == 0 else "FAILED")
    sys.exit(0)
jid = str(random.randint(10000, 99999))
subprocess.Popen([sys.executable, __file__, "--run", jid, sys.argv[-1]],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"Submitted batch job {jid}")
'''

FAKE_SACCT = r'''#!@PYTHON@
import os, sys
state = "@STATE@"
ids = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "-j"]
print("JobID|State|NodeList")
for f in sorted(os.listdir(state)):
    if f.split("_")[0] in ids:
        print(f"{f}|{open(os.path.join(state, f)).read()}|localhost")
'''

FAKE_SRUN = '''#!/usr/bin/env bash
while [[ "$1" == -* ]]; do
  case "$1" in --output|--error|-o|-e) shift 2 ;; *) shift ;; esac
done
exec "$@"
'''


@pytest.mark.slow
def test_slurm_preset_runs_through_a_fake_slurm(basic_sweep, tmp_path):
    """hydra/launcher=slurm end to end, with sbatch/srun/sacct shims that run tasks locally."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH), ("sacct", FAKE_SACCT), ("srun", FAKE_SRUN),
                       ("scancel", "#!/bin/sh\nexit 0\n")):
        (bin_dir / name).write_text(text.replace("@PYTHON@", sys.executable)
                                    .replace("@STATE@", str(state)))
        (bin_dir / name).chmod(0o755)
    d = tmp_path / "slurm"
    env = {**ENV, "PATH": f"{bin_dir}:{ENV['PATH']}"}
    proc = subprocess.run([sys.executable, "-m", "sim", "-m", "seed=0,1", "steps=6",
                           "hydra/launcher=slurm", f"hydra.sweep.dir={d}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    script = next((d / ".submitit").glob("*/*_submission.sh")).read_text()
    for line in ("#SBATCH --array=0-1%2", "#SBATCH --mem=2GB", "#SBATCH --time=30",
                 "#SBATCH --cpus-per-task=1"):
        assert line in script
    ref = sweep_table(basic_sweep[0])
    ref = ref[ref["status"] == "ok"].reset_index(drop=True)
    df = pd.read_parquet(d / "sweep.parquet")
    cols = ["job_seed", "seed", "outcome", *OBSERVABLES, "config_hash"]
    pd.testing.assert_frame_equal(df[cols], ref[cols], check_dtype=False)
