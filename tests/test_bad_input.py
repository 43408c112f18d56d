"""Malformed input to every command: one line, exit code 2, nothing written, nothing removed.

A table of malformed command lines covers the eight commands of pyproject.toml
[project.scripts]. Each case runs in a temporary working folder that already holds a file
(``afile``), a folder with a file in it (``keep/thesis.txt``) and some input files; the command
is called through the function its console script calls, with ``sys.argv`` set, and must:

- exit with code 2, print nothing on stdout and exactly one line on stderr, ``error: ...``,
  without a traceback, naming the offending key (each case says which text must appear);
- leave the folder as it found it: nothing new on disk, nothing old changed or removed.

Cases that need a broken file in the scenario library (bytes that are not UTF-8, a link to
another file, nested YAML aliases, a list where a mapping belongs) run against a private copy
of the project, all in one interpreter, so that the shared scenarios/ folder is never touched.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from sim.config import ROOT

SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
EVENTS = ROOT / "data" / "governance_events_2023_2024.yaml"
PHASE = ["phase", "--y", "scenario.uncertainties.trust_loss=0.1,0.2", "--seeds", "1",
         "--steps", "2", "-q", "-j", "1"]
SMALL = ["-N", "2", "-R", "1", "--steps", "2", "-q", "-j", "1"]

# (command, arguments, text the error line must contain)
CASES: list[tuple[str, list[str], str]] = [
    # -- aigov: values, names, syntax, flags, run directories
    ("aigov", ["steps=-3"], "steps=-3"),
    ("aigov", ["steps=601"], "steps=601"),
    ("aigov", ["steps=5", "steps=7"], "steps"),
    ("aigov", ["-m", "seed=0,1", "seed=2"], "seed"),
    ("aigov", ["seed=-1"], "seed=-1"),
    ("aigov", ["seed=abc"], "seed='abc'"),
    ("aigov", ["seed=99999999999999999999"], "seed=99999999999999999999"),
    ("aigov", ["replicates=0"], "replicates=0"),
    ("aigov", ["scenario.uncertainties.incident_rate=inf"], "incident_rate=inf"),
    ("aigov", ["scenario.uncertainties.incident_rate=1e30"], "incident_rate=1e+30"),
    ("aigov", ["scenario.constants.attend_cost=-inf"], "attend_cost=-inf"),
    ("aigov", ["scenario.uncertainties.trust_gain=nan"], "trust_gain=nan"),
    ("aigov", ["scenario.constants.race_B=1e308"], "race_B"),
    ("aigov", ["scenario.constants.openness_hazard=1e300"], "openness_hazard"),
    ("aigov", ["scenario.countries.China.capability=1e308"], "China.capability"),
    ("aigov", ["scenario.venues.seoul_2024.decision=vote"], "seoul_2024.decision='vote'"),
    ("aigov", ["scenario.constants.capability_growth=0.5", "steps=600"], "capability_growth"),
    ("aigov", ["scenario.countries.United States.hawkishness=0.4"],
     "scenario.countries={United States: {hawkishness: 0.4}}"),
    ("aigov", ["scenario.labs.01.AI (Yi).openness=0.5"], r"{01.AI \(Yi\): {openness: 0.5}}"),
    ("aigov", ["scenario.countries={Atlantis: {hawkishness: 0.4}}"], "'Atlantis'"),
    ("aigov", ["scenario.countries=[1,2]"], "scenario.countries"),
    ("aigov", ["scenario.countries={China: [1]}"], "scenario.countries.China"),
    ("aigov", ["scenario.countries.China.hawkishness=2"], "China.hawkishness=2"),
    ("aigov", ["scenario.nope.x=1"], "'nope'"),
    ("aigov", ["~nope"], "nope"),
    ("aigov", ["+steps=3"], "steps"),
    ("aigov", ["steps=${oops}"], "steps"),
    ("aigov", ["steps=[1"], "steps"),
    ("aigov", ["scenario=atlantis"], "atlantis"),
    ("aigov", ["+typo=1"], "typo"),
    ("aigov", ["outcome.window=0"], "outcome.window"),
    ("aigov", ["scenario.start=1800-01"], "scenario.start"),
    ("aigov", ["--bogus"], "--bogus"),
    ("aigov", ["hydra.run.dir=afile/sub"], "hydra.run.dir"),
    ("aigov", ["-m", "hydra.sweep.dir=afile/sub", "seed=0,1"], "hydra.sweep.dir"),
    ("aigov", ["-m", "seed=0,1", "scenario.nope.x=1,2"], "'nope'"),
    ("aigov", ["-m", "scenario=baseline,atlantis"], "atlantis"),
    ("aigov", ["-m", "seed=0,1", "scenario.countries=[1,2]"], "scenario.countries"),
    # -- aigov-compare
    ("aigov-compare", ["baseline", "un_led", "--seeds", "1000000000"], "--seeds"),
    ("aigov-compare", ["baseline", "un_led", "--seeds", "0"], "--seeds=0"),
    ("aigov-compare", ["baseline", "un_led", "--seeds", "abc"], "--seeds"),
    ("aigov-compare", ["baseline", "un_led", "--bogus"], "--bogus"),
    ("aigov-compare", ["baseline", "un_led", "--out", "afile/sub"], "--out"),
    ("aigov-compare", ["baseline", "un_led", "--out", "keep"], "--out"),
    ("aigov-compare", ["baseline", "un_led", "--steps", "601"], "--steps"),
    ("aigov-compare", ["baseline", "un_led", "--jobs", "100000"], "--jobs"),
    ("aigov-compare", ["baseline", "un_led", "--set", "steps=5", "--steps", "3"], "steps"),
    ("aigov-compare", ["baseline", "un_led", "--set",
                       "scenario.countries.United States.hawkishness=0.4"], "United States"),
    ("aigov-compare", ["baseline", "un_led", "--set",
                       "scenario.uncertainties.incident_rate=inf"], "incident_rate"),
    ("aigov-compare", ["baseline", "atlantis"], "atlantis"),
    # -- aigov-provenance
    ("aigov-provenance", ["--bogus"], "--bogus"),
    ("aigov-provenance", ["--out", "afile/sub/PARAMETERS.md"], "--out"),
    ("aigov-provenance", ["--out", "keep"], "--out"),
    # -- aigov-aggregate
    ("aigov-aggregate", ["no_such_folder"], "SWEEP_DIR"),
    ("aigov-aggregate", ["afile"], "SWEEP_DIR"),
    ("aigov-aggregate", ["keep"], "SWEEP_DIR"),
    ("aigov-aggregate", ["keep", "--bogus"], "--bogus"),
    # -- aigov-sensitivity (Sobol/Morris) and its subcommands
    ("aigov-sensitivity", ["scenario.uncertainties.trust_gain=abc", *SMALL, "--out", "sens"],
     "trust_gain='abc'"),
    ("aigov-sensitivity", ["scenario.uncertainties.trust_gian=0.1", *SMALL], "trust_gian"),
    ("aigov-sensitivity", ["steps=3", *SMALL], "steps"),
    ("aigov-sensitivity", ["-N", "100000", "-R", "1", "-q"], "-N"),
    ("aigov-sensitivity", ["--steps", "601", "-q"], "--steps"),
    ("aigov-sensitivity", ["--seed", "99999999999", "-q"], "--seed"),
    ("aigov-sensitivity", [*SMALL, "--out", "afile/sub"], "--out"),
    ("aigov-sensitivity", ["--params", "trust_gain,bogus", *SMALL], "bogus"),
    ("aigov-sensitivity", ["--bogus"], "--bogus"),
    ("aigov-sensitivity", [*PHASE, "--x", "scenario.uncertainties.trust_gain=abc,2"],
     "trust_gain='abc'"),
    ("aigov-sensitivity", [*PHASE, "--x",
                           "scenario.uncertainties.trust_gain=linspace(0,1,1000000000)"], "--x"),
    ("aigov-sensitivity", [*PHASE, "--x",
                           "scenario.uncertainties.trust_gain=range(0,1000000000)"], "--x"),
    ("aigov-sensitivity", [*PHASE, "--x", "scenario.uncertainties.trust_gain=0.1",
                           "--out", "afile/sub"], "--out"),
    ("aigov-sensitivity", [*PHASE, "--x", "scenario.uncertainties.trust_gain=0.1",
                           "--name", "../escape"], "--name"),
    ("aigov-sensitivity", [*PHASE, "--x", "scenario.uncertainties.trust_gain=0.1",
                           "steps=4"], "steps"),
    ("aigov-sensitivity", ["discover", "--min-share", "nan"], "--min-share"),
    ("aigov-sensitivity", ["discover", "--table", "afile", "--inputs", "a"], "--table"),
    ("aigov-sensitivity", ["discover", "--samples", "100000000", "-q"], "--samples"),
    ("aigov-sensitivity", ["discover", "--out", "afile/sub", "-q"], "--out"),
    ("aigov-sensitivity", ["batch", "-j", "0"], "--jobs"),
    ("aigov-sensitivity", ["batch", "-q", "-o", "afile/batch.parquet", "steps=2"], "--out"),
    # -- aigov-race
    ("aigov-race", ["--B", "1e308", "--c", "1e308", "--json"], "--c"),
    ("aigov-race", ["--W", "inf"], "--W"),
    ("aigov-race", ["--beta", "nan"], "--beta"),
    ("aigov-race", ["--Z", "100000000"], "--Z"),
    ("aigov-race", ["--simulate", "--runs", "10000", "--steps", "1000000000000"], "--steps"),
    ("aigov-race", ["--simulate", "--Z", "1000000"], "--Z"),
    ("aigov-race", ["--phase-diagram", "--out", "afile/x.png"], "--out"),
    ("aigov-race", ["--phase-diagram", "--grid", "100000"], "--grid"),
    ("aigov-race", ["--frobnicate"], "--frobnicate"),
    # -- aigov-backtest
    ("aigov-backtest", ["--events", "e2099.yaml", "--seeds", "1"], "date"),
    ("aigov-backtest", ["--events", "e1900.yaml", "--seeds", "1"], "date"),
    ("aigov-backtest", ["--events", "ebin.yaml"], "--events"),
    ("aigov-backtest", ["--events", "ebomb.yaml"], "--events"),
    ("aigov-backtest", ["--events", "no_such.yaml"], "--events"),
    ("aigov-backtest", ["--out", "afile/sub"], "--out"),
    ("aigov-backtest", ["--seeds", "100000"], "--seeds"),
    ("aigov-backtest", ["--calibrate", "--history", "afile/history.yaml"], "--history"),
    ("aigov-backtest", ["--scenario", "atlantis", "--seeds", "1"], "atlantis"),
    # -- aigov-app: refused before anything is served
    ("aigov-app", ["--port", "0"], "--port=0"),
    ("aigov-app", ["--port", "many"], "--port"),
    ("aigov-app", ["--jobs", "0"], "--jobs=0"),
    ("aigov-app", ["--host", "256.1.1.1", "--port", "8765"], "--port=8765"),
]

# Broken files in (a private copy of) the scenario library; SECRET never reaches a message.
SECRET = "do-not-print-this-line"
LIBRARY_FILES = {
    "zz_bin.yaml": b'defaults: [baseline, _self_]\nname: zz_bin\ndescription: "caf\xe9"\n',
    "zz_bomb.yaml": "\n".join(
        ["defaults: [baseline, _self_]", "name: zz_bomb", "a0: &a0 [x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 8) + "]" for i in range(1, 8)]
    ).encode(),
    "zz_deep.yaml": ("name: zz_deep\nx: " + "[" * 500 + "]" * 500 + "\n").encode(),
    "zz_list.yaml": b"defaults: [baseline, _self_]\nname: zz_list\ncountries: [a, b]\n",
}
LINKED = f"- {SECRET}\n- {SECRET}\n"  # scenarios/zz_link.yaml links to this file
FILE_CASES: list[tuple[str, list[str], str]] = [
    ("aigov", ["scenario=zz_bin"], "scenarios/zz_bin.yaml"),
    ("aigov", ["scenario=zz_bomb"], "scenarios/zz_bomb.yaml"),
    ("aigov", ["scenario=zz_deep"], "scenarios/zz_deep.yaml"),
    ("aigov", ["scenario=zz_list"], "scenario.countries"),
    ("aigov", ["scenario=zz_link"], "scenarios/zz_link.yaml"),
    ("aigov", ["-m", "scenario=baseline,zz_bin"], "scenarios/zz_bin.yaml"),
    ("aigov-compare", ["baseline", "zz_bin", "--seeds", "2"], "scenarios/zz_bin.yaml"),
    ("aigov-compare", ["baseline", "zz_link", "--seeds", "2"], "scenarios/zz_link.yaml"),
    ("aigov-sensitivity", ["--scenario", "zz_bomb", *SMALL], "scenarios/zz_bomb.yaml"),
    ("aigov-sensitivity", [*PHASE, "--x", "seed=0", "--scenario", "zz_bin"],
     "scenarios/zz_bin.yaml"),
    ("aigov-backtest", ["--scenario", "zz_list", "--seeds", "1"], "scenario.countries"),
]


# -- running a case ---------------------------------------------------------------------------


def prepare(folder: Path) -> None:
    """The working folder a user might have: a file, a folder with a file, input files."""
    (folder / "afile").write_text("a file, not a folder\n")
    (folder / "keep").mkdir()
    (folder / "keep" / "thesis.txt").write_text("months of work\n")
    data = yaml.safe_load(EVENTS.read_text(encoding="utf-8"))
    for name, date in (("e2099", "2099-01-01"), ("e1900", "1900-01-01")):
        bad = {**data, "outcomes": [dict(o) for o in data["outcomes"]]}
        bad["outcomes"][1]["date"] = date
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(bad))
    (folder / "ebin.yaml").write_bytes(b"schema: 1\noutcomes: [caf\xe9]\n")
    (folder / "ebomb.yaml").write_text(LIBRARY_FILES["zz_bomb.yaml"].decode()
                                       .replace("defaults: [baseline, _self_]\n", "")
                                       + "\noutcomes: *a7\n")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file and folder below ``folder``: kind, size and modification time."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            st = path.lstat()
            out[str(path.relative_to(folder))] = (path.is_dir(), st.st_size, st.st_mtime_ns)
    return out


def entry_point(command: str):
    """The function the console script ``command`` calls."""
    module, func = SCRIPTS[command].split(":")
    __import__(module)
    return getattr(sys.modules[module], func)


def run_case(command: str, args: list[str], folder: Path) -> dict:
    """Run one command line in ``folder`` as its console script would; what it did."""
    before = snapshot(folder)
    out, err, code = io.StringIO(), io.StringIO(), None
    cwd, argv = os.getcwd(), sys.argv
    os.chdir(folder)
    sys.argv = [command, *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            entry_point(command)()
        code = 0
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # a traceback: reported, not raised
        import traceback
        err.write("".join(traceback.format_exception(exc)))
        code = "exception"
    finally:
        os.chdir(cwd)
        sys.argv = argv
    return {"code": code, "out": out.getvalue(), "err": err.getvalue(),
            "same_folder": snapshot(folder) == before}


def problems(result: dict, named: str, never: str | None = None) -> list[str]:
    """What is wrong with how a malformed command line was handled (empty: all good)."""
    lines = result["err"].strip().splitlines()
    found = []
    if result["code"] != 2:
        found.append(f"exit code {result['code']!r}, not 2")
    if len(lines) != 1 or not lines[0].startswith("error: "):
        found.append(f"stderr is not one 'error: ' line: {result['err'][-1500:]!r}")
    if "Traceback" in result["err"]:
        found.append("a traceback")
    if lines and named not in lines[0]:
        found.append(f"{named!r} is not named in {lines[0]!r}")
    if never and never in result["err"] + result["out"]:
        found.append(f"{never!r} was printed")
    if result["out"]:
        found.append(f"stdout is not empty: {result['out'][-500:]!r}")
    if not result["same_folder"]:
        found.append("the working folder changed")
    return found


# -- the table --------------------------------------------------------------------------------


def test_the_table_covers_every_command():
    assert len(CASES) + len(FILE_CASES) >= 60
    assert {c for c, _, _ in CASES} == set(SCRIPTS)


@pytest.mark.parametrize("command, args, named", CASES,
                         ids=[f"{c} {' '.join(a)}"[:90] for c, a, _ in CASES])
def test_malformed_input_is_one_line_exit_2_and_nothing_on_disk(command, args, named, tmp_path):
    prepare(tmp_path)
    result = run_case(command, args, tmp_path)
    assert not problems(result, named), problems(result, named)


# The Hydra app itself, as the installed script: a few cases, each its own process.
APP_CASES = [
    (["--bogus"], "--bogus"),
    (["scenario.countries.United States.hawkishness=0.4"], "United States"),
    (["-m", "hydra.sweep.dir=afile/sub", "seed=0,1"], "hydra.sweep.dir"),
]


@pytest.mark.parametrize("args, named", APP_CASES, ids=[" ".join(a) for a, _ in APP_CASES])
def test_the_installed_app_refuses_with_one_line(args, named, tmp_path):
    prepare(tmp_path)
    before = snapshot(tmp_path)
    exe = Path(sys.executable).parent / "aigov"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim"]
    proc = subprocess.run([*cmd, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    result = {"code": proc.returncode, "out": proc.stdout, "err": proc.stderr,
              "same_folder": snapshot(tmp_path) == before}
    assert not problems(result, named), problems(result, named)


# -- broken files in the scenario library -----------------------------------------------------


def library_copy(root: Path) -> Path:
    """A private copy of the project (code, config, scenarios, data) with the broken files."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "sim", root / "sim", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "conf", root / "conf", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "scenarios", root / "scenarios")
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    for name, data in LIBRARY_FILES.items():
        (root / "scenarios" / name).write_bytes(data)
    (root / "linked.txt").write_text(LINKED)
    (root / "scenarios" / "zz_link.yaml").symlink_to(root / "linked.txt")
    return root


def _in_copy() -> None:
    """Run FILE_CASES (and the provenance document) inside a library copy; print JSON."""
    work = Path(sys.argv[1])
    results = []
    for k, (command, args, _) in enumerate(FILE_CASES):
        folder = work / f"case{k}"
        folder.mkdir()
        prepare(folder)
        results.append(run_case(command, args, folder))
    folder = work / "provenance"
    folder.mkdir()
    doc = run_case("aigov-provenance", ["--out", str(folder / "PARAMETERS.md")], folder)
    doc["text"] = (folder / "PARAMETERS.md").read_text(encoding="utf-8")
    print(json.dumps({"cases": results, "provenance": doc}))


def test_broken_scenario_files_are_named_in_one_line_by_every_command(tmp_path):
    """Every case of FILE_CASES in one interpreter on a private copy; then aigov-provenance,
    which documents the rest of the library and reports each broken file in one line."""
    root = library_copy(tmp_path / "project")
    work = tmp_path / "work"
    work.mkdir()
    code = ("import sys; sys.path.insert(0, sys.argv.pop(2)); "
            "import test_bad_input as t; t._in_copy()")
    env = {**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", code, str(work), str(Path(__file__).parent)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    found = {}
    for (command, args, named), result in zip(FILE_CASES, got["cases"], strict=True):
        wrong = problems(result, named, never=SECRET)
        if wrong:
            found[f"{command} {' '.join(args)}"] = wrong
    assert not found, json.dumps(found, indent=1)

    doc = got["provenance"]
    assert doc["code"] == 0 and doc["same_folder"] is False  # it wrote the document
    warnings = doc["err"].strip().splitlines()
    assert len(warnings) == len(LIBRARY_FILES) + 1, warnings  # and the link
    assert all(w.startswith("warning: ") and "Traceback" not in w for w in warnings)
    assert "## baseline" in doc["text"] and "## un_led" in doc["text"]
    assert doc["text"].count("Could not be loaded: ") == len(warnings)
    assert SECRET not in doc["text"] + doc["err"]
