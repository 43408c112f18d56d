"""`aigov-race` / `python -m sim.race`: JSON, table, simulation, phase diagram, bad input."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.race.cli import main
from sim.race.game import race_payoffs
from sim.race.population import simulate_shares

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "--b 4 --c 1 --B 10000 --W 100 --s 1.5 --pr 0.78 --Z 100 --beta 0.01".split()
KEYS = {
    "payoffs",
    "threshold_welfare",
    "threshold_risk_dominance",
    "threshold_welfare_early",
    "threshold_risk_dominance_early",
    "stationary_AU",
}


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _command(*args):
    return [sys.executable, "-m", "sim.race", *args]


def run_cli(*args):
    return subprocess.run(
        _command(*args), capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300
    )


@pytest.fixture(scope="module")
def example_json():
    done = run_cli(*EXAMPLE, "--json")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_json_is_one_object_with_exactly_the_documented_keys(example_json):
    assert example_json.count("\n") == 1
    out = json.loads(example_json)
    assert set(out) == KEYS
    assert set(out["payoffs"]) == {"AS_AS", "AS_AU", "AU_AS", "AU_AU"}


def test_json_values_match_hand_arithmetic(example_json):
    out = json.loads(example_json)
    # Pi(AS,AS) = 1 + 50; Pi(AS,AU) = 0.6; Pi(AU,AS) = 0.22 * 152.4; Pi(AU,AU) = 0.22 * 77
    assert out["payoffs"]["AS_AS"] == pytest.approx(51.0)
    assert out["payoffs"]["AS_AU"] == pytest.approx(0.6)
    assert out["payoffs"]["AU_AS"] == pytest.approx(33.528)
    assert out["payoffs"]["AU_AU"] == pytest.approx(16.94)
    assert out["threshold_welfare"] == pytest.approx(1 - 102 / 154)
    assert out["threshold_risk_dominance"] == pytest.approx(1 - 51.6 / 229.4)
    assert out["threshold_welfare_early"] == pytest.approx(1 - 1 / 1.5)
    assert out["threshold_risk_dominance_early"] == pytest.approx(1 - 1 / 4.5)
    # S = 49 * (51 - 16.94) + 50 * (0.6 - 33.528) = 22.54
    assert out["stationary_AU"] == pytest.approx(1 / (1 + math.exp(0.01 * 22.54)))


def test_defaults_are_the_documented_example(example_json, capsys):
    assert main(["--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(example_json)


def test_table_is_readable_and_aligned():
    done = run_cli(*EXAMPLE)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "51.0000" in done.stdout and "33.5280" in done.stdout and "16.9400" in done.stdout
    rows = [line for line in lines if line.strip().split(" ")[0] in KEYS]
    assert len(rows) == len(KEYS) - 1
    assert len({len(line) for line in rows}) == 1  # numbers end in one column
    stationary = next(line for line in rows if "stationary_AU" in line)
    assert float(stationary.split()[-1]) == pytest.approx(0.443887, abs=1e-6)
    assert any("zone" in line for line in lines)


def test_simulation_adds_its_estimate_reproducibly_from_the_seed():
    args = "--Z 20 --beta 0.05 --mu 1e-3 --steps 200000 --runs 4 --seed 3".split()
    done = run_cli(*EXAMPLE[:12], *args, "--simulate", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == KEYS | {"simulated_AU", "simulated_AU_se"}
    expected = simulate_shares(
        race_payoffs(4, 1, 1e4, 100, 1.5, 0.78), 20, 0.05, 1e-3, 200_000, runs=4, seed=3
    )
    assert out["simulated_AU"] == pytest.approx(expected.mean[1], rel=1e-12)
    assert out["simulated_AU_se"] == pytest.approx(expected.se[1], rel=1e-12)


def test_simulation_table_names_its_settings(capsys):
    assert main([*"--Z 10 --mu 1e-2 --steps 20000 --runs 2 --simulate".split()]) == 0
    out = capsys.readouterr().out
    assert "simulated_AU" in out and "simulated_AU_se" in out
    assert "2 runs x 20,000 update events" in out


def test_single_run_reports_a_null_standard_error(capsys):
    assert main("--Z 10 --mu 1e-2 --steps 20000 --runs 1 --simulate --json".split()) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["simulated_AU_se"] is None and 0 <= out["simulated_AU"] <= 1


def test_phase_diagram_is_written_and_its_path_printed_last(tmp_path):
    target = tmp_path / "diagram.png"
    done = run_cli("--phase-diagram", "--grid", "21", "--out", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_phase_diagram_default_file_is_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--phase-diagram", "--grid", "11"]) == 0
    assert (tmp_path / "race_phase_diagram.png").is_file()
    assert capsys.readouterr().out.strip().splitlines()[-1] == "race_phase_diagram.png"


BAD = [
    ("--Z 1", "error: --Z=1: must be an integer >= 2"),
    ("--Z 2.5", "error: --Z=2.5: must be an integer >= 2"),
    ("--b -4", "error: --b=-4: must be a number > 0"),
    ("--b 0", "error: --b=0: must be a number > 0"),
    ("--c -1", "error: --c=-1: must be a number >= 0"),
    ("--B -1", "error: --B=-1: must be a number >= 0"),
    ("--W 0", "error: --W=0: must be a number > 0"),
    ("--s 0.9", "error: --s=0.9: must be a number >= 1"),
    ("--pr 1.5", "error: --pr=1.5: must be a number in [0, 1]"),
    ("--pr -0.1", "error: --pr=-0.1: must be a number in [0, 1]"),
    ("--beta -0.01", "error: --beta=-0.01: must be a number >= 0"),
    ("--beta nan", "error: --beta=nan: must be a number >= 0"),
    ("--W inf", "error: --W=inf: must be a number > 0"),
    ("--s abc", "error: --s='abc': must be a number >= 1"),
    ("--runs 0 --simulate", "error: --runs=0: must be an integer >= 1"),
    ("--mu 0 --simulate", "error: --mu=0: must be a number in (0, 1]"),
    ("--mu 2 --simulate", "error: --mu=2: must be a number in (0, 1]"),
    ("--steps 5 --simulate", "error: --steps=5: must be an integer >= 10"),
    ("--seed -1", "error: --seed=-1: must be an integer >= 0"),
    ("--grid 1 --phase-diagram", "error: --grid=1: must be an integer >= 2"),
    ("--phase-diagram --out x.nope", "error: --out='x.nope': must end in one of"),
    ("--phase-diagram --out /no/such/dir/x.png", "error: --out='/no/such/dir/x.png': directory"),
    ("--phase-diagram --simulate", "error: argument --simulate: not allowed with"),
    ("--phase-diagram --json", "error: argument --json: not allowed with"),
    ("--frobnicate", "error: unrecognized arguments: --frobnicate"),
    ("--Z", "error: argument --Z: expected one argument"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[a for a, _ in BAD])
def test_bad_input_is_one_error_line_and_exit_code_2(args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args.split())
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(message)


@pytest.fixture(scope="module")
def bad_runs_through_the_interpreter():
    """A few bad inputs through `python -m sim.race`, started together to save time."""
    picks = [BAD[0], BAD[24]]
    procs = [
        subprocess.Popen(
            _command(*args.split()),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=ROOT,
        )
        for args, _ in picks
    ]
    return [
        (message, proc.wait(timeout=300), *proc.communicate())
        for (_, message), proc in zip(picks, procs, strict=True)
    ]


def test_bad_input_through_the_interpreter_has_no_traceback(bad_runs_through_the_interpreter):
    for message, code, out, err in bad_runs_through_the_interpreter:
        assert code == 2, err
        assert out == ""
        assert err.count("\n") == 1 and err.startswith(message)
        assert "Traceback" not in err


def test_console_script_runs_the_same_cli(example_json):
    script = Path(sys.executable).with_name("aigov-race")
    if not script.exists():
        pytest.skip("aigov-race is not installed next to this interpreter")
    done = subprocess.run(
        [str(script), *EXAMPLE, "--json"], capture_output=True, text=True, env=_env(), timeout=300
    )
    assert done.returncode == 0, done.stderr
    out, expected = json.loads(done.stdout), json.loads(example_json)
    assert np.isclose(out["stationary_AU"], expected["stationary_AU"])
