"""sim.app.save: a comparison goes to a new or empty folder, never over another."""

import json

import pandas as pd
import pytest

import sim
from sim.app import save
from sim.app.engine import Engine
from sim.errors import ConfigError


@pytest.fixture(scope="module")
def sets():
    eng = Engine(jobs=1)
    a = eng.seeds(sim.load_config("baseline", ["steps=6"]), 3)
    b = eng.seeds(sim.load_config("exclusive_club", ["steps=6"]), 3)
    return b, a


def test_save_writes_every_file(tmp_path, sets):
    out = save.save_comparison(tmp_path / "cmp", *sets, ("baseline", "exclusive_club"),
                               {"run": "aigov scenario=exclusive_club seed=0"},
                               {"scenario": "exclusive_club", "overrides": []})
    assert sorted(p.name for p in out.iterdir()) == sorted(save.FILES)
    oc = pd.read_csv(out / "outcomes.csv")
    assert set(oc["scenario"]) == {"baseline", "exclusive_club"}
    assert oc.groupby("scenario")["count"].sum().tolist() == [3, 3]
    assert json.loads((out / "settings.json").read_text())["seeds"] == 3
    assert (out / "shares.png").read_bytes()[:4] == b"\x89PNG"


def test_save_never_overwrites(tmp_path, sets):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep")
    with pytest.raises(ConfigError, match="not empty"):
        save.save_comparison(taken, *sets, ("baseline", "exclusive_club"), {}, {})
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    with pytest.raises(ConfigError, match="give a folder"):
        save.check_folder("  ")
