"""The scenario library: where the config tree and scenario files live, and reading one file.

The config tree and the library are package data (sim/conf links to the checkout's conf/, whose
scenario/ links to scenarios/; a wheel holds copies), found with importlib.resources. A user's
own scenario folders are added with ``AIGOV_SCENARIOS`` (or ``hydra.searchpath`` on the command
line). A scenario file is read with limits (size, values, depth) and every problem is one line
naming the file (:class:`ScenarioError`), never quoting it.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import yaml

from sim.errors import ConfigError

# ROOT is the checkout (or, installed, the folder that holds the package): paths are shown
# relative to it.
ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = Path(str(importlib.resources.files("sim") / "conf")).resolve()
SCENARIO_DIR = (CONF_DIR / "scenario").resolve()
DATA_DIR = Path(str(importlib.resources.files("sim") / "data")).resolve()
SCENARIOS_ENV = "AIGOV_SCENARIOS"  # the user's scenario folders, separated by os.pathsep

# The library of issue 3, in the order the documentation presents it.
LIBRARY = ("baseline", "un_led", "uk_bridge", "exclusive_club", "safety_for_compute",
           "tariff_shock", "track2_only", "open_source_commons", "us_new_administration")
# What one scenario file may hold: the baseline is about 22 kB and 3,000 values (the 193-country
# roster is generated, not written out). A file beyond these limits, for instance a few lines of
# nested YAML aliases that expand to millions of values, is refused before it is composed.
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 100_000
MAX_DEPTH = 64


class ScenarioError(ConfigError):
    """A :class:`ConfigError` that also names where the bad value was written."""

    def __init__(self, where: str, key: str, value: object, allowed: str):
        super().__init__(key, value, allowed)
        self.where = where
        self.args = (f"{where}: {key}={value!r}: {allowed}",)


def scenario_dirs() -> list[Path]:
    """Folders of scenario files, in the order a name is looked up: the library (package data),
    then the folders of ``AIGOV_SCENARIOS`` (and of ``hydra.searchpath`` roots on the command
    line, which :mod:`sim.cli` adds to it), as Hydra's search path orders them."""
    from hydra_plugins.aigov_scenarios import scenario_folders

    return [SCENARIO_DIR, *(Path(f) for f in scenario_folders() if Path(f) != SCENARIO_DIR)]


def available_scenarios() -> list[str]:
    """Names of every scenario in :func:`scenario_dirs`, sorted, each once."""
    return sorted({p.stem for d in scenario_dirs() for p in d.glob("*.yaml")})


def check_name(name: str) -> None:
    """Raise a one-line :class:`ConfigError` listing the available scenarios if unknown."""
    if name not in available_scenarios():
        raise ConfigError("scenario", name,
                          f"unknown scenario; available: {', '.join(available_scenarios())}")


def scenario_of(overrides, default: str = "baseline") -> str:
    """The scenario a list of Hydra overrides selects (``scenario=NAME``), else ``default``."""
    for ov in overrides:
        if ov.startswith("scenario="):
            return ov.split("=", 1)[1]
    return default


def scenario_file(name: str) -> Path:
    """Path of a scenario's YAML file: the first of :func:`scenario_dirs` that has it, else
    where the library would hold it (it may not exist)."""
    for folder in scenario_dirs():
        path = folder / f"{name}.yaml"
        if path.exists() or path.is_symlink():
            return path
    return SCENARIO_DIR / f"{name}.yaml"


def display_path(path: Path) -> str:
    """A path as the user sees it in the project: ``scenarios/NAME.yaml``. Folders are resolved
    (conf/scenario links to scenarios/), the file itself is not: a scenario that is a link to
    another file is named by its own name."""
    path = Path(path)
    try:
        return (path.parent.resolve() / path.name).relative_to(ROOT).as_posix()
    except (ValueError, OSError):
        return str(path)


def read(name: str) -> dict:
    """A scenario file's own YAML (no inheritance), checked: readable UTF-8 text of at most
    :data:`MAX_FILE_BYTES`, well-formed YAML, a mapping at the top that expands to at most
    :data:`MAX_VALUES` values. Anything else is a one-line :class:`ScenarioError` naming the
    file (never quoting it)."""
    path = scenario_file(name)
    try:
        st = path.stat()
    except OSError as exc:
        raise ScenarioError(display_path(path), "file", name,
                            f"cannot be read ({exc.strerror or exc})") from None
    return _parse(path, name, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _parse(path: Path, name: str, mtime_ns: int, size: int) -> dict:
    """:func:`read` for one version of a file (cached by modification time and size)."""
    where = display_path(path)
    if size > MAX_FILE_BYTES:
        raise ScenarioError(where, "file", name, f"is {size:,} bytes; a scenario file may hold "
                            f"at most {MAX_FILE_BYTES:,}")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise ScenarioError(where, "file", name,
                            f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(where, "file", name, f"is not UTF-8 text (byte "
                            f"0x{raw[exc.start]:02x} at offset {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(where, "yaml", name,
                            f"malformed YAML{line}: {getattr(exc, 'problem', exc)}") from exc
    except RecursionError:
        raise ScenarioError(where, "yaml", name, "nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(where, "file", name, "must hold a mapping of scenario keys (name, "
                            f"countries, ...), not {kind_of(data)}")
    values = expanded_size(data)
    if values > MAX_VALUES:
        raise ScenarioError(where, "file", name, f"expands to more than {MAX_VALUES:,} values "
                            f"(YAML aliases count once per use) or nests deeper than "
                            f"{MAX_DEPTH} levels; at most {MAX_VALUES:,}")
    return data


def kind_of(value: object) -> str:
    """'a list', 'a mapping', 'a text', 'a number', ... for messages."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def expanded_size(data: object, limit: int = MAX_VALUES) -> int:
    """How many values ``data`` holds once every shared (aliased) part is counted at each use,
    as Hydra will copy it; counting stops past ``limit`` (and a structure deeper than
    :data:`MAX_DEPTH` or containing itself counts as past it). Shared parts are counted once
    and remembered, so a few lines of aliases cost a few steps, not millions."""
    memo: dict[int, int] = {}

    def size(node: object, depth: int) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        if depth > MAX_DEPTH:
            return limit + 1
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = limit + 1  # a structure reached again while counting it contains itself
        total = 1
        for child in (node.values() if isinstance(node, dict) else node):
            total += size(child, depth + 1)
            if total > limit:
                break
        memo[key] = total
        return total

    return size(data, 0)
