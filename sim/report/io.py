"""Tidy tables and files from a finished model; atomic writes; the run directory's claim.

A run writes ``timeseries.csv`` (one row per step, step 0 = the initial state), ``sessions.csv``
(one row per session and invitee: attended, signed), ``regimes.csv`` (one row per month and
regime in force: members, depth, coverage), ``ledger.csv`` (one row per month: the change in
trust by cause), ``summary.json``, ``story.md`` (the run explained in plain words,
:mod:`sim.report.story`) and ``timeseries.png``. Each file is written to a temporary
name and renamed into place, so a run directory never holds a half-written file.

:class:`RunDir` claims a single run's directory before anything is written into it (a directory
holding another run's files is refused; of two runs racing for one directory, one wins) and,
if the run fails or is interrupted, removes what this run created and nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata as md
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import month_label
from sim.errors import ConfigError
from sim.model.metrics import OBSERVABLES, basis_conditions, verdict

RUN_FILES = ("timeseries.csv", "sessions.csv", "regimes.csv", "ledger.csv", "summary.json",
             "story.md", "timeseries.png")
RUN_MARKER = ".aigov-run.json"  # created exclusively when a run claims its directory; kept after
PACKAGES = ("aigov-sim", "mesa", "numpy", "scipy", "pandas", "hydra-core", "omegaconf",
            "matplotlib")


def timeseries_table(model) -> pd.DataFrame:
    """Observables per step, with the month each step closes (step 0: the initial state, dated
    the month before the start)."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "step", range(len(df)))
    df.insert(1, "month", [month_label(model.start, s - 1) for s in df["step"]])
    return df[["step", "month", *OBSERVABLES]]


def sessions_table(model) -> pd.DataFrame:
    """One row per venue session and invited actor (country or lab)."""
    rows = []
    for i, s in enumerate(model.sessions):
        base = {"session": i, "step": s.step, "month": s.month, "venue": s.venue,
                "label": s.label, "type": s.type, "host": s.host, "decision": s.decision,
                "depth": s.depth, "verification": s.verification,
                "dialogue_only": s.dialogue_only}
        for name in s.invitees:
            rows.append({**base, "actor": name, "actor_kind": "country",
                         "attended": name in s.attendees, "signed": name in s.signatories})
        for name in model.lab_names:
            if name in s.labs_attended or name in s.labs_signed:
                rows.append({**base, "actor": name, "actor_kind": "lab", "attended": True,
                             "signed": name in s.labs_signed})
    cols = ["session", "step", "month", "venue", "label", "type", "host", "decision", "depth",
            "verification", "dialogue_only", "actor", "actor_kind", "attended", "signed"]
    return pd.DataFrame(rows, columns=cols)


def regimes_table(model) -> pd.DataFrame:
    """One row per month and regime in force (step 0: the initial state)."""
    cols = ["step", "month", "regime", "type", "depth", "verification", "members", "coverage",
            "leader_a", "leader_b", "renewed", "member_names"]
    df = pd.DataFrame(model.regime_rows, columns=[c for c in cols if c != "month"])
    df.insert(1, "month", [month_label(model.start, s - 1) for s in df["step"]])
    return df[cols]


def ledger_table(model) -> pd.DataFrame:
    """One row per month: the mean change of trust per ordered pair of countries, by cause."""
    df = model.ledger.table()
    df.insert(1, "month", [month_label(model.start, s - 1) for s in df["step"]])
    return df


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def outcome_test(model) -> list[dict]:
    """The model's outcome test, condition by condition (:func:`sim.model.metrics.basis_conditions`
    of ``model.outcome_basis()`` under the run's outcome settings), each a dict: outcome it
    counts for, key, value, relation, threshold, met. Its verdict is ``model.outcome()``."""
    conditions = basis_conditions(model.outcome_basis(), model.run_config.outcome)
    if verdict(conditions) != model.outcome():  # one rule, so this cannot happen
        raise RuntimeError(f"outcome test gives {verdict(conditions)}, the model "
                           f"{model.outcome()}")
    return [c._asdict() for c in conditions]


def summary_dict(model) -> dict:
    """Final observables, outcome (with its basis, settings and test) and run identity."""
    run = model.run_config
    return {
        "scenario": run.scenario.name,
        "seed": run.seed,
        "steps": run.steps,
        "start": month_label(model.start, 0),
        "end": month_label(model.start, run.steps - 1),
        "outcome": model.outcome(),
        "outcome_basis": (basis := model.outcome_basis()),
        "outcome_settings": dataclasses.asdict(run.outcome),
        "outcome_test": outcome_test(model),
        "leaders": basis["leaders"],
        "final": {k: round(float(v), 10) for k, v in model.obs.items()},
        "camps": model.camps_found(),
        "forums": {k: {"from": v[0], "after": v[1]}
                   for k, v in getattr(model, "forum_causes", {}).items()},
        "sessions": len(model.sessions),
        "config_hash": run.config_hash,
        "versions": package_versions(),
    }


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _umask_mode()  # what open() would give; mkstemp alone leaves 0600


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, whole or not at all (:func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a hidden temporary file beside ``path``, then rename it over ``path``:
    a reader sees the old file or the new one, never half of it; on failure the temporary file
    is removed and ``path`` is untouched."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


PAIRS_SHOWN = 5  # pairs of countries in a story's "largest changes"


def pair_changes(model, top: int = PAIRS_SHOWN) -> pd.DataFrame | None:
    """The ordered pairs of countries whose trust changed most over the run (largest absolute
    change first; the two leaders' pairs always included), each with its trust at the start
    and the end and the cumulative change by cause from the ledger (:mod:`sim.model.ledger`); None
    when the roster is too large for the per-pair ledger."""
    from sim.model.ledger import CAUSES, DRIFT

    cum = model.ledger.cumulative
    if cum is None or model.n < 2:
        return None
    net = sum(cum[c] for c in CAUSES)
    size = np.abs(net)
    np.fill_diagonal(size, -1.0)
    flat = np.argsort(-size, axis=None, kind="stable")[:top]
    chosen = [tuple(int(x) for x in np.unravel_index(k, size.shape)) for k in flat]
    a, b = model.poles
    for pair in ((a, b), (b, a)):
        if pair not in chosen:
            chosen.append(pair)
    names = model.country_names
    rows = []
    for i, j in chosen:
        end = float(model.trust[i, j])
        rows.append({"truster": names[i], "trusted": names[j], "start": end - float(net[i, j]),
                     "end": end, "net": float(net[i, j]),
                     **{c: float(cum[c][i, j]) for c in (*CAUSES, DRIFT)}})
    return pd.DataFrame(rows)


def story_text(model, summary: dict | None = None, sessions: pd.DataFrame | None = None,
               ledger: pd.DataFrame | None = None,
               replicates: list[str] | None = None) -> str:
    """The run's story (:func:`sim.report.story.run_story`) from the model's tables; ``replicates``:
    outcomes of a quick replicate set, if one was run."""
    from sim.report.story import run_story

    return run_story(summary if summary is not None else summary_dict(model),
                     sessions if sessions is not None else sessions_table(model),
                     ledger if ledger is not None else ledger_table(model),
                     pairs=pair_changes(model), replicates=replicates)


def write_run(model, out_dir: Path, *, figure: bool = True,
              replicates: list[str] | None = None) -> dict[str, Path]:
    """Write the run's files (:data:`RUN_FILES`) into ``out_dir``; returns their paths.
    ``replicates``: outcomes of a quick replicate set, for the story's shares."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ts = timeseries_table(model)
    paths = {"timeseries": out_dir / "timeseries.csv", "sessions": out_dir / "sessions.csv",
             "regimes": out_dir / "regimes.csv", "ledger": out_dir / "ledger.csv",
             "summary": out_dir / "summary.json", "story": out_dir / "story.md"}
    tables = {"sessions": sessions_table(model), "regimes": regimes_table(model),
              "ledger": ledger_table(model)}
    atomic_write_text(paths["timeseries"], ts.to_csv(index=False, float_format="%.10g"))
    for key, table in tables.items():
        atomic_write_text(paths[key], table.to_csv(index=False, float_format="%.10g"))
    summary = summary_dict(model)
    atomic_write_text(paths["summary"], json.dumps(summary, indent=2) + "\n")
    atomic_write_text(paths["story"], story_text(model, summary, tables["sessions"],
                                                 tables["ledger"], replicates))
    if figure:
        from sim.report.plots import timeseries_figure
        paths["figure"] = out_dir / "timeseries.png"
        atomic_write_bytes(paths["figure"], timeseries_figure(model, ts))
    return paths


def make_dirs(path: Path) -> list[Path]:
    """``mkdir -p path``; returns the directories this call created itself, outermost first."""
    missing, p = [], Path(os.path.abspath(path))
    while not os.path.lexists(p):
        missing.append(p)
        p = p.parent
    made = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue  # made by another process meanwhile: not ours to remove
        made.append(d)
    return made


def claim_file(path: Path, text: str) -> bool:
    """Create ``path`` holding ``text`` if it does not exist (O_EXCL: of two processes racing
    for it, exactly one gets True)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return True


class RunDir:
    """The directory of one single run, claimed before anything is written into it.

    ``claim()`` refuses (ConfigError on ``hydra.run.dir``) a directory that holds another run's
    files (the marker or any of :data:`RUN_FILES`), creates the missing directories and the
    marker exclusively. ``undo()`` removes what this run created: the files among
    :data:`RUN_FILES`, the marker and ``also`` (Hydra's files, relative paths) that did not exist
    before, then the directories it made, only if empty. A directory or file that existed before
    the run is never removed. ``undo()`` does nothing once ``complete`` is set.
    """

    def __init__(self, path: Path, also: tuple[str, ...] | list[str] = ()):
        self.path = Path(os.path.abspath(path))
        self.complete = False
        self.made: list[Path] = []
        names = (RUN_MARKER, *RUN_FILES, *also)
        self.new_files = [self.path / n for n in names if not os.path.lexists(self.path / n)]
        self.new_dirs = sorted({f.parent for f in self.new_files if f.parent != self.path
                                and not os.path.lexists(f.parent)})

    def claim(self) -> RunDir:
        held = [n for n in (RUN_MARKER, *RUN_FILES) if os.path.lexists(self.path / n)]
        if held:
            raise ConfigError("hydra.run.dir", str(self.path),
                              f"already holds another run's files ({', '.join(held)}); "
                              "choose a new directory")
        stamp = json.dumps({"pid": os.getpid(), "host": platform.node(),
                            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
        try:
            self.made = make_dirs(self.path)
            claimed = claim_file(self.path / RUN_MARKER, stamp)
        except OSError as exc:  # a file where a directory should be, no permission, ...
            claimed, why = False, f"cannot be used as a run directory: {exc.strerror}"
        else:
            why = "another run has just claimed it; choose a new directory"
        if not claimed:
            self.new_files = []  # whatever is there now is not this run's
            self.undo()
            raise ConfigError("hydra.run.dir", str(self.path), why)
        return self

    def undo(self) -> None:
        """Remove this run's files and the (then empty) directories it made, deepest first."""
        if self.complete:
            return
        for f in self.new_files:
            f.unlink(missing_ok=True)
        for d in sorted({*self.new_dirs, *self.made}, key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass  # not empty (something not ours is in it) or already gone
