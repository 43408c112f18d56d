"""The story of one run in words, for the page: the run's ``story.md``, the very text
``aigov`` writes for the same settings and seed (:func:`sim.io.story_text`, built by
:mod:`sim.report.story` from the model's own outcome basis, sessions and trust ledger), so the page
and a command-line run cannot tell different stories.

Two things differ, both of presentation: the headings are two levels lower (the story sits in
a card under the page's own headings), and the note that one run is one possible history gives
the shares over the page's other seeds of the same settings when they are at hand (where
``aigov ... replicates=N`` gives those of its quick replicate set).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.report.io import story_text

_HEADING = re.compile(r"^(#{1,4}) ", flags=re.MULTILINE)


def demote(markdown: str, levels: int = 2) -> str:
    """Markdown with every heading ``levels`` levels lower (``# A`` -> ``### A``)."""
    return _HEADING.sub(lambda m: "#" * (len(m.group(1)) + levels) + " ", markdown)


def others(outcomes: Sequence[str], seed: int) -> list[str]:
    """The outcomes of seeds 0..n-1 other than ``seed``: the runs the story compares with."""
    return [oc for k, oc in enumerate(outcomes) if k != seed]


def run_story(replay, replicates: Sequence[str] | None = None) -> str:
    """The run's ``story.md`` (:func:`sim.io.story_text` of the replayed model), headings
    demoted; ``replicates``: outcomes of other seeds of the same settings, for the shares."""
    text = story_text(replay.model, replay.summary, replay.sessions, replay.ledger,
                      replicates=list(replicates) if replicates else None)
    return demote(text)
