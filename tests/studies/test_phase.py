"""Phase diagrams: grids over two config paths (names with spaces), shares per outcome."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.studies.phase import (
    grid_position,
    main,
    phase_figure,
    phase_table,
    plain_label,
    scenario_point,
    short_label,
)
from sim.studies.sweep import OUTCOMES, replicate_seeds

US = "scenario.countries.'United States'.hawkishness"


def test_phase_table_shares_and_cells():
    cells, res = phase_table("scenario.uncertainties.trust_gain=0.01,0.15",
                             f"{US}=0.3,1.0", seeds=3, steps=12, jobs=1)
    assert len(cells) == 4 and res.rows == 12 and res.failed == 0
    assert list(zip(cells["x"], cells["y"], strict=True)) == [(0.01, 0.3), (0.15, 0.3),
                                                              (0.01, 1.0), (0.15, 1.0)]
    shares = cells[[f"share_{o}" for o in OUTCOMES]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    assert (cells["runs"] == 3).all()
    # a cell is what a single run with those values and that seed gives
    t = res.table
    rec = t[(t["point"] == 3) & (t["replicate"] == 1)].iloc[0]
    single = sim.run("baseline", ["scenario.uncertainties.trust_gain=0.15",
                                  "scenario.countries={United States: {hawkishness: 1.0}}"],
                     seed=replicate_seeds(0, 3)[1], steps=12).summary
    assert rec["outcome"] == single["outcome"]
    assert rec["polarization"] == single["final"]["polarization"]


def test_phase_figure_is_a_png():
    cells = pd.DataFrame({"x": [0, 1, 0, 1], "y": [0, 0, 1, 1], "runs": 2, "failed": 0,
                          "share_cooperation": [0, 0.5, 1, 0], "share_bifurcation": 0.0,
                          "share_fragmentation": [1, 0.5, 0, 1],
                          "mean_polarization": 0.1})
    png = phase_figure(cells, "t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    wider = phase_figure(cells, "t", observable="polarization")
    assert len(wider) > len(png)


def test_short_label():
    assert short_label("scenario.countries.United States.hawkishness") == \
        "United States.hawkishness"
    assert short_label("scenario.events.us_tariffs_2024.delta") == "us_tariffs_2024.delta"


def test_phase_cli_writes_csv_and_png(tmp_path, capsys):
    main(["--x", "scenario.levers.deal_safety_threshold=0.3,0.8",
          "--y", "scenario.events.us_tariffs_2024.delta=0.0,0.6",
          "scenario.levers.safety_for_compute.value=true", "--seeds", "2", "--steps", "12",
          "-j", "1", "-q", "--out", str(tmp_path), "--name", "p"])
    assert "4 cells x 2 seeds = 8 runs (0 failed)" in capsys.readouterr().out
    cells = pd.read_csv(tmp_path / "p.csv")
    assert len(cells) == 4 and set(cells["y"]) == {0.0, 0.6}
    assert (tmp_path / "p.png").stat().st_size > 10_000


@pytest.mark.parametrize("args", [["--x", "a=1"], ["--x", "scenario.uncertainties.trust_gain=1",
                                                   "--y", "scenario.nope=1,2"],
                                  ["--x", "seed=1", "--y", "seed=2"]])
def test_phase_bad_input_is_one_line_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*args, "-q", "-j", "1"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1, err


def test_plain_label_uses_the_declared_meaning():
    from sim.config import PARAMETERS

    label = plain_label(("scenario", "uncertainties", "trust_gain")).replace("\n", " ")
    assert label == f"{PARAMETERS['trust_gain'].meaning} [trust_gain]"
    lever = plain_label("scenario.levers.deal_easing.value").replace("\n", " ")
    assert lever.startswith(PARAMETERS["deal_easing"].meaning)
    actor = plain_label(("scenario", "countries", "United States", "hawkishness"))
    assert actor.startswith("United States: hawkishness") and "[hawkishness]" in actor
    assert max(len(line) for line in actor.splitlines()) <= 42
    assert plain_label("scenario.events.us_tariffs_2024.delta") == "us_tariffs_2024.delta"


def test_scenario_point_and_grid_position():
    assert scenario_point("baseline", ("scenario", "uncertainties", "trust_gain")) == \
        sim.load_config("baseline").scenario.params["trust_gain"]
    assert scenario_point("baseline", ("scenario", "countries", "United States",
                                       "hawkishness")) == 0.7
    assert scenario_point("baseline", ("scenario", "levers", "safety_for_compute")) is None
    assert scenario_point("baseline", ("scenario", "nope")) is None
    assert grid_position([0.0, 0.5, 1.0], 0.75) == pytest.approx(1.5)
    assert grid_position([0.0, 0.5, 1.0], 2.0) is None  # outside the grid
    assert grid_position(["a", "b"], 0.5) is None
    assert grid_position([1.0, 0.0], 0.5) is None  # not ascending


def test_phase_figure_marks_the_scenario_values():
    cells = pd.DataFrame({"x": [0, 1, 0, 1], "y": [0, 0, 1, 1], "runs": 2, "failed": 0,
                          "share_cooperation": [0, 0.5, 1, 0], "share_bifurcation": 0.0,
                          "share_fragmentation": [1, 0.5, 0, 1]})
    plain = phase_figure(cells, "t")
    cells.attrs.update(x_base=0.4, y_base=0.6, scenario="baseline")
    marked = phase_figure(cells, "t")
    assert marked != plain and marked[:4] == b"\x89PNG"
