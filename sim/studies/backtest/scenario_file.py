"""Back-test scenario file: render the calibrated block of the history scenario and write it.

The block is a YAML document emitted by PyYAML (:func:`yaml.dump`; each parameter and venue on
one line in flow style) between two comment lines, :data:`BLOCK_BEGIN` and :data:`BLOCK_END`;
everything outside them, comments included, is kept as written.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.config import SCENARIO_DIR, RunConfig
from sim.errors import ConfigError
from sim.studies.backtest.calibration import EDGE_REASONS, EDGE_SHARE, Calibration
from sim.studies.backtest.events import ASKS_LEVELS
from sim.studies.backtest.plan import (
    ASKS_BOUNDS,
    ASKS_FIXED,
    ASKS_PREFIX,
    TEMPLATE_PREFIX,
    template_rule,
)

HISTORY_YAML = SCENARIO_DIR / "history.yaml"
BLOCK_BEGIN = "# >>> calibrated block (rewritten by `aigov-backtest --calibrate`; edit outside it)"
BLOCK_END = "# <<< calibrated block"
PRIOR_TAG = "prior: median of the baseline's venues with the same decision rule"
VENUES_NOTE = (
    "  # per-venue-type templates, never convened: each outcome's session copies the\n"
    "  # ambition and verification of its type (host and invitees are placeholders);\n"
    "  # history_asks_<level>: verification of a text whose `asks` level (given or\n"
    "  # read from its title) is <level>; replaces the type's, ambition unused;\n"
    "  # then the baseline's own calendar, switched off\n")


class Flow(dict):
    """A mapping written on one line (YAML flow style)."""


class BlockDumper(yaml.SafeDumper):
    """Block style at the top, flow style for :class:`Flow` mappings and for lists."""


BlockDumper.add_representer(
    Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data,
                                                        flow_style=True))


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=BlockDumper, default_flow_style=None, sort_keys=False,
                     width=10_000)


def _prior_tags(tmpl: dict[str, tuple[float, float]]) -> dict[str, str]:
    """Provenance of every template before calibration: the prior, or the definition."""
    tags = dict.fromkeys(tmpl, PRIOR_TAG)
    for level in ASKS_LEVELS:
        lo, hi = ASKS_BOUNDS[level]
        tags[ASKS_PREFIX + level] = (
            f"definition: a text that asks {level} of signatories offers nothing to verify "
            f"(verification {ASKS_FIXED[level]:g}, not fitted; range [{lo:g}, {hi:g}])"
            if level in ASKS_FIXED else
            f"prior: midpoint of the range [{lo:g}, {hi:g}], not fitted (no country text of the "
            f"file asks {level}); verification of a text that asks {level} of signatories")
    return tags


def _apply(cal: Calibration, base_templates: dict[str, tuple[float, float]], tag: str,
           tmpl: dict[str, tuple[float, float]], tags: dict[str, str]) -> dict[str, float]:
    """Set the calibrated template values and their provenance in ``tmpl`` and ``tags``;
    return the calibrated scenario parameters."""
    calibrated: dict[str, float] = {}
    for f, v in zip(cal.free, cal.values, strict=True):
        if f.template is None:
            calibrated[f.name] = float(v)
            continue
        a, w = tmpl[f.template]
        tmpl[f.template] = (float(v), w) if f.field == "ambition" else (a, float(v))
        a0, v0 = base_templates[f.template]
        if f.template.startswith(ASKS_PREFIX):
            level = f.template.removeprefix(ASKS_PREFIX)
            tags[f.template] = (f"{tag}, range [{f.lo:g}, {f.hi:g}] (prior {v0:g}: "
                                f"midpoint of the range; verification of a text that "
                                f"asks {level} of signatories)")
        else:
            tags[f.template] = (f"{tag} (prior ambition {a0:g}, verification {v0:g}: "
                                f"{PRIOR_TAG.removeprefix('prior: ')})")
    return calibrated


def _parameters(base: RunConfig, calibrated: dict[str, float], tag: str) -> dict[str, dict]:
    """The calibrated parameters by scenario section, each with its range and provenance (the
    prior it replaced; why, if it ends near an end of its range)."""
    sc = base.scenario
    out: dict[str, dict] = {}
    for section in ("levers", "uncertainties", "constants"):
        for name in (n for n in calibrated if sc.provenance[n]["section"] == section):
            prov = sc.provenance[name]
            prior_src = f"prior {sc.params[name]:g}: {prov['source']}"
            lo, hi = prov["range"]
            near = min(calibrated[name] - lo, hi - calibrated[name]) < EDGE_SHARE * (hi - lo)
            edge = f"; edge: {EDGE_REASONS[name]}" if near and name in EDGE_REASONS else ""
            out.setdefault(section, {})[name] = Flow(
                value=calibrated[name], range=prov["range"],
                source=f"{tag} ({prior_src}){edge}")
    return out


def _venues(base: RunConfig, tmpl: dict[str, tuple[float, float]], tags: dict[str, str]
            ) -> dict[str, Flow]:
    """The templates (never convened; placeholder host and invitees) and the baseline's own
    venues with their calendar switched off."""
    sc = base.scenario
    host = sc.countries[0].name
    pair = [sc.countries[0].name, sc.countries[1].name]
    out: dict[str, Flow] = {}
    for key, (a, v) in tmpl.items():
        vtype, decision = template_rule(key)
        label = (f"asks: {key.removeprefix(ASKS_PREFIX)}" if key.startswith(ASKS_PREFIX)
                 else f"template: {key}")
        out[TEMPLATE_PREFIX + key] = Flow(
            type=vtype, label=label, host=None if vtype == "track2" else host,
            decision=decision, invite=pair if vtype == "bilateral" else "all",
            ambition=round(a, 4), verification=round(v, 4), calendar=[], every=0,
            source=tags[key])
    for v in sc.venues:
        if not v.name.startswith(TEMPLATE_PREFIX):
            out[v.name] = Flow(calendar=[], every=0)
    return out


def render_block(base: RunConfig, base_templates: dict[str, tuple[float, float]],
                 cal: Calibration | None, day: str) -> str:
    """The generated part of scenarios/history.yaml: calibrated uncertainties, the per-venue-type
    templates, and the baseline's calendar switched off (sessions come from the events file)."""
    tmpl = dict(base_templates)
    tags = _prior_tags(tmpl)
    head = [BLOCK_BEGIN]
    calibrated: dict[str, float] = {}
    tag = ""
    if cal is not None:
        m, err, obj = cal.fit
        pm, perr, _ = cal.prior_fit
        tag = (f"calibrated: aigov-backtest --calibrate, mean F1 {m:.2f} over {cal.seeds} "
               f"seeds, {day}")
        head += [f"# fit: mean F1 {m:.3f}, key-actor error rate {err:.3f}, objective {obj:.3f}"
                 f" less {cal.pull:.3f} of pull to the prior (prior: mean F1 {pm:.3f}, key-actor"
                 f" error {perr:.3f})", f"# by {cal.settings}"]
        calibrated = _apply(cal, base_templates, tag, tmpl, tags)
    venues = _dump({"venues": _venues(base, tmpl, tags)}).split("\n", 1)
    return ("\n".join(head) + "\n" + _dump(_parameters(base, calibrated, tag)).removeprefix("{}\n")
            + venues[0] + "\n" + VENUES_NOTE + venues[1] + BLOCK_END + "\n")


def read_scenario_text(path: Path, template: Path | None = None) -> str:
    """The text the block goes into: ``path`` if it is a file, else ``template`` (the library's
    history scenario), else nothing. Raises ConfigError naming ``--history`` if it cannot be
    read or is not UTF-8 text (checked before a calibration starts: nothing is written)."""
    source = path if path.is_file() else template
    if source is None or not source.is_file():
        return ""
    try:
        return source.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError("--history", str(source), f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError("--history", str(source), f"is not UTF-8 text (offset {exc.start}); "
                          "must be a UTF-8 scenario file or a new path") from None


def write_block(path: Path, block: str, template: Path | None = None) -> None:
    """Replace the calibrated block of ``path`` (append one if it has none); a new ``path``
    starts as a copy of ``template`` (the library's history scenario), so it is a whole
    scenario."""
    from sim.report.io import atomic_write_text

    text = read_scenario_text(path, template)
    if BLOCK_BEGIN in text and BLOCK_END in text:
        head, rest = text.split(BLOCK_BEGIN, 1)
        tail = rest.split(BLOCK_END, 1)[1].lstrip("\n")
        text = head + block + tail
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + block
    atomic_write_text(path, text)
