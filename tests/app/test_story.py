"""sim.app.story: the run's story follows the model's own outcome basis and ledger."""

import numpy as np
import pytest

import sim
from sim.app import stats
from sim.app.engine import replay
from sim.app.story import outcome_test, run_story, trust_changes


@pytest.fixture(scope="module")
def rep():
    return replay(sim.load_config("exclusive_club"), 0)


def test_outcome_test_states_each_condition_with_value_and_threshold(rep):
    lines = outcome_test(rep)
    text = "\n".join(lines)
    assert f"Outcome: {rep.summary['outcome']}" in text
    test = rep.summary["outcome_test"]
    assert len([x for x in lines if x.startswith("- ")]) == len(test)
    for c in test:  # each condition with the model's own value and threshold
        if c["relation"] != "is":
            assert f"{c['value']:.3f} (needs" in text and f"{c['threshold']:g})" in text
    # the ticks agree with the model's decision
    bif = [x for x in lines[lines.index("Bifurcation needs all of:"):] if x.startswith("- ")]
    assert all(x.startswith("- ✔") for x in bif) == (rep.summary["outcome"] == "bifurcation")


def test_trust_changes_sum_their_causes(rep):
    lines = trust_changes(rep)
    assert len(lines) == 5
    first = lines[0]
    name_i = first[2:first.index("'s trust")]
    name_j = first[first.index(" in ") + 4:first.index(":")]
    i, j = rep.model.country_index[name_i], rep.model.country_index[name_j]
    change = rep.trust[-1, i, j] - rep.trust[0, i, j]
    assert f"({change:+.2f})" in first
    total = np.abs(rep.trust[-1] - rep.trust[0])
    np.fill_diagonal(total, 0)
    assert abs(change) == pytest.approx(total.max())


def test_story_names_sessions_and_the_seed_shares(rep):
    shares = stats.outcome_shares(["bifurcation", "fragmentation"])
    md = run_story(rep, shares)
    assert "Sessions that mattered" in md and "Like-minded summit series" in md
    assert "not invited: China" in md or "not invited: Brazil, China" in md or "China" in md
    assert "One run is one possible history. Over 2 seeds" in md
