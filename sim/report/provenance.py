"""aigov-provenance: where every value of every scenario comes from, as docs/PARAMETERS.md.

    aigov-provenance            # rewrite docs/PARAMETERS.md
    aigov-provenance --check    # exit 1 if docs/PARAMETERS.md is out of date

The document is generated from the composed and validated scenarios (Hydra inheritance
applied), never from the YAML text, so it shows what a run actually uses: one table per
scenario of its parameters (section, value, plausible range, source), then the actors, venues,
events and trust affinities with their sources, in full for the baseline and, for every other
scenario, only where it departs from the baseline. The output is deterministic, so a test can
regenerate it in memory and compare.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.config import (
    COUNTRY_FIELDS,
    LAB_FIELDS,
    LIBRARY,
    PARAMETERS,
    ROOT,
    SECTIONS,
    VENUE_TYPES,
    display_path,
    load_scenario,
    merge_order,
    scenario_file,
)
from sim.config import available_scenarios as _available
from sim.errors import ConfigError, OneLineParser, check_output, fail
from sim.report.io import atomic_write_text

log = logging.getLogger(__name__)

DOC = ROOT / "docs" / "PARAMETERS.md"  # the project's copy (in a checkout)
REFERENCE = "baseline"
ACTOR_KEYS = ("countries", "labs", "venues", "events", "relations", "initial_alignment",
              "counter_forum")
KNOWN_KEYS = ("name", "description", "start", *SECTIONS, *ACTOR_KEYS)


def scenario_names() -> list[str]:
    """The library first, in its order, then any other scenario files, alphabetically."""
    have = _available()
    return [n for n in LIBRARY if n in have] + [n for n in have if n not in LIBRARY]


def composed(name: str) -> tuple[dict, dict]:
    """(parameter provenance, composed scenario dict) of a scenario, validated."""
    run = load_scenario(name)
    return run.scenario.provenance, run.raw["scenario"]


def header_comment(name: str) -> str:
    """The scenario file's opening comment block, as plain text (its question and motives)."""
    lines = []
    for line in scenario_file(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(x for x in lines if x)


def cell(value) -> str:
    """A value as a Markdown table cell."""
    if value is None:
        text = "-"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, (list, tuple)):
        text = ", ".join(cell(v) for v in value) if value else "[]"
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(head: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def param_rows(prov: dict, changed: set[str] | None = None) -> list[list]:
    """Rows (parameter, section, value, range, source) in schema order within each section;
    names in ``changed`` are set in bold."""
    rows = []
    for section in SECTIONS:
        for name in PARAMETERS:
            p = prov.get(name)
            if p is None or p["section"] != section:
                continue
            shown = f"**{name}**" if changed and name in changed else name
            rng = f"[{p['range'][0]:g}, {p['range'][1]:g}]" if p["range"] else "-"
            rows.append([shown, section, p["value"], rng, p["source"]])
    return rows


def sources_text(src: dict, fields: Sequence[str]) -> str:
    """Per-attribute sources, compactly: named attributes first, then the rest ('*')."""
    parts = [f"{f}: {src[f]}" for f in fields if f in src]
    if "*" in src:
        parts.append(f"other attributes: {src['*']}")
    return "; ".join(parts)


def country_rows(countries: dict) -> list[list]:
    rows = []
    for name, c in countries.items():
        leg = "/".join(f"{c['legitimacy'][t]:g}" for t in VENUE_TYPES)
        rows.append([name, c["bloc"], *(c[f] for f in COUNTRY_FIELDS), leg,
                     sources_text(c["source"], (*COUNTRY_FIELDS, "bloc", "legitimacy"))])
    return rows


def lab_rows(labs: dict) -> list[list]:
    return [[name, lab["home"], *(lab[f] for f in LAB_FIELDS),
             sources_text(lab["source"], (*LAB_FIELDS, "home"))] for name, lab in labs.items()]


def invitation(v: dict) -> str:
    text = cell(v.get("invite", "all"))
    if v.get("also_invite"):
        text += f"; also {cell(v['also_invite'])}"
    if v.get("exclude"):
        text += f"; excluding {cell(v['exclude'])}"
    return text


def venue_rows(venues: dict) -> list[list]:
    rows = []
    for name, v in venues.items():
        when = cell(v.get("calendar", []))
        if v.get("every") and v.get("calendar"):
            when += f", then every {v['every']} months"
        rows.append([name, v["type"], v.get("host"), v["decision"], invitation(v),
                     v.get("labs", "none"), v["ambition"], v["verification"], when,
                     v["source"]])
    return rows


def event_rows(events: dict) -> list[list]:
    rows = []
    for eid, e in events.items():
        who = e["actor"] + (f" -> {cell(e['targets'])}" if e.get("targets") else "")
        if e.get("venue_type"):
            who += f" ({e['venue_type']} venues)"
        if e["kind"] == "government":
            change = "; ".join(f"{k} {cell(v)}" for k, v in (e.get("changes") or {}).items())
            change += "; withdraws from every regime" if e.get("withdraw") else ""
        else:
            change = e["delta"]
        rows.append([eid, e["date"], e["kind"], who, change, e["source"]])
    return rows


COUNTRY_HEAD = ["country", "bloc", *COUNTRY_FIELDS, "legitimacy un/summit/bilateral/track2",
                "sources"]
LAB_HEAD = ["lab", "home", *LAB_FIELDS, "sources"]
VENUE_HEAD = ["venue", "type", "host", "decision", "invited", "labs", "ambition",
              "verification", "sessions", "source"]
EVENT_HEAD = ["event", "date", "kind", "actor -> targets", "delta or changes", "source"]


def relations_lines(rel: dict) -> list[str]:
    """Starting relations: the alliance and partnership groups with their sources."""
    out = []
    for kind in ("alliances", "partnerships"):
        groups = "; ".join(f"{g}: {', '.join(m)}" for g, m in (rel.get(kind) or {}).items())
        out.append(f"{kind.capitalize()}: {groups or 'none'}. "
                   f"Source: {cell((rel.get('source') or {}).get(kind, ''))}")
    return out


def changed_entries(sc: dict, ref: dict, key: str) -> dict:
    """Entries of ``sc[key]`` that are new or differ from the reference scenario's."""
    mine, theirs = sc.get(key) or {}, ref.get(key) or {}
    return {k: v for k, v in mine.items() if theirs.get(k) != v}


def actor_sections(sc: dict, ref: dict | None) -> list[str]:
    """Actors, venues, events and relations: all of them, or those that differ from ``ref``."""
    out: list[str] = []
    parts = (("Countries", "countries", COUNTRY_HEAD, country_rows),
             ("Labs and institutions", "labs", LAB_HEAD, lab_rows),
             ("Venues", "venues", VENUE_HEAD, venue_rows),
             ("Events", "events", EVENT_HEAD, event_rows))
    for title, key, head, rows in parts:
        entries = sc.get(key) or {} if ref is None else changed_entries(sc, ref, key)
        if entries:
            out += ["", f"{title}{'' if ref is None else ' changed or added'}:", ""]
            out += table(head, rows(entries))
    if ref is None or sc.get("relations") != ref.get("relations"):
        out += ["", *relations_lines(sc["relations"])]
    extra = {k: v for k, v in sc.items() if k not in KNOWN_KEYS
             and (ref is None or ref.get(k) != v)}
    for k, v in extra.items():
        out += ["", f"Other input `{k}`: {cell(v)}"]
    if ref is not None and len(out) == 0:
        out = ["", "Actors, venues, events and affinities: as in the baseline."]
    return out


def scenario_section(name: str, ref_prov: dict | None, ref_sc: dict | None,
                     problems: list[str] | None = None) -> list[str]:
    """The Markdown section of one scenario; one that does not load says so (and its one-line
    error is added to ``problems``)."""
    out = ["", f"## {name}", ""]
    try:
        prov, sc = composed(name)
        chain = merge_order(name)
    except ConfigError as exc:
        line = " ".join(str(exc).split())
        if problems is not None:
            problems.append(line)
        return out + [f"Could not be loaded: {cell(line)}"]
    out.append(f"File `{display_path(scenario_file(name))}`"
               + (f", inherits {' -> '.join(chain[:-1])}." if len(chain) > 1 else "."))
    if sc.get("description"):
        out += ["", f"{cell(sc['description'])}"]
    comment = header_comment(name)
    if comment:
        out += ["", f"> {cell(comment)}"]
    is_ref = ref_prov is None
    changed = None if is_ref else {n for n, p in prov.items() if ref_prov.get(n) != p}
    intro = ("Parameters" if is_ref else
             f"Parameters (bold: differs from {REFERENCE}; {len(changed)} of {len(prov)})")
    out += ["", f"{intro}:", ""]
    out += table(["parameter", "section", "value", "range", "source"], param_rows(prov, changed))
    out += actor_sections(sc, None if is_ref else ref_sc)
    return out


def render(names: Sequence[str] | None = None, problems: list[str] | None = None) -> str:
    """The whole of docs/PARAMETERS.md as a string; the errors of scenarios that do not load
    are added to ``problems``."""
    names = list(names) if names is not None else scenario_names()
    lines = [
        "# Parameters and their provenance",
        "",
        "Generated by `aigov-provenance` (`python -m sim.report.provenance`) from the composed, "
        "validated scenarios; do not edit by hand (`tests/report/test_provenance.py` checks that "
        "it is up to date). A source cites a seed document by number (000-004, listed in "
        "[SOURCES.md](SOURCES.md)), a public fact (with its address where known), the "
        "governance_events data (`data/governance_events_2023_2024.yaml`), the literature, "
        "or says `assumption:` with a plausible range. Sections follow the policy-analysis "
        "split: levers (what governments choose), uncertainties (what nobody knows) and "
        "constants. Hard bounds of every parameter are in `sim/config/schema.py` (PARAMETERS). "
        "Events are shocks; those dated before a scenario's start month set its initial "
        "conditions.",
        "",
        "Scenarios: " + ", ".join(f"[{n}](#{n})" for n in names) + ".",
    ]
    ref_prov = ref_sc = None
    if REFERENCE in names:
        try:
            ref_prov, ref_sc = composed(REFERENCE)
        except ConfigError:
            pass
    for name in names:
        if name == REFERENCE:
            lines += scenario_section(name, None, None, problems)
        else:
            lines += scenario_section(name, ref_prov or {}, ref_sc or {}, problems)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = OneLineParser(prog="aigov-provenance", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("PARAMETERS.md"),
                    help="where to write (default: PARAMETERS.md in the current folder; the "
                         "project's copy is docs/PARAMETERS.md)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the file differs from what would be written")
    args = ap.parse_args(argv)
    problems: list[str] = []
    try:
        if not args.check:
            check_output("--out", args.out, kind="file")
        elif args.out.is_dir():
            raise ConfigError("--out", str(args.out), "is a directory; name a file")
        text = render(problems=problems)
    except ConfigError as exc:
        fail(exc)
    for line in problems:  # the rest of the library is still documented
        log.warning(f"warning: not loaded, listed as such: {line}")
    if args.check:
        try:
            current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            print(f"{args.out} is out of date; run aigov-provenance", file=sys.stderr)
            raise SystemExit(1)
        print(f"{args.out} is up to date")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, text)
    args.out.chmod(0o644)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
