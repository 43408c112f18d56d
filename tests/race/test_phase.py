"""The (s, p_r) phase diagram: grid values and the figure file."""

from __future__ import annotations

import numpy as np
import pytest

from sim.race import game, phase
from sim.race.evolution import stationary_share_au


def test_grid_spans_the_paper_ranges_and_holds_stationary_shares():
    s, p_r, share = phase.phase_grid(4, 1, 1e4, 100, 100, 0.01, grid=9)
    assert s[0] == 1 and s[-1] == 5 and p_r[0] == 0 and p_r[-1] == 1
    assert share.shape == (9, 9)
    assert share[3, 2] == pytest.approx(
        stationary_share_au(4, 1, 1e4, 100, s[2], p_r[3], 100, 0.01)
    )
    assert np.all(np.diff(share, axis=0) <= 1e-12)  # AU falls as disasters get likelier


def test_closed_form_fallback_gives_the_same_grid(monkeypatch):
    general = phase.phase_grid(4, 1, 1e4, 1e4, 100, 0.1, grid=11)[2]
    monkeypatch.setattr(phase, "_GENERAL_SOLVER_BUDGET", 0)
    closed = phase.phase_grid(4, 1, 1e4, 1e4, 100, 0.1, grid=11)[2]
    np.testing.assert_allclose(closed, general, rtol=1e-9, atol=1e-300)


def test_dilemma_zone_shows_unsafe_play_where_safety_is_better():
    s, p_r, share = phase.phase_grid(4, 1, 1e4, 100, 100, 0.01, grid=41)
    inside = (p_r[:, None] > game.threshold_welfare(4, 1, 1e4, 100, s)[None, :]) & (
        p_r[:, None] < game.threshold_risk_dominance(4, 1, 1e4, 100, s)[None, :] - 0.05
    )
    assert inside.sum() > 100
    assert share[inside].min() > 0.99


def test_figure_is_written_atomically(tmp_path):
    out = phase.draw_phase_diagram(tmp_path / "pd.svg", 4, 1, 1e4, 100, 100, 0.01, grid=11)
    assert out == tmp_path / "pd.svg"
    text = out.read_text()
    assert "dilemma zone" in text and "1 - 1/(3s)" in text
    assert [p.name for p in tmp_path.iterdir()] == ["pd.svg"]
