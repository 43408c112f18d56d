"""The `aigov` / `python -m sim` command as a user meets it."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.config import SCENARIO_DIR


def aigov(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_run_writes_four_files_and_names_the_directory_last(tmp_path):
    out = tmp_path / "run"
    r = aigov("steps=12", f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last == f"run directory: {out}"
    for name in ("timeseries.csv", "sessions.csv", "summary.json", "timeseries.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline" and summary["seed"] == 0 and summary["steps"] == 12
    assert summary["outcome"] in ("cooperation", "bifurcation", "fragmentation")
    assert len(summary["config_hash"]) == 16 and summary["versions"]["mesa"].startswith("3.")
    assert len(pd.read_csv(out / "timeseries.csv")) == 13
    assert not list(out.glob(".*.tmp"))


def test_same_seed_gives_byte_identical_timeseries(tmp_path):
    runs = []
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        r = aigov(f"seed={seed}", f"hydra.run.dir={tmp_path / name}", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        runs.append((tmp_path / name / "timeseries.csv").read_bytes())
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.fixture
def malformed_scenario():
    path = SCENARIO_DIR / "zz_test_malformed.yaml"
    path.write_text("name: broken\ncountries: [unclosed\n")
    yield "zz_test_malformed"
    path.unlink()


BAD = [
    (["steps=-3"], "steps=-3"),
    (["seed=abc"], "seed='abc'"),
    (["scenario.constants.relation_base=1.7"], "scenario.constants.relation_base=1.7"),
    (["scenario=atlantis"], "scenario='atlantis'"),
    (["scenario.labs.Baidu.home=Atlantis"], "scenario.labs.Baidu.home='Atlantis'"),
    (["scenario.venues.woodside_2023.invite=[United States,Atlantis]"], "Atlantis"),
    (["+typo=1"], "typo"),
    (["steps=1O"], "steps"),
    (["replicates=0"], "replicates=0"),
]


@pytest.mark.parametrize("args,named", BAD, ids=[b[0][0] for b in BAD])
def test_bad_input_one_line_exit_2_no_run_directory(tmp_path, args, named):
    out = tmp_path / "run"
    r = aigov(*args, f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert named in lines[0]
    assert "Traceback" not in r.stderr
    assert not out.exists()
    assert not (tmp_path / "outputs").exists()


def test_malformed_scenario_file(tmp_path, malformed_scenario):
    r = aigov(f"scenario={malformed_scenario}", f"hydra.run.dir={tmp_path / 'run'}",
              cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "YAML" in lines[0] and malformed_scenario in lines[0]
    assert not (tmp_path / "run").exists()


def test_console_script_is_the_same_app(tmp_path):
    exe = Path(sys.executable).parent / "aigov"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    r = subprocess.run([str(exe), "steps=2", f"hydra.run.dir={tmp_path / 'x'}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith(str(tmp_path / "x"))


def _log(run_dir: Path) -> str:
    """The Hydra job log of a run directory (named after the job: aigov.log, __main__.log)."""
    (path,) = run_dir.glob("*.log")
    return path.read_text()


def test_version_help_and_log_levels(tmp_path):
    """--version is the package's; --help is short and points to --cfg job; the run's log file
    holds the run's details; -v shows them on the console, -q hides a sweep's job lines."""
    from sim.logs import package_version

    r = aigov("--version", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"aigov {package_version()}"
    r = aigov("--help", cwd=tmp_path)
    assert r.returncode == 0 and len(r.stdout.splitlines()) < 40
    assert "--cfg job" in r.stdout and "exclusive_club" in r.stdout
    r = aigov("-v", "steps=3", f"hydra.run.dir={tmp_path / 'v'}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "config hash" in r.stdout and r.stdout.strip().splitlines()[-1].startswith("run dir")
    assert "config hash" in _log(tmp_path / "v")
    r = aigov("steps=3", f"hydra.run.dir={tmp_path / 'plain'}", cwd=tmp_path)
    assert "config hash" not in r.stdout and "config hash" in _log(tmp_path / "plain")
    r = aigov("-q", "-m", "seed=0", "steps=3", f"hydra.sweep.dir={tmp_path / 'sw'}",
              cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "job 0: done" not in r.stdout + r.stderr
    assert "job 0: done" in _log(tmp_path / "sw" / "0")
