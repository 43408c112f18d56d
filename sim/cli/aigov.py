"""The `aigov` command (and `python -m sim`): one Hydra app running one scenario.

    aigov                                   # baseline, seed 0, 60 months
    aigov scenario=exclusive_club seed=7    # a what-if
    aigov -m seed='range(0,10)'             # a Hydra multirun

Bad input (an unknown scenario, a value out of range, a typo) gets one line on stderr naming
the key, the value and what is allowed, exit code 2, and no run directory.

A single run claims its directory before Hydra writes into it (:class:`ClaimRunDir`, registered
in conf/config.yaml): a directory that holds another run's files is refused (exit 2, nothing
written). A run that fails or is interrupted (Ctrl-C, SIGTERM) removes what it created, files
and directories, and nothing else (:class:`sim.report.io.RunDir`).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.config import CONF_DIR, build_run_config, check_overrides, load_config, scenario_of
from sim.errors import ConfigError, check_output, fail

if TYPE_CHECKING:
    from sim.report.io import RunDir

# The model, the writers and the sweep machinery (Mesa, pandas, matplotlib) are imported where a
# run needs them, so that --version, --help and a command line refused before the run answer
# without loading them.

# `${aigov.pid:}` in conf/config.yaml makes a sweep directory unique to the process that started
# it. Cached, so worker processes (which get the parent's resolver cache) resolve the same value.
OmegaConf.register_new_resolver("aigov.pid", os.getpid, use_cache=True, replace=True)

log = logging.getLogger(__name__)
_RUN: RunDir | None = None  # the directory this process's single run claimed


def run_job(cfg: DictConfig, out_dir: Path) -> dict:
    """Validate, run and write one job into ``out_dir``; returns the model and the paths.

    With ``replicates=N`` (N > 1) a quick replicate set of N more seeds
    (:func:`sim.studies.sweep.replicate_seeds`) is run too, and the story gives the share of each
    outcome over it."""
    from sim.model.model import GovernanceModel
    from sim.report.io import write_run
    from sim.studies.sweep_jobs import replicate_count, replicate_rows

    run = build_run_config(cfg)
    log.debug("scenario %s, seed %d, %d months, config hash %s -> %s", run.scenario.name,
              run.seed, run.steps, run.config_hash, out_dir)
    n = replicate_count(cfg.get("replicates", 1))
    t0 = time.perf_counter()
    model = GovernanceModel(run).run()
    log.debug("model run: %.2f s", time.perf_counter() - t0)
    replicates = None
    if n > 1:
        rows = replicate_rows(run, n)
        replicates = [r["outcome"] for r in rows if r["status"] == "ok"]
    paths = write_run(model, out_dir, replicates=replicates)
    log.debug("wrote %s", ", ".join(str(p) for p in paths.values()))
    return {"model": model, "paths": paths}


class ClaimRunDir(Callback):
    """Hydra callback: before Hydra creates a single run's directory, check ``replicates`` and
    claim the directory (noting what existed, so a failed run removes only what it made)."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        from sim.report.io import RunDir
        from sim.studies.sweep_jobs import replicate_count

        global _RUN
        hydra_cfg = config.hydra
        also = [f"{hydra_cfg.job.name}.log"]
        if hydra_cfg.output_subdir is not None:
            also += [f"{hydra_cfg.output_subdir}/{name}"
                     for name in ("config.yaml", "hydra.yaml", "overrides.yaml")]
        try:
            replicate_count(config.get("replicates", 1))
            HydraConfig.instance().set_config(config)  # for ${hydra:...} in the directory
            _RUN = RunDir(Path(str(hydra_cfg.run.dir)), also).claim()
        except ConfigError as exc:
            fail(exc)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _app(cfg: DictConfig) -> None:
    from sim.report.io import RunDir
    from sim.report.story import head
    from sim.studies.sweep import sweep_job

    global _RUN
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:
        # A failing job is recorded and the sweep goes on (Hydra would stop at the first raise);
        # a job already complete in this sweep directory is skipped (resume); replicates=N.
        sweep_job(cfg, out, job_num=hc.job.num, sweep_dir=Path(hc.sweep.dir))
        return
    try:
        if _RUN is None:  # callbacks switched off: claim what Hydra has already made
            _RUN = RunDir(out).claim()
        result = run_job(cfg, out)
    except ConfigError as exc:
        fail(exc)
    _RUN.complete = True
    model = result["model"]
    obs = model.obs
    print(f"scenario {model.scenario_name}, seed {model.run_config.seed}, "
          f"{model.run_config.steps} months: outcome {model.outcome()}")
    print("  " + ", ".join(f"{k}={obs[k]:.3f}" for k in
                           ("polarization", "cross_camp_trust", "regime_coverage",
                            "shared_depth", "global_safety", "mean_controls")))
    camps = model.camps_found()
    print(f"  camps: A {', '.join(camps['A'])}; B {', '.join(camps['B'])}; "
          f"{len(model.regime_series)} regimes, {int(obs['regimes_in_force'])} in force")
    print(f"  {len(model.sessions)} venue sessions, {int(obs['incidents'])} incidents; files: "
          + ", ".join(p.name for p in result["paths"].values()))
    print()
    print(head(result["paths"]["story"].read_text(encoding="utf-8")))
    print(f"  ... and the sessions that mattered, what moved trust and how often each outcome "
          f"happens: {result['paths']['story']}")
    print()
    print(f"run directory: {out}")


def _preflight(argv: list[str]) -> None:
    """Check a command line before Hydra creates any directory: only flags Hydra knows (else
    one line and a pointer to --help), overrides that parse and set each key once, run and
    sweep directories that can be created, and, for a single run, every value."""
    args = _hydra_args(argv)
    if args.help or args.hydra_help or args.cfg or args.info or args.shell_completion \
            or args.experimental_rerun:
        return  # Hydra answers these itself
    try:
        check_overrides(args.overrides)
        _searchpath_scenarios(args.overrides)
        for text in args.overrides:
            key, _, value = text.partition("=")
            if key.lstrip("+") in ("hydra.run.dir", "hydra.sweep.dir") and "${" not in value:
                check_output(key.lstrip("+"), value)
        if args.config_path or args.config_name or args.config_dir:
            return  # another config tree: its own rules
        overrides = [a for a in args.overrides if not a.lstrip("+~").startswith("hydra")]
        if args.multirun:
            _check_sweep(overrides)
        else:
            load_config(scenario_of(overrides), overrides)
    except ConfigError as exc:
        fail(exc)


def _searchpath_scenarios(overrides: list[str]) -> None:
    """Folders ``ROOT/scenario`` of ``hydra.searchpath=[file://ROOT, ...]`` join the scenario
    library (``AIGOV_SCENARIOS``, inherited by sweep jobs), so the checks before Hydra starts and
    the studies see the scenarios Hydra will compose."""
    from sim.config import SCENARIOS_ENV, override_parser

    for text in overrides:
        if text.lstrip("+").split("=", 1)[0] != "hydra.searchpath":
            continue
        value = override_parser().parse_override(text).value()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("hydra.searchpath", text.split("=", 1)[-1],
                              "must be a list of config folders, e.g. [file:///path/to/conf]")
        for entry in value:
            scheme, sep, path = entry.partition("://")
            if sep and scheme != "file":
                continue  # pkg://...: a package's configs, not a folder of scenarios
            folder = Path(path if sep else entry).expanduser().resolve() / "scenario"
            if folder.is_dir():
                os.environ[SCENARIOS_ENV] = os.pathsep.join(
                    p for p in (os.environ.get(SCENARIOS_ENV, ""), str(folder)) if p)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C, so a run removes what it wrote


def _check_sweep(overrides: list[str]) -> None:
    """A sweep's structure, before Hydra starts it: every scenario it names must be readable
    and its first point must compose (an unknown key or a list where a mapping belongs would
    stop the sweep at its first job). Values are not validated here: a bad point becomes a
    failed job in the sweep table."""
    from sim.config import check_name, compose_config, merge_order, override_parser

    first = []
    for text in overrides:
        parsed = override_parser().parse_override(text)
        if not parsed.is_sweep_override():
            values = [text.split("=", 1)[-1]]
        elif parsed.is_discrete_sweep():
            values = list(parsed.sweep_string_iterator())
        else:
            return  # an interval for another sweeper: nothing to compose here
        if parsed.get_key_element() == "scenario":
            for name in values:
                check_name(name)
                merge_order(name)
        first.append(f"{text.split('=', 1)[0]}={values[0]}")
    compose_config(None, first)


def _hydra_args(argv: list[str]):
    """The command line as Hydra will read it; an unknown flag is one line, exit 2."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.error = lambda message: fail(f"{message} (see aigov --help)")
    return parser.parse_args(argv)


def _own_flags(argv: list[str]) -> list[str]:
    """Take aigov's own flags out of the command line before Hydra reads it: ``--version``
    (prints the package's version, exit 0) and ``-v``/``-q`` (repeatable: ``-vv``, ``-qq``),
    which become the level of the ``sim`` console handler of Hydra's job logging."""
    from sim.logs import QUIET_FLAGS, VERBOSE_FLAGS, package_version

    rest, verbose, quiet = [], 0, 0
    for arg in argv:
        if arg == "--version":
            print(f"aigov {package_version()}")
            raise SystemExit(0)
        if arg in VERBOSE_FLAGS or re.fullmatch(r"-v+", arg):
            verbose += 1 if arg.startswith("--") else len(arg) - 1
        elif arg in QUIET_FLAGS or re.fullmatch(r"-q+", arg):
            quiet += 1 if arg.startswith("--") else len(arg) - 1
        else:
            rest.append(arg)
    if verbose or quiet:
        level = "DEBUG" if verbose else ("WARNING" if quiet == 1 else "ERROR")
        rest.append(f"hydra.job_logging.handlers.sim_console.level={level}")
    return rest


def main() -> None:
    sys.argv[1:] = _own_flags(sys.argv[1:])
    _preflight(sys.argv[1:])
    signal.signal(signal.SIGTERM, _terminated)
    try:
        _app()
    except BaseException as exc:
        if _RUN is not None:
            _RUN.undo()  # a failed or interrupted single run: remove only what it created
        if isinstance(exc, KeyboardInterrupt):
            print("interrupted", file=sys.stderr)
            raise SystemExit(128 + signal.SIGINT) from None
        raise


if __name__ == "__main__":
    main()
