"""sim.app.story: the page tells the run's own story.md, the text a command-line run writes."""

import pytest

import sim
from sim.app.engine import replay
from sim.app.story import demote, others, run_story
from sim.report.io import write_run


@pytest.fixture(scope="module")
def rep():
    return replay(sim.load_config("exclusive_club"), 0)


def test_the_page_story_is_the_story_md_of_the_same_run(rep, tmp_path):
    page = run_story(rep)
    written = write_run(sim.run(sim.load_config("exclusive_club"), seed=0).model, tmp_path,
                        figure=False)["story"].read_text(encoding="utf-8")
    assert page == demote(written)
    assert page.startswith(f"### Why this run ended in {rep.summary['outcome']}")
    # the parts a student reads: the outcome test, sessions, trust changes and their causes
    for part in ("#### Why it ended this way", "#### The sessions that mattered",
                 "#### What moved trust", "#### One possible history"):
        assert part in page
    assert "Like-minded summit series" in page and "left out" in page
    assert "being left out of the other side's meetings" in page  # the exclusion cause


def test_the_story_gives_the_shares_over_the_other_seeds(rep):
    outcomes = ["bifurcation", "fragmentation", "fragmentation"]
    rest = others(outcomes, rep.summary["seed"])
    assert rest == ["fragmentation", "fragmentation"]
    md = run_story(rep, rest)
    assert "Over a quick replicate set of 2 other seeds of the same settings" in md
    assert "fragmentation 2 of 2 (100%" in md


def test_demote_lowers_headings_only():
    assert demote("# A\n## B\ntext # not a heading\n") == "### A\n#### B\ntext # not a heading\n"
