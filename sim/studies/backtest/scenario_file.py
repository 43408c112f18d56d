"""Back-test scenario file: render the calibrated block of the history scenario and write it."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.config import (
    SCENARIO_DIR,
    RunConfig,
)
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

# ---------------------------------------------------------------------------------------------
# the history scenario file

BLOCK_BEGIN = "# >>> calibrated block (rewritten by `aigov-backtest --calibrate`; edit outside it)"
BLOCK_END = "# <<< calibrated block"


def _flow(d: dict) -> str:
    return yaml.safe_dump(d, default_flow_style=True, sort_keys=False, width=10_000).strip()


def render_block(base: RunConfig, base_templates: dict[str, tuple[float, float]],
                 cal: Calibration | None, day: str) -> str:
    """The generated part of scenarios/history.yaml: calibrated uncertainties, the per-venue-type
    templates, and the baseline's calendar switched off (sessions come from the events file)."""
    sc = base.scenario
    lines = [BLOCK_BEGIN]
    tmpl = dict(base_templates)
    calibrated: dict[str, float] = {}
    prior_tag = "prior: median of the baseline's venues with the same decision rule"
    tags = dict.fromkeys(tmpl, prior_tag)
    for level in ASKS_LEVELS:
        lo, hi = ASKS_BOUNDS[level]
        tags[ASKS_PREFIX + level] = (
            f"definition: a text that asks {level} of signatories offers nothing to verify "
            f"(verification {ASKS_FIXED[level]:g}, not fitted; range [{lo:g}, {hi:g}])"
            if level in ASKS_FIXED else
            f"prior: midpoint of the range [{lo:g}, {hi:g}], not fitted (no country text of the "
            f"file asks {level}); verification of a text that asks {level} of signatories")
    if cal is not None:
        m, err, obj = cal.fit
        pm, perr, _ = cal.prior_fit
        tag = (f"calibrated: aigov-backtest --calibrate, mean F1 {m:.2f} over {cal.seeds} "
               f"seeds, {day}")
        lines += [f"# fit: mean F1 {m:.3f}, key-actor error rate {err:.3f}, objective {obj:.3f}"
                  f" less {cal.pull:.3f} of pull to the prior (prior: mean F1 {pm:.3f}, key-actor"
                  f" error {perr:.3f})", f"# by {cal.settings}"]
        for f, v in zip(cal.free, cal.values, strict=True):
            if f.template is None:
                calibrated[f.name] = float(v)
            else:
                a, w = tmpl[f.template]
                tmpl[f.template] = (float(v), w) if f.field == "ambition" else (a, float(v))
                a0, v0 = base_templates[f.template]
                if f.template.startswith(ASKS_PREFIX):
                    level = f.template.removeprefix(ASKS_PREFIX)
                    tags[f.template] = (f"{tag}, range [{f.lo:g}, {f.hi:g}] (prior {v0:g}: "
                                        f"midpoint of the range; verification of a text that "
                                        f"asks {level} of signatories)")
                    continue
                tags[f.template] = (f"{tag} (prior ambition {a0:g}, verification {v0:g}: "
                                    f"{prior_tag.removeprefix('prior: ')})")
    for section in ("levers", "uncertainties", "constants"):
        mine = [n for n in calibrated if sc.provenance[n]["section"] == section]
        if mine:
            lines.append(f"{section}:")
        for name in mine:
            prov = sc.provenance[name]
            prior_src = f"prior {sc.params[name]:g}: {prov['source']}"
            lo, hi = prov["range"]
            near = min(calibrated[name] - lo, hi - calibrated[name]) < EDGE_SHARE * (hi - lo)
            edge = f"; edge: {EDGE_REASONS[name]}" if near and name in EDGE_REASONS else ""
            lines.append(f"  {name}: " + _flow({"value": calibrated[name], "range": prov["range"],
                                                "source": f"{tag} ({prior_src}){edge}"}))
    lines.append("venues:")
    lines.append("  # per-venue-type templates, never convened: each outcome's session copies the")
    lines.append("  # ambition and verification of its type (host and invitees are placeholders);")
    lines.append("  # history_asks_<level>: verification of a text whose `asks` level (given or")
    lines.append("  # read from its title) is <level>; replaces the type's, ambition unused")
    host = sc.countries[0].name
    pair = [sc.countries[0].name, sc.countries[1].name]
    for key, (a, v) in tmpl.items():
        vtype, decision = template_rule(key)
        label = (f"asks: {key.removeprefix(ASKS_PREFIX)}" if key.startswith(ASKS_PREFIX)
                 else f"template: {key}")
        entry = {"type": vtype, "label": label, "host": None if vtype == "track2"
                 else host, "decision": decision,
                 "invite": pair if vtype == "bilateral" else "all", "ambition": round(a, 4),
                 "verification": round(v, 4), "calendar": [], "every": 0, "source": tags[key]}
        lines.append(f"  {TEMPLATE_PREFIX}{key}: " + _flow(entry))
    lines.append("  # the baseline's own calendar, switched off")
    for v in sc.venues:
        if not v.name.startswith(TEMPLATE_PREFIX):
            lines.append(f"  {v.name}: {{calendar: [], every: 0}}")
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def write_block(path: Path, block: str, template: Path | None = None) -> None:
    """Replace the calibrated block of ``path`` (append one if it has none); a new ``path``
    starts as a copy of ``template`` (the library's history scenario), so it is a whole
    scenario."""
    from sim.report.io import atomic_write_text

    source = path if path.is_file() else template
    text = source.read_text(encoding="utf-8") if source is not None and source.is_file() else ""
    if BLOCK_BEGIN in text and BLOCK_END in text:
        head, rest = text.split(BLOCK_BEGIN, 1)
        tail = rest.split(BLOCK_END, 1)[1].lstrip("\n")
        text = head + block + tail
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + block
    atomic_write_text(path, text)
