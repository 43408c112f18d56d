"""Save what the page compares: figures, tables and the commands that reproduce it.

The folder is the user's choice (default ``outputs/app/<time>_<scenario>``); it must be new or
empty, and is written all at once (:func:`sim.studies.compare.write_outputs`: a hidden staging
folder moved into place), so an existing folder is never overwritten and a failed save leaves
nothing behind.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from sim.app import stats
from sim.app.figures import bands_figure, png, shares_figure
from sim.errors import ConfigError, check_output
from sim.model.metrics import OBSERVABLES
from sim.report.io import package_versions
from sim.studies.compare import write_outputs

DEFAULT_ROOT = Path("outputs") / "app"
FILES = ("outcomes.csv", "observables.csv", "shares.png", "bands.png", "commands.txt",
         "settings.json")


def default_folder(scenario: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    return DEFAULT_ROOT / f"{stamp}_{scenario}"


def check_folder(folder: str | Path) -> Path:
    """A folder the comparison may be written to: new or empty, and a folder (else a
    :class:`ConfigError` naming it)."""
    text = str(folder).strip()
    if not text:
        raise ConfigError("folder", text, "give a folder to save into")
    out = Path(text).expanduser()
    check_output("folder", out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError("folder", str(out), "exists and is not empty; choose a new folder")
    return out


def outcome_rows(what_if, reference, names: tuple[str, str]) -> pd.DataFrame:
    rows = []
    for name, seeds in ((names[0], reference), (names[1], what_if)):
        for s in stats.outcome_shares(seeds.outcomes):
            row = {"scenario": name, "outcome": s.outcome, "count": s.count, "n": s.n,
                   "share": s.share, "ci_low": s.low, "ci_high": s.high}
            if seeds is what_if and len(what_if.outcomes) == len(reference.outcomes):
                d, lo, hi = stats.paired_difference(what_if.outcomes, reference.outcomes,
                                                    s.outcome)
                row |= {"diff_vs_reference": d, "diff_ci_low": lo, "diff_ci_high": hi}
            rows.append(row)
    return pd.DataFrame(rows)


def observable_rows(what_if, reference, names: tuple[str, str]) -> pd.DataFrame:
    rows = []
    for name, seeds in ((names[0], reference), (names[1], what_if)):
        for f in stats.finals(seeds.finals, OBSERVABLES):
            rows.append({"scenario": name, "observable": f.name, "mean": f.mean,
                         "ci_low": f.low, "ci_high": f.high, "n": seeds.n})
    return pd.DataFrame(rows)


def save_comparison(folder: str | Path, what_if, reference, names: tuple[str, str],
                    commands: dict[str, str], settings: dict,
                    measures: tuple[str, ...] = stats.MEASURES) -> Path:
    """Write :data:`FILES` into ``folder`` (new or empty); returns the folder."""
    out = check_folder(folder)
    shares = shares_figure(stats.outcome_shares(what_if.outcomes),
                           stats.outcome_shares(reference.outcomes), names)
    fmt = "%.6g"
    text = "\n".join(f"# {k}\n{v}\n" for k, v in commands.items())
    write_outputs(out, {
        "outcomes.csv": outcome_rows(what_if, reference, names).to_csv(index=False,
                                                                        float_format=fmt),
        "observables.csv": observable_rows(what_if, reference, names).to_csv(
            index=False, float_format=fmt),
        "shares.png": png(shares),
        "bands.png": png(bands_figure(what_if, reference, measures, names)),
        "commands.txt": text,
        "settings.json": json.dumps({**settings, "reference": names[0], "what_if": names[1],
                                     "seeds": what_if.n,
                                     "config_hashes": {"reference": reference.config_hash,
                                                       "what_if": what_if.config_hash},
                                     "created": datetime.now().isoformat(timespec="seconds"),
                                     "versions": package_versions()}, indent=2) + "\n",
    })
    return out
