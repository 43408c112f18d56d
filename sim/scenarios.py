"""The scenario library: names, files, inheritance, and errors that name the file at fault.

A scenario is ``scenarios/NAME.yaml``; a child inherits with a Hydra defaults list
(``defaults: [baseline, _self_]``) and overrides only what it changes. :mod:`sim.config`
validates the composed result and names the offending key; :func:`load_scenario` adds which
file set that key (or that the value came from a command-line override), and checks the
inheritance chain before anything is composed, so a missing parent is reported with the file
that names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from sim.config import ROOT, SCENARIO_DIR, RunConfig, available_scenarios
from sim.errors import ConfigError

# The library of issue 3, in the order the documentation presents it.
LIBRARY = ("baseline", "un_led", "uk_bridge", "exclusive_club", "safety_for_compute",
           "tariff_shock", "track2_only", "open_source_commons", "us_new_administration")
SELF = "_self_"


class ScenarioError(ConfigError):
    """A :class:`ConfigError` that also names where the bad value was written."""

    def __init__(self, where: str, key: str, value: object, allowed: str):
        super().__init__(key, value, allowed)
        self.where = where
        self.args = (f"{where}: {key}={value!r}: {allowed}",)


def scenario_file(name: str) -> Path:
    """Path of a scenario's YAML file (it may not exist)."""
    return SCENARIO_DIR / f"{name}.yaml"


def display_path(path: Path) -> str:
    """A path as the user sees it in the project: ``scenarios/NAME.yaml``."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _read(name: str) -> dict:
    """A scenario file's own YAML (no inheritance); a malformed file is a one-line error."""
    path = scenario_file(name)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(display_path(path), "yaml", name,
                            f"malformed YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    return data if isinstance(data, dict) else {}


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
