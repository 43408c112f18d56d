"""The README's examples run as printed.

Every command of README.md is collected (the lines of its code blocks, and its inline code that
starts with a command) and run, each in its own temporary directory, through the function its
console script calls (pyproject.toml [project.scripts]) with the printed arguments; all of them
in one interpreter, so that imports are paid once (tests/test_cli.py runs the installed script
itself). Only sizes are made small, where the example leaves them open or names them (``steps=3``,
``--seeds 2``, ...), and commands that write into the repository by default are given an
``--out`` in the temporary directory; :data:`SMALLER` lists every change. A shown session
(``$ command`` followed by its output) must print exactly that output. The Python block runs as
it stands. A new example in the README is picked up, and one that stops working fails here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.config import ROOT

README = ROOT / "README.md"
COMMANDS = ("aigov", "aigov-compare", "aigov-provenance", "aigov-aggregate", "aigov-sensitivity",
            "aigov-race", "aigov-backtest", "make", "python", "eval", ".venv/bin/aigov")
# Not run, and why: `make test` is this suite; `make notebooks` opens a Jupyter server;
# `make benchmark` is `python benchmarks/bench_model.py`, which is run.
NOT_RUN = {"make test": "this test suite", "make notebooks": "starts a Jupyter server",
           "make test-slurm": "starts a SLURM cluster as root; .ci/run runs it after make test",
           "make benchmark": "runs benchmarks/bench_model.py, which is run below",
           "make app": "serves the dashboard until stopped (tests/test_app_browser.py drives it)"}


def _code_lines(text: str) -> list[tuple[str, list[str]]]:
    """(command, printed output) for every command line of the indented and fenced blocks."""
    out: list[tuple[str, list[str]]] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not line.startswith("    "):
            if line.strip() and out and out[-1][1] is not None:
                out[-1] = (out[-1][0], [*out[-1][1]] or [])  # the session's block ended
                out.append(("", None))
            continue
        body = line[4:]
        shown = body.startswith("$ ")
        command = body[2:] if shown else body
        if command.split(" ")[0] in COMMANDS:
            out.append((command, [] if shown else None))
        elif out and out[-1][1] is not None and body.strip():
            out[-1][1].append(body)  # the output of a shown session
    return [(c, o or []) for c, o in out if c]


def _inline(text: str) -> list[str]:
    """Inline code that is a command: in prose and in the first column of tables."""
    found = []
    for span in re.findall(r"`([^`\n]+)`", text):
        m = re.fullmatch(r'eval "\$\((.+)\)"', span)
        span = m.group(1) if m else span
        if span.split(" ")[0] in COMMANDS:
            found.append(span)
    return found


def examples() -> list[tuple[str, list[str]]]:
    """(command without its comment, printed output) for every example, each once."""
    text = README.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for command, output in [*_code_lines(text), *((c, []) for c in _inline(text))]:
        command = shlex.join(shlex.split(command, comments=True))
        if command not in found or output:
            found[command] = output
    return list(found.items())


def _has(args: list[str], *names: str) -> bool:
    return any(a == n or a.startswith(n + "=") for a in args for n in names)


def smaller(command: str, tmp: Path) -> list[str] | None:
    """The argv actually run for a README command: small sizes, outputs in ``tmp``; None for
    an example that is not run (:data:`NOT_RUN`) or holds a placeholder."""
    if command in NOT_RUN:
        return None
    args = shlex.split(command)
    if any("..." in a or re.search(r"\b[A-Z]{3,}\b", a) for a in args if "ARGS=" not in a):
        return None  # "aigov ...", "scenario=NAME": a form, not an example
    if args[:2] == ["make", "run"]:  # make run ARGS="..." is aigov with those arguments
        extra = [a.removeprefix("ARGS=") for a in args[2:]]
        args = ["aigov", *(shlex.split(" ".join(extra)))]
    if args[0] == ".venv/bin/aigov":
        args[0] = "aigov"
    if args[:3] == ["python", "-m", "sim"]:
        args = ["aigov", *args[3:]]
    return SMALLER.get(args[0], lambda a, t: a)(args, tmp)


def _aigov(args: list[str], tmp: Path) -> list[str]:
    if "-sc" in args or "--cfg" in args:
        return args
    return args if _has(args, "steps") else [*args, "steps=3"]


def _sized(flag_values: dict[str, str], extra: tuple[str, ...] = ()):
    def apply(args: list[str], tmp: Path) -> list[str]:
        out = list(args)
        for flag, value in flag_values.items():
            if flag in out:
                out[out.index(flag) + 1] = value
            else:
                out += [flag, value]
        return out + list(extra)
    return apply


SMALLER = {
    "aigov": _aigov,
    "aigov-compare": _sized({"--seeds": "2", "--steps": "3", "--jobs": "1"}),
    "aigov-backtest": _sized({"--seeds": "2"}),
    "aigov-sensitivity": _sized({"-N": "2", "-R": "1", "--steps": "3", "-j": "1"}, ("-q",)),
    "aigov-provenance": lambda a, t: [*a, "--out", str(t / "PARAMETERS.md")],
    "python": lambda a, t: (
        [*a, "--runs", "4", "--noisy-runs", "4", "--steps", "6", "--out", str(t / "meanfield.png")]
        if a[:3] == ["python", "-m", "sim.studies.meanfield"] else
        [*a[:3], "--out", str(t / "alignment"), "--seeds", "4", "--model-seeds", "0",
         "--critical-seeds", "4", "--model-critical-seeds", "0", "--months", "20",
         "--tail", "5", "--beta-j", "0.5,1.5"]
        if a[:3] == ["python", "-m", "sim.studies.alignment_theory"] else
        [*a, "--repeats", "1", "--case", "baseline"] if a[1:2] == ["benchmarks/bench_model.py"]
        else a),
}

def _distinct(found: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """One example per command actually run (``make run`` and ``aigov`` run the same)."""
    seen, out = set(), []
    for command, output in found:
        argv = smaller(command, Path("TMP"))
        key = command if argv is None or output else tuple(argv)
        if key not in seen:
            seen.add(key)
            out.append((command, output))
    return out


EXAMPLES = _distinct(examples())

# Runs README commands in one interpreter (imports are paid once): each through the entry
# point its console script calls (pyproject.toml [project.scripts]; `python -m X` and
# `python FILE` as Python runs them), with that argv, in the given folder; prints one JSON
# line per command: exit code and what it printed.
DRIVER = r"""
import contextlib, io, json, os, runpy, sys, tomllib
from hydra.core.global_hydra import GlobalHydra
root, jobs = sys.argv[1], json.loads(sys.stdin.read())
scripts = tomllib.load(open(os.path.join(root, "pyproject.toml"), "rb"))["project"]["scripts"]
for argv, cwd in jobs:
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    GlobalHydra.instance().clear()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if argv[0] == "python" and argv[1] == "-m":
                sys.argv = [argv[2], *argv[3:]]
                runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
            elif argv[0] == "python":
                sys.argv = [argv[1], *argv[2:]]
                runpy.run_path(os.path.join(root, argv[1]), run_name="__main__")
            else:
                module, func = scripts[argv[0]].split(":")
                sys.argv = argv
                __import__(module, fromlist=[func])
                getattr(sys.modules[module], func)()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:
            import traceback
            traceback.print_exc(file=err)
            code = -1
    print(json.dumps({"argv": argv, "code": code, "out": out.getvalue(),
                      "err": err.getvalue()}), flush=True)
"""


def run_examples(examples: list[tuple[str, list[str]]], tmp: Path) -> list[str]:
    """Run README examples in a driver interpreter; the problems found, one per example."""
    jobs, expected = [], []
    for k, (command, output) in enumerate(examples):
        argv = smaller(command, tmp / str(k))
        if argv is None:
            continue
        (tmp / str(k)).mkdir()
        jobs.append([argv, str(tmp / str(k))])
        expected.append((command, output))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(ROOT)], input=json.dumps(jobs),
                          capture_output=True, text=True, timeout=900, env=env)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(jobs), proc.stderr[-3000:]
    problems = []
    for (command, output), r in zip(expected, results, strict=True):
        printed = (r["out"] + r["err"]).strip().splitlines()
        if output:
            if printed != output:
                problems.append(f"{command}: printed {printed}, the README shows {output}")
        elif r["code"] != 0 or "Traceback" in r["err"]:
            problems.append(f"{command} (run as {' '.join(r['argv'])}): exit {r['code']}: "
                            f"{r['err'][-1500:]}")
    return problems


def test_the_readme_has_examples_of_every_command():
    commands = {shlex.split(c)[0] for c, _ in EXAMPLES}
    assert {"aigov", "aigov-compare", "aigov-provenance", "aigov-sensitivity", "aigov-race",
            "aigov-backtest"} <= commands
    assert len(EXAMPLES) >= 15
    skipped = [c for c, _ in EXAMPLES if smaller(c, Path("TMP")) is None]
    assert set(skipped) <= {*NOT_RUN, ".venv/bin/aigov ...", "python -m sim ...",
                            "aigov scenario=NAME"}, skipped


@pytest.mark.parametrize("half", [0, 1])
def test_readme_examples_run_as_printed(half, tmp_path):
    """Half of the examples each (the two halves run side by side on two workers)."""
    mine = EXAMPLES[half::2]
    problems = run_examples(mine, tmp_path)
    assert not problems, "\n".join(problems)


def test_readme_python_example_runs():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(textwrap.dedent(block), "README.md", "exec"), {})
