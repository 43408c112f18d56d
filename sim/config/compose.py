"""Composing the Hydra config tree, and Hydra's composition errors as one line.

:func:`compose_config` checks the overrides (:mod:`sim.config.overrides`) and the scenario's
files (:mod:`sim.config.inheritance`) before Hydra sees them, composes ``conf/`` with the
scenario and the overrides, and turns any composition error into one line naming its real
culprit; :func:`load_config` then validates the result (:mod:`sim.config.build`) and names the
file or override that set a bad value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.config.build import build_run_config
from sim.config.inheritance import locate_error, merge_clash, merge_order, shape_clash
from sim.config.library import (
    CONF_DIR,
    ScenarioError,
    available_scenarios,
    check_name,
    display_path,
    kind_of,
    scenario_file,
    scenario_of,
)
from sim.config.overrides import check_overrides, override_key, override_parser
from sim.config.settings import RunConfig
from sim.errors import ConfigError


def hydra_error_line(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf/YAML composition error, naming what is wrong."""
    text = str(exc)
    m = re.search(r"Could not find '(?:scenario/)?([^']+)'", text)
    if m and "scenario" in text:
        return (f"scenario={m.group(1)!r}: unknown scenario; available: "
                f"{', '.join(available_scenarios())}")
    if "Could not load" in text and "scenario/" in text:
        m = re.search(r"scenario/([\w-]+)", text)
        name = m.group(1) if m else "?"
        return (f"scenario={name!r}: parent scenario not found; available: "
                f"{', '.join(available_scenarios())}")
    yaml_err = _yaml_error(exc)
    if yaml_err is not None:
        mark = getattr(yaml_err, "problem_mark", None)
        where = f"{_scenario_file(mark.name)} line {mark.line + 1}" if mark else "a config file"
        problem = getattr(yaml_err, "problem", None) or str(yaml_err).splitlines()[0]
        return f"malformed YAML in {where}: {problem}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _yaml_error(exc: BaseException | None):
    """The YAML parse error behind a composition error, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, yaml.YAMLError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _scenario_file(name: str | None) -> str:
    if not name or name.startswith("<"):
        return "a config file"
    return display_path(Path(name))


def compose_config(scenario: str | None = "baseline", overrides: Sequence[str] = ()):
    """Compose the Hydra config tree with overrides (command-line syntax); returns DictConfig.

    Before Hydra sees anything, every override must parse on its own and name a key once
    (:func:`check_overrides`), and the scenario's files must be readable (:func:`merge_order`).
    A composition error names the override or the scenario file at fault.
    """
    ov = list(overrides)
    check_overrides(ov)
    if scenario is not None:
        check_name(scenario)
        ov = [f"scenario={scenario}", *ov]
    chosen = scenario_of(ov)
    if chosen in available_scenarios():
        merge_order(chosen)  # unreadable, oversized or malformed files are named here
    try:
        return _compose(ov)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra raises many types; the user sees one line
        raise composition_error(exc, ov) from exc


def _compose(overrides: Sequence[str]):
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()


def composition_error(exc: BaseException, overrides: Sequence[str]) -> ConfigError:
    """A Hydra composition error as one line naming its real culprit: the scenario file that
    cannot be merged with its parents, or the override that sets a key nobody has, or a list
    where the config has a mapping (or the reverse)."""
    text = str(exc)
    line = hydra_error_line(exc)
    if line.startswith("scenario="):
        return ConfigError("scenario", line.split(":")[0][9:].strip("'"),
                           line.split(":", 1)[1].strip())
    m = re.search(r"In 'scenario/([^']+)'", text)
    if m:
        clash = merge_clash(m.group(1))
        if clash is not None:
            return clash
        return ScenarioError(display_path(scenario_file(m.group(1))), "scenario", m.group(1),
                             f"cannot be composed: {line}")
    culprit = _culprit(text, overrides)
    if culprit is None:
        return ConfigError("override", " ".join(overrides), line)
    key, value = override_key(culprit), culprit.split("=", 1)[-1]
    if "Could not append" in text:
        return ConfigError(key, value, f"the key exists: write {culprit.lstrip('+')} without "
                           "the +")
    if "Could not delete" in text:
        return ConfigError("override", culprit, f"there is no key {key} to delete")
    cause = _omegaconf_cause(exc)
    rest = [o for o in overrides if o != culprit]
    if cause is not None and "not in struct" in str(cause):
        full = getattr(cause, "full_key", "") or key
        parent, _, missing = full.rpartition(".")
        have = _keys_at(rest, parent)
        return ConfigError(key, value, f"no key {missing!r} under {parent or 'the config'}"
                           + (f" (it has: {have})" if have else "")
                           + "; prefix the override with + to add a key (++ to merge a mapping "
                             "into one)")
    if cause is not None and "Cannot merge" in str(cause):
        path, value_kind, base_kind = _override_clash(culprit, rest)
        return ConfigError(path or key, value, f"must be {base_kind}, not {value_kind}")
    return ConfigError(key, value, line)


def _culprit(text: str, overrides: Sequence[str]) -> str | None:
    """The override a Hydra message is about: quoted whole, or its key quoted."""
    for o in overrides:
        if o in text:
            return o
    keyed = [o for o in overrides if f"'{override_key(o)}'" in text]
    return max(keyed, key=len) if keyed else None


def _omegaconf_cause(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("omegaconf"):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _composed_plain(overrides: Sequence[str]) -> dict | None:
    """The composed config as plain data (interpolations unresolved), or None."""
    from omegaconf import OmegaConf

    try:
        return OmegaConf.to_container(_compose(overrides), resolve=False)
    except Exception:
        return None


def _node(data: object, path: str) -> object:
    for part in [p for p in path.split(".") if p]:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _keys_at(overrides: Sequence[str], path: str, limit: int = 12) -> str:
    node = _node(_composed_plain(overrides), path)
    if not isinstance(node, dict):
        return ""
    names = [str(k) for k in node]
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _override_clash(culprit: str, rest: Sequence[str]) -> tuple[str | None, str, str]:
    """(path, kind of the new value, kind in the config) where an override puts a list where
    the config has a mapping, or the reverse."""
    key = override_key(culprit)
    try:
        value = override_parser().parse_override(culprit).value()
    except Exception:
        value = None
    base = _node(_composed_plain(rest), key)
    head, _, last = key.rpartition(".")
    found = shape_clash({last: base}, {last: value}, ()) if base is not None else None
    if found is None:
        return None, kind_of(value), kind_of(base) if base is not None else "another shape"
    path, new, old_kind = found
    return ".".join(filter(None, [head, *map(str, path)])), kind_of(new), old_kind


def load_config(scenario: str = "baseline", overrides: Sequence[str] = (), *,
                seed: int | None = None, steps: int | None = None) -> RunConfig:
    """Composed and validated run settings for a scenario plus overrides (command-line syntax).

    Errors in scenario values name the file (or override) that set them.
    """
    ov = [o for o in overrides if not o.startswith("scenario=")]  # the name chooses it
    if seed is not None:
        ov.append(f"seed={seed}")
    if steps is not None:
        ov.append(f"steps={steps}")
    check_name(scenario)
    merge_order(scenario)  # a missing parent is named with the file that names it
    try:
        return build_run_config(compose_config(scenario, ov))
    except ConfigError as exc:
        if exc.key.startswith("scenario.") or exc.key == "override":
            raise locate_error(exc, scenario, ov) from exc
        raise


def load_scenario(name: str, overrides: Sequence[str] = (), *, seed: int | None = None,
                  steps: int | None = None) -> RunConfig:
    """Composed and validated run settings (:func:`load_config`): every error in a scenario
    value names the file (or override) at fault, and a missing parent is caught before
    composing. A ``scenario=...`` among the overrides is ignored: ``name`` chooses."""
    return load_config(name, overrides, seed=seed, steps=steps)
