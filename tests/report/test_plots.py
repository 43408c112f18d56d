"""sim/report/plots.py: the run figure's session strip and numbered key."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.report.plots import (  # noqa: E402
    STRIP_LEVELS,
    VENUE_COLOURS,
    session_key,
    session_numbers,
    session_strip,
)


def _sessions():
    s = SimpleNamespace
    return [s(label="Talks", type="bilateral", month="2023-07"),
            s(label="Summit", type="summit", month="2023-08"),  # a month later: next row
            s(label="UN", type="un", month="2023-08"),
            s(label="Talks", type="bilateral", month="2024-07")]


def test_strip_numbers_stay_inside_their_axes_and_the_key_numbers_them():
    sessions = _sessions()
    numbers = session_numbers(sessions)
    assert numbers == {"Talks": 1, "Summit": 2, "UN": 3}
    fig, ax = plt.subplots()
    session_strip(ax, sessions, numbers)
    texts = ax.texts
    assert [t.get_text() for t in texts] == ["1", "2", "3", "1"]
    ys = [t.get_position()[1] for t in texts]
    assert all(0 < y < STRIP_LEVELS for y in ys)  # inside the strip, never above it
    assert len(set(ys[:3])) == 3  # crowded sessions on different rows
    key = session_key(sessions, numbers)
    assert [h.get_label() for h in key] == [" 1  Talks (bilateral)", " 2  Summit (summit)",
                                            " 3  UN (un)"]
    assert key[1].get_color() == VENUE_COLOURS["summit"]
    plt.close(fig)
