"""The scenario library: names, files, inheritance, and errors that name the file at fault.

A scenario is ``scenarios/NAME.yaml``; a child inherits with a Hydra defaults list
(``defaults: [baseline, _self_]``) and overrides only what it changes. :mod:`sim.config`
validates the composed result and names the offending key; :func:`load_scenario` adds which
file set that key (or that the value came from a command-line override), and checks the
inheritance chain before anything is composed, so a missing parent is reported with the file
that names it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import yaml

from sim.config import ROOT, SCENARIO_DIR, RunConfig, available_scenarios, scenario_dirs
from sim.errors import ConfigError

# The library of issue 3, in the order the documentation presents it.
LIBRARY = ("baseline", "un_led", "uk_bridge", "exclusive_club", "safety_for_compute",
           "tariff_shock", "track2_only", "open_source_commons", "us_new_administration")
SELF = "_self_"
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


def scenario_file(name: str) -> Path:
    """Path of a scenario's YAML file: the first of :func:`sim.config.scenario_dirs` that has
    it, else where the library would hold it (it may not exist)."""
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


def _read(name: str) -> dict:
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
    """:func:`_read` for one version of a file (cached by modification time and size)."""
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
                            f"countries, ...), not {_kind(data)}")
    values = expanded_size(data)
    if values > MAX_VALUES:
        raise ScenarioError(where, "file", name, f"expands to more than {MAX_VALUES:,} values "
                            f"(YAML aliases count once per use) or nests deeper than "
                            f"{MAX_DEPTH} levels; at most {MAX_VALUES:,}")
    return data


def _kind(value: object) -> str:
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


def _parent_name(entry: object) -> str | None:
    """The scenario a defaults entry points to (``baseline``, ``/scenario/baseline``)."""
    if not isinstance(entry, str) or entry == SELF:
        return None
    return entry.removeprefix("/").removeprefix("scenario/")


def merge_order(name: str, _seen: tuple[str, ...] = ()) -> list[str]:
    """Scenario names in the order Hydra merges them (parents first, the last one wins).

    Raises :class:`ScenarioError` naming the file whose defaults list points to a missing
    parent, or that closes a cycle.
    """
    if name in _seen:
        raise ScenarioError(display_path(scenario_file(_seen[-1])), "defaults", name,
                            f"inheritance cycle: {' -> '.join((*_seen, name))}")
    entries = _read(name).get("defaults") or []
    if SELF not in entries:
        entries = [*entries, SELF]  # Hydra >= 1.1: a config's own values come last by default
    order: list[str] = []
    for entry in entries:
        if entry == SELF:
            order.append(name)
            continue
        parent = _parent_name(entry)
        if parent is None:
            continue
        if not scenario_file(parent).is_file():
            raise ScenarioError(display_path(scenario_file(name)), "defaults", parent,
                                "parent scenario not found; available: "
                                + ", ".join(available_scenarios()))
        order.extend(merge_order(parent, (*_seen, name)))
    return order


def merge_clash(name: str) -> ScenarioError | None:
    """The first value a scenario file gives a shape Hydra cannot merge with what its parents
    say (a list where they have a mapping, or the reverse), as an error naming that file and
    key; None if there is none."""
    merged: dict = {}
    for owner in merge_order(name):
        data = {k: v for k, v in _read(owner).items() if k != "defaults"}
        clash = _clash(merged, data, ())
        if clash is not None:
            path, value, theirs = clash
            return ScenarioError(display_path(scenario_file(owner)),
                                 "scenario." + ".".join(map(str, path)), value,
                                 f"must be {theirs}, as in the scenarios it inherits from, "
                                 f"not {_kind(value)}")
        merged = _merged(merged, data)
    return None


def _clash(old: dict, new: dict, path: tuple) -> tuple[tuple, object, str] | None:
    for k, n in new.items():
        if k not in old:
            continue
        o = old[k]
        if isinstance(o, dict) and isinstance(n, dict):
            found = _clash(o, n, (*path, k))
            if found is not None:
                return found
        elif isinstance(o, dict) != isinstance(n, dict) and (isinstance(o, list)
                                                             or isinstance(n, list)):
            return (*path, k), n, _kind(o)
    return None


def _merged(old: dict, new: dict) -> dict:
    out = dict(old)
    for k, v in new.items():
        out[k] = _merged(old[k], v) if isinstance(old.get(k), dict) and isinstance(v, dict) \
            else v
    return out


def _has_path(data: dict, parts: Sequence[str]) -> bool:
    node: object = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _override_key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def where_set(key: str, name: str, overrides: Sequence[str] = ()) -> str:
    """Which file (or command-line override) set a config key such as
    ``scenario.uncertainties.trust_gain.value``; the scenario's own file when none did."""
    for ov in overrides:
        ok = _override_key(ov)
        if key == ok or key.startswith(ok + ".") or ok.startswith(key + "."):
            return f"command-line override '{ov}' on {display_path(scenario_file(name))}"
    if key == "override":
        return f"command line (scenario {display_path(scenario_file(name))})"
    parts = key.removeprefix("scenario.").split(".")
    try:
        order = merge_order(name)
    except ConfigError:
        order = [name]
    for depth in range(len(parts), 0, -1):
        for owner in reversed(order):
            if _has_path(_read(owner), parts[:depth]):
                return display_path(scenario_file(owner))
    return display_path(scenario_file(name))


def locate_error(exc: ConfigError, name: str, overrides: Sequence[str] = ()) -> ConfigError:
    """The same error, its message prefixed with the file (or override) that set the key."""
    if isinstance(exc, ScenarioError):
        return exc
    where = where_set(exc.key, name, overrides)
    return ScenarioError(where, exc.key, exc.value, exc.allowed)


def scenario_of(overrides: Sequence[str], default: str = "baseline") -> str:
    """The scenario a list of Hydra overrides selects (``scenario=NAME``), else ``default``."""
    for ov in overrides:
        if ov.startswith("scenario="):
            return ov.split("=", 1)[1]
    return default


def check_name(name: str) -> None:
    """Raise a one-line :class:`ConfigError` listing the available scenarios if unknown."""
    if name not in available_scenarios():
        raise ConfigError("scenario", name,
                          f"unknown scenario; available: {', '.join(available_scenarios())}")


def load_scenario(name: str, overrides: Sequence[str] = (), *, seed: int | None = None,
                  steps: int | None = None) -> RunConfig:
    """Composed and validated run settings (:func:`sim.load_config`): every error in a scenario
    value names the file (or override) at fault, and a missing parent is caught before
    composing. A ``scenario=...`` among the overrides is ignored: ``name`` chooses."""
    from sim.api import load_config  # deferred: sim.api imports this module

    return load_config(name, overrides, seed=seed, steps=steps)
