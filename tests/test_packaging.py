"""The wheel: built from a copy of the project, installed outside the checkout, it runs.

The wheel must hold the config tree and the scenario library (package data, found with
importlib.resources), the events file, both Hydra plugins and every console script. The fast
test installs it with ``pip --target`` and runs it with ``python -S`` from another folder, the
checkout out of reach (no editable-install hook: ``-S`` skips the ``.pth`` files; the
dependencies come from this environment's site-packages): ``sim.run("baseline")``, ``aigov``,
``--version``, a user scenario folder (``AIGOV_SCENARIOS``) and that nothing is written into the
installed package. The slow test does what a user does: a fresh virtual environment,
``pip install WHEEL`` with its dependencies, then the commands of the acceptance.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from sim.config import ROOT

SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
PARTS = ("sim", "hydra_plugins", "conf", "scenarios", "data", "pyproject.toml", "README.md",
         "LICENSE")


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (links followed) by relative path, with its bytes."""
    out = {}
    for folder, _, files in os.walk(root, followlinks=True):
        for name in files:
            path = Path(folder, name)
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (no build isolation: setuptools comes with the test extra) from a copy
    of the project, so that the build writes nothing into the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, src / part, symlinks=True, ignore=ignore)
        else:
            shutil.copy(ROOT / part, src / part)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", str(src), "-w", str(work / "dist")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = (work / "dist").glob("aigov_sim-*.whl")
    return whl


def test_the_wheel_holds_config_scenarios_data_plugins_and_scripts(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
        shipped = {n.removeprefix("sim/conf/"): zf.read(n) for n in names
                   if n.startswith("sim/conf/")}
        data = {n.removeprefix("sim/data/"): zf.read(n) for n in names
                if n.startswith("sim/data/")}
    assert shipped == _tree(ROOT / "conf")  # every config file, the scenario library included
    assert {f"scenario/{k}" for k in _tree(ROOT / "scenarios")} <= set(shipped)
    assert data == _tree(ROOT / "data")
    for plugin in ("aigov_launcher", "aigov_scenarios"):
        assert f"hydra_plugins/{plugin}/__init__.py" in names
    for script, target in SCRIPTS.items():
        assert f"{script} = {target}" in entry_points


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict]:
    """The wheel installed into a folder of its own; the environment to run it with."""
    target = tmp_path_factory.mktemp("installed") / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                           "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    deps = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), deps]),
           "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg"}
    env.pop("AIGOV_SCENARIOS", None)
    return target, env


def _run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-S", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_installed_package_runs_from_another_folder(installed, tmp_path):
    target, env = installed
    before = _tree(target)
    code = ("import sim, sim.config as c; print(sim.__file__); print(c.CONF_DIR); "
            "print(sim.available_scenarios()); print(sim.run('baseline').summary['outcome'])")
    proc = _run(["-c", code], tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    where, conf, names, outcome = proc.stdout.strip().splitlines()[-4:]
    assert Path(where).is_relative_to(target) and Path(conf).is_relative_to(target)
    assert "'baseline'" in names and "'exclusive_club'" in names
    assert outcome in ("cooperation", "bifurcation", "fragmentation")

    aigov = target / "bin" / "aigov"
    proc = _run([str(aigov), "--version"], tmp_path, env)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert proc.returncode == 0 and proc.stdout.strip() == f"aigov {version}", proc.stderr
    proc = _run([str(aigov), "scenario=exclusive_club", "steps=6"], tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "scenario exclusive_club, seed 0, 6 months: outcome " in proc.stdout
    run_dir = Path(proc.stdout.strip().splitlines()[-1].removeprefix("run directory: "))
    assert (tmp_path / run_dir / "summary.json").is_file()  # outputs/... under the cwd
    assert _tree(target) == before or _only_bytecode(before, _tree(target))


def _only_bytecode(before: dict, after: dict) -> bool:
    """Nothing but Python's bytecode cache changed in the installed package."""
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return all("__pycache__/" in k for k in changed)


def test_installed_package_takes_user_scenario_folders(installed, tmp_path):
    target, env = installed
    mine = tmp_path / "my scenarios"
    mine.mkdir()
    (mine / "my_world.yaml").write_text(
        "defaults:\n  - baseline\n  - _self_\nname: my_world\n", encoding="utf-8")
    env = {**env, "AIGOV_SCENARIOS": str(mine)}
    proc = _run([str(target / "bin" / "aigov"), "scenario=my_world", "steps=3"], tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "scenario my_world, seed 0, 3 months" in proc.stdout
    proc = _run([str(target / "bin" / "aigov"), "scenario=not_there"], tmp_path, env)
    assert proc.returncode == 2 and "my_world" in proc.stderr  # listed among the available


@pytest.mark.slow
def test_fresh_venv_pip_install_wheel_then_the_acceptance_commands(wheel, tmp_path):
    """What a user does: a fresh venv outside the checkout, ``pip install WHEEL`` (with its
    dependencies, from the package index), then ``aigov``, ``aigov scenario=exclusive_club``
    and ``python -c "import sim; print(sim.run('baseline').summary['outcome'])"``."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIGOV_SCENARIOS")}
    env["MPLBACKEND"] = "Agg"
    for cmd in ([str(venv / "bin" / "aigov")],
                [str(venv / "bin" / "aigov"), "scenario=exclusive_club"],
                [str(py), "-c", "import sim; print(sim.run('baseline').summary['outcome'])"]):
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, (cmd, proc.stderr[-3000:])
    assert proc.stdout.strip() in ("cooperation", "bifurcation", "fragmentation")
    for script in SCRIPTS:
        proc = subprocess.run([str(venv / "bin" / script), "--version"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and proc.stdout.strip().endswith(
            tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]), script


def test_citation_and_changelog_carry_the_package_version():
    import yaml

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and str(cff["version"]) == version
    assert cff["license"] == "MIT" and cff["title"] and cff["authors"]
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_command_has_version_verbose_and_quiet():
    """Each console script's parser (run in-process) answers --version with the package's
    version; -v and -q are accepted by its parser (``--help`` lists them)."""
    import contextlib
    import importlib
    import io

    from sim.logs import package_version

    for script, target in SCRIPTS.items():
        module, _, func = target.partition(":")
        if script == "aigov":
            continue  # the Hydra app: tests/test_cli.py runs the installed script
        main = getattr(importlib.import_module(module), func)
        for flags, expect in ((["--version"], f"{package_version()}"), (["--help"], "-q")):
            out = io.StringIO()
            with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
                main(flags)
            assert exc.value.code in (0, None) and expect in out.getvalue(), (script, flags)
        assert "--verbose" in out.getvalue() or "-v" in out.getvalue(), script
