"""Provenance: every value of every scenario says where it comes from, every seed it cites
exists, and docs/PARAMETERS.md is what `aigov-provenance` would write now."""

from __future__ import annotations

import re
from functools import cache

import pytest

from sim.config import COUNTRY_FIELDS, LAB_FIELDS, LIBRARY, ROOT, load_scenario
from sim.errors import ConfigError
from sim.report.provenance import DOC, render, scenario_names

SOURCES_MD = ROOT / "docs" / "SOURCES.md"
SEED_FILE = re.compile(r"\b(0\d\d)_[0-9a-f]{16}\.txt\b")
SEED_ID = re.compile(r"(?<![\w.-])(0\d\d)(?![\w.-]|\.\d)")
EVENTS_REF = re.compile(r"governance_events data \(([a-z0-9_]+)\)")
# What a source may be: a seed, a public fact, the governance_events data, the literature (a
# year), or an assumption.
KINDS = re.compile(r"\b0\d\d\b|public fact|governance_events data|\b(19|20)\d\d\b|"
                   r"assumption", re.IGNORECASE)


@cache
def composed(name: str):
    run = load_scenario(name)
    return run.scenario.provenance, run.raw["scenario"]


def loadable(name: str):
    """The scenario's (provenance, composed dict); a scenario outside the library that does not
    load is its owner's concern and is skipped here."""
    try:
        return composed(name)
    except ConfigError as exc:
        if name in LIBRARY:
            raise
        pytest.skip(f"{name} does not load: {exc}")


def all_sources(prov: dict, sc: dict) -> list[tuple[str, str]]:
    """(where, source text) for every value of a composed scenario."""
    out = [(f"{p['section']}.{n}", p["source"]) for n, p in prov.items()]
    for kind, fields in (("countries", COUNTRY_FIELDS + ("bloc", "legitimacy")),
                         ("labs", LAB_FIELDS + ("home",))):
        for name, actor in (sc.get(kind) or {}).items():
            src = actor.get("source") or {}
            for f in fields:
                out.append((f"{kind}.{name}.{f}", src.get(f, src.get("*"))))
    for kind in ("venues", "events"):
        for name, item in (sc.get(kind) or {}).items():
            out.append((f"{kind}.{name}", item.get("source")))
    rel = (sc.get("relations") or {}).get("source") or {}
    out += [(f"relations.{k}", rel.get(k)) for k in ("alliances", "partnerships")]
    if sc.get("counter_forum"):
        out.append(("counter_forum", sc["counter_forum"].get("source")))
    return out


def seeds_listed() -> set[str]:
    return {m.group(1) for m in SEED_FILE.finditer(SOURCES_MD.read_text(encoding="utf-8"))}


def cited_seeds(text: str) -> set[str]:
    return {m.group(1) for m in SEED_ID.finditer(text)} | {
        m.group(1) for m in SEED_FILE.finditer(text)}


def test_sources_md_lists_the_five_seeds():
    assert seeds_listed() == {"000", "001", "002", "003", "004"}


def test_seed_citations_are_recognised():
    assert cited_seeds("000/001/002: x (003), 004: y; see 001_2ef98160664c6585.txt") == {
        "000", "001", "002", "003", "004"}
    assert cited_seeds("0.05, 2023-07, A/RES/78/265, 10^4, Section 301, range 0.1-0.2") == set()


@pytest.mark.parametrize("name", scenario_names())
def test_every_value_has_a_source(name):
    prov, sc = loadable(name)
    for where, source in all_sources(prov, sc):
        assert isinstance(source, str) and source.strip(), f"{name}: {where} has no source"
        assert source != "override: command line", f"{name}: {where}"


@pytest.mark.parametrize("name", LIBRARY)
def test_library_sources_say_what_kind_of_source_they_are(name):
    prov, sc = loadable(name)
    for where, source in all_sources(prov, sc):
        assert KINDS.search(source), f"{name}: {where}: {source!r} cites no kind of source"


@pytest.mark.parametrize("name", LIBRARY)
def test_assumed_parameters_declare_a_range(name):
    prov, _ = loadable(name)
    for pname, p in prov.items():
        if p["source"].lower().startswith("assumption"):
            assert p["range"] is not None, f"{name}: {pname} is an assumption without a range"


@pytest.mark.parametrize("name", scenario_names())
def test_cited_seeds_and_data_entries_exist(name):
    prov, sc = loadable(name)
    listed = seeds_listed()
    sources_md = SOURCES_MD.read_text(encoding="utf-8")
    for where, source in all_sources(prov, sc):
        missing = cited_seeds(source) - listed
        assert not missing, f"{name}: {where} cites unknown seed(s) {sorted(missing)}"
        for entry in EVENTS_REF.findall(source):
            assert f"| {entry} |" in sources_md, f"{name}: {where} cites unknown entry {entry}"


def test_parameters_md_is_up_to_date():
    assert DOC.exists(), "run aigov-provenance"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/PARAMETERS.md is out of date: run aigov-provenance")


def test_parameters_md_has_a_table_per_scenario():
    text = render(["baseline", "exclusive_club"])
    for name in ("baseline", "exclusive_club"):
        assert f"\n## {name}\n" in text
    assert text.count("| parameter | section | value | range | source |") == 2
    assert "| summit_series | summit | United Kingdom |" in text.split("## exclusive_club")[1]
    assert "| **" not in text.split("## exclusive_club")[1], "exclusive_club changes no parameter"
