"""Scenario inheritance, and which file (or override) set a key.

A child scenario inherits with a Hydra defaults list (``defaults: [baseline, _self_]``) and
overrides only what it changes. The chain is checked before anything is composed, so a missing
parent or a cycle is reported with the file that names it; a validation error is prefixed with
the file (or command-line override) that set the offending key (:func:`locate_error`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config.library import (
    ScenarioError,
    available_scenarios,
    display_path,
    kind_of,
    read,
    scenario_file,
)
from sim.errors import ConfigError

SELF = "_self_"


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
    entries = read(name).get("defaults") or []
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
        data = {k: v for k, v in read(owner).items() if k != "defaults"}
        clash = shape_clash(merged, data, ())
        if clash is not None:
            path, value, theirs = clash
            return ScenarioError(display_path(scenario_file(owner)),
                                 "scenario." + ".".join(map(str, path)), value,
                                 f"must be {theirs}, as in the scenarios it inherits from, "
                                 f"not {kind_of(value)}")
        merged = _merged(merged, data)
    return None


def shape_clash(old: dict, new: dict, path: tuple) -> tuple[tuple, object, str] | None:
    """(path, new value, kind of the old one) where ``new`` puts a list where ``old`` has a
    mapping or the reverse; None if nowhere."""
    for k, n in new.items():
        if k not in old:
            continue
        o = old[k]
        if isinstance(o, dict) and isinstance(n, dict):
            found = shape_clash(o, n, (*path, k))
            if found is not None:
                return found
        elif isinstance(o, dict) != isinstance(n, dict) and (isinstance(o, list)
                                                             or isinstance(n, list)):
            return (*path, k), n, kind_of(o)
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
            if _has_path(read(owner), parts[:depth]):
                return display_path(scenario_file(owner))
    return display_path(scenario_file(name))


def locate_error(exc: ConfigError, name: str, overrides: Sequence[str] = ()) -> ConfigError:
    """The same error, its message prefixed with the file (or override) that set the key."""
    if isinstance(exc, ScenarioError):
        return exc
    where = where_set(exc.key, name, overrides)
    return ScenarioError(where, exc.key, exc.value, exc.allowed)
