"""Run the model from Python (notebooks, tests, other front doors) without the Hydra app.

The same config tree and override syntax as the command line, composed with Hydra's compose
API, validated by :mod:`sim.config`. Example::

    import sim
    res = sim.run("exclusive_club", seed=3, overrides=["scenario.uncertainties.trust_gain=0.08"])
    res.timeseries.plot(x="month", y="polarization")
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.config import (
    CONF_DIR,
    RunConfig,
    available_scenarios,
    build_run_config,
    check_seed,
    config_hash,
)
from sim.errors import ConfigError
from sim.model.model import GovernanceModel
from sim.report.io import (
    ledger_table,
    regimes_table,
    sessions_table,
    story_text,
    summary_dict,
    timeseries_table,
)
from sim.scenarios import check_name, display_path, locate_error, merge_order, scenario_of


@dataclass
class RunResult:
    """A finished run: the model and its tidy tables."""

    model: GovernanceModel
    timeseries: pd.DataFrame
    sessions: pd.DataFrame
    summary: dict
    regimes: pd.DataFrame | None = None  # one row per month and regime in force
    ledger: pd.DataFrame | None = None  # one row per month: trust change by cause
    story: str | None = None  # the run explained in plain words (Markdown; sim.report.story)

    @property
    def outcome(self) -> str:
        return self.summary["outcome"]


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


@functools.cache
def override_parser():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def override_key(text: str) -> str:
    """The key an override sets: ``+a.b=1`` -> ``a.b``."""
    return text.split("=", 1)[0].lstrip("+~")


def check_overrides(overrides: Sequence[str]) -> None:
    """Each override must parse by itself (Hydra's grammar) and each key appear once; else a
    :class:`ConfigError` naming that override. A key with a space (an actor's name) is refused
    with the form that works: ``scenario.countries={United States: {hawkishness: 0.4}}``."""
    seen: dict[str, str] = {}
    for text in overrides:
        try:
            parsed = override_parser().parse_override(text)
        except Exception as exc:
            raise unparsable(text, exc) from None
        key = parsed.get_key_element()
        if key in seen:
            raise ConfigError(override_key(text), text.split("=", 1)[-1],
                              f"is given twice ({seen[key]} and {text}); give each key once")
        seen[key] = text


SECTIONS_BY_NAME = ("countries", "labs", "venues", "events")  # scenario.SECTION.NAME.field
NAME_CHARS = " ()'\"[]{}:=,"  # characters Hydra's grammar refuses in a key


def unparsable(text: str, exc: BaseException) -> ConfigError:
    """The one-line error of an override Hydra's grammar refuses; for a key holding an actor's
    name with spaces or brackets, the form that works (:func:`dict_form`)."""
    if "=" not in text:
        return ConfigError("override", text, "must be KEY=VALUE")
    key, value = text.split("=", 1)
    form = dict_form(key, value)
    if form is not None:
        return ConfigError(key, value, f"a key cannot hold spaces or brackets; for a name with "
                           f"spaces write '{form}'")
    detail = " ".join(str(exc).split("See https")[0].split())
    detail = detail.replace(f"Error parsing override '{text}'", "").strip()
    return ConfigError(key, value, f"not valid override syntax ({detail}); see "
                       "https://hydra.cc/docs/advanced/override_grammar/basic/")


def dict_form(key: str, value: str) -> str | None:
    """``scenario.countries.United States.hawkishness`` = ``0.4`` ->
    ``scenario.countries={United States: {hawkishness: 0.4}}``: a name Hydra cannot read in a
    key goes into a mapping value, where spaces are allowed and brackets are escaped. None if
    the key holds no such name."""
    prefix = key[:len(key) - len(key.lstrip("+~"))]
    parts = key.lstrip("+~").split(".")
    odd = next((i for i, p in enumerate(parts) if any(ch in p for ch in NAME_CHARS)), None)
    if not odd:
        return None
    first = odd
    if len(parts) > 3 and parts[0] == "scenario" and parts[1] in SECTIONS_BY_NAME:
        first = 2  # the name may itself hold dots ('01.AI (Yi)'): it runs up to the odd part
    name = ".".join(parts[first:odd + 1]).strip("'\"")
    nested = value
    for part in reversed([name, *parts[odd + 1:]]):
        escaped = "".join(f"\\{ch}" if ch in "()[]{}:=," else ch for ch in part)
        nested = f"{{{escaped}: {nested}}}"
    return f"{prefix}{'.'.join(parts[:first])}={nested}"


def composition_error(exc: BaseException, overrides: Sequence[str]) -> ConfigError:
    """A Hydra composition error as one line naming its real culprit: the scenario file that
    cannot be merged with its parents, or the override that sets a key nobody has, or a list
    where the config has a mapping (or the reverse)."""
    from sim.scenarios import ScenarioError, merge_clash, scenario_file

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
        path, value_kind, base_kind = _shape_clash(culprit, rest)
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


def _shape_clash(culprit: str, rest: Sequence[str]) -> tuple[str | None, str, str]:
    """(path, kind of the new value, kind in the config) where an override puts a list where
    the config has a mapping, or the reverse."""
    from sim.scenarios import _clash, _kind

    key = override_key(culprit)
    try:
        value = override_parser().parse_override(culprit).value()
    except Exception:
        value = None
    base = _node(_composed_plain(rest), key)
    head, _, last = key.rpartition(".")
    found = _clash({last: base}, {last: value}, ()) if base is not None else None
    if found is None:
        return None, _kind(value), _kind(base) if base is not None else "another shape"
    path, new, old_kind = found
    return ".".join(filter(None, [head, *map(str, path)])), _kind(new), old_kind


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


def with_seed(run: RunConfig, seed: int) -> RunConfig:
    """The same settings with another seed (cheap: no re-composition)."""
    check_seed(seed)
    raw = {**run.raw, "seed": seed}
    return dataclasses.replace(run, seed=seed, raw=raw, config_hash=config_hash(raw))


def build_model(scenario: str | RunConfig = "baseline", overrides: Sequence[str] = (), *,
                seed: int | None = None, steps: int | None = None) -> GovernanceModel:
    """A fresh, un-run model."""
    run = scenario if isinstance(scenario, RunConfig) else load_config(
        scenario, overrides, seed=seed, steps=steps)
    if isinstance(scenario, RunConfig) and seed is not None:
        run = with_seed(run, seed)
    return GovernanceModel(run)


def run(scenario: str | RunConfig = "baseline", overrides: Sequence[str] = (), *,
        seed: int | None = None, steps: int | None = None) -> RunResult:
    """Build, run and tabulate one model run (its story in ``.story``)."""
    model = build_model(scenario, overrides, seed=seed, steps=steps).run()
    sessions, summary, ledger = sessions_table(model), summary_dict(model), ledger_table(model)
    return RunResult(model=model, timeseries=timeseries_table(model), sessions=sessions,
                     summary=summary, regimes=regimes_table(model), ledger=ledger,
                     story=story_text(model, summary, sessions, ledger))
