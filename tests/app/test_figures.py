"""sim.app.figures: figures updated in place draw what changed, and only that."""

import numpy as np
import pytest

import sim
from sim.app import figures, run_figure, stats
from sim.app.engine import SeedSet, replay
from sim.model.metrics import OBSERVABLES

NAMES = ("baseline", "exclusive_club")


def seed_set(tag: str, level: float) -> SeedSet:
    rng = np.random.default_rng(len(tag))
    series = (level + 0.1 * rng.random((8, 13, len(stats.MEASURES)))).astype(np.float32)
    outcomes = tuple(["bifurcation"] * 5 + ["fragmentation"] * 3) if level < 0.5 else \
        tuple(["cooperation"] * 6 + ["fragmentation"] * 2)
    return SeedSet(tag, series, np.zeros((8, len(OBSERVABLES))), np.zeros((8, 7)), outcomes,
                   (2023, 6))


def test_a_kept_drawer_draws_what_a_new_one_draws():
    ref, low, high = seed_set("ref", 0.2), seed_set("low", 0.3), seed_set("high", 0.6)
    kept = figures.Drawer(stats.MEASURES)
    kept.prepare(ref, NAMES)
    first = kept.draw(low, ref, NAMES)
    second = kept.draw(high, ref, NAMES)
    assert first[0][:4] == b"\x89PNG" and first != second  # the what-if moved
    fresh = figures.Drawer(stats.MEASURES)
    assert fresh.draw(high, ref, NAMES) == second  # updating in place leaves nothing behind
    assert kept.draw(low, ref, NAMES) == first
    # another reference or other names redraw the background
    assert kept.draw(low, ref, ("un_led", "exclusive_club")) != first


def test_levels_above_one_widen_the_axis():
    ref = seed_set("ref", 0.2)
    big = SeedSet("big", ref.series * 6, ref.finals, ref.ledger, ref.outcomes, ref.start)
    fig = figures.BandsFigure(stats.MEASURES).update(big, ref, NAMES)
    assert fig.axes[0].get_ylim()[1] == pytest.approx(float(big.bands[2][:, 0].max()))
    assert figures.BandsFigure(stats.MEASURES).update(ref, ref, NAMES).axes[0].get_ylim() == \
        (0.0, 1.0)


def test_the_run_figure_follows_the_month():
    rep = replay(sim.load_config("exclusive_club", ["steps=12"]), 0)
    fig = run_figure.RunFigure(rep)
    pngs = [fig.show(k).png() for k in (0, 6, 12, 6)]
    assert pngs[1] != pngs[0] and pngs[1] == pngs[3]
    assert fig.title.get_text().endswith("(month 6 of 12)")
    assert pngs[0] == run_figure.run_figure(rep, 0).png()


def test_stagger_keeps_labels_on_one_level_apart():
    x = np.array([0.0, 0.05, 0.1, 0.9, 0.12, -1.0])
    widths = np.full(6, 0.2)
    level = run_figure.stagger(x, widths, gap=0.01, levels=6)
    for k in np.unique(level):
        on = np.sort(x[level == k])
        assert np.all(np.diff(on) >= 0.2 + 0.01)  # neighbours on a level do not overlap
    assert level[5] == 0 and level[3] == 0  # lone labels stay on the first level
    # more labels than levels: the level that frees first takes the extra one
    assert run_figure.stagger(np.zeros(3), np.ones(3), 0.0, 2).tolist() == [0, 1, 0]


def test_the_alignment_labels_do_not_overlap():
    rep = replay(sim.load_config("baseline", ["steps=60"]), 0)
    fig = run_figure.RunFigure(rep).show(60)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.al_labels]
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
    assert not overlaps
