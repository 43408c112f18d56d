"""Mean field (sim/meanfield.py): the homogeneous world's runs against the exact expected map,
the ODE against the map, and the pieces (kernel, scenario) checked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.special import ndtr

from sim import meanfield as mfm
from sim.api import load_config
from sim.errors import ConfigError

FAST_RUNS = 60


@pytest.fixture(scope="module")
def world():
    run = mfm.homogeneous_run(60)
    mf = mfm.mean_field_of(run)
    sims = mfm.simulate(run, range(FAST_RUNS))
    return run, mf, sims, mfm.band(sims), mfm.expected_map(mf)


def test_runs_stay_inside_the_band_around_the_exact_map(world):
    _, _, _, band, exact = world
    dev = mfm.deviation(band, exact)
    assert max(dev.values()) <= 1.0, dev
    assert band.runs == FAST_RUNS and band.z > 3  # simultaneous over ~120 random points


@pytest.mark.parametrize("wrong", [
    {"cosign": 0.35},         # co-signing gain mis-wired
    {"gain": 0.1},            # trust gain on verified compliance doubled
    {"verification": 0.15},   # observation probability halved
    {"rate": 0.08},           # hawkish drag on compliance forgotten
    {"tolerance": 0.7},       # compliance threshold
])
def test_band_catches_a_mis_wired_mean_field(world, wrong):
    _, mf, _, band, _ = world
    dev = mfm.deviation(band, mfm.expected_map(dataclasses.replace(mf, **wrong)))
    assert max(dev.values()) > 1.0, (wrong, dev)


def test_commitment_is_deterministic_and_matched_exactly(world):
    _, mf, sims, band, exact = world
    assert np.all(band.half["commitment"] == 0)
    assert np.allclose(sims["commitment"], exact["commitment"], atol=1e-12)
    assert exact["commitment"][0] == mf.commitment0
    assert exact["commitment"][-1] == pytest.approx(mf.depth)


def test_ode_is_close_to_the_map_but_misses_the_correlation(world):
    _, mf, _, _, exact = world
    ode = mfm.ode_path(mf)
    assert len(ode["trust"]) == len(exact["trust"]) == mf.steps + 1
    gap = {k: float(np.max(np.abs(ode[k] - exact[k]))) for k in mfm.OBS}
    assert gap["commitment"] == 0.0
    assert gap["implemented"] < 0.005   # linear mean dynamics, small clipping effect
    assert 0.005 < gap["trust"] < 0.05  # the trust-compliance correlation the ODE drops


def test_mean_field_reads_session_months_and_depth(world):
    run, mf, _, _, _ = world
    assert mf.sessions == (0, 12, 24, 36, 48)
    p = run.scenario.params
    c = run.scenario.countries[0]
    assert mf.depth == pytest.approx(min(0.3, c.risk_concern * (1 - p["hawk_depth_drag"]
                                                                 * c.hawkishness)))
    assert mf.rate == pytest.approx(p["compliance_rate"] * (1 - p["hawk_drag"] * c.hawkishness))


def test_kernel_rows_are_the_clipped_gaussian_step():
    grid = np.linspace(0, 1, 1001)
    k = mfm.kernel(grid, rate=0.1, target=0.3, noise=0.03)
    assert np.allclose(k.sum(axis=1), 1.0)
    row = k[0]  # from I = 0: mean 0.03, about 16% of the mass clipped to 0
    h = grid[1] - grid[0]
    assert row[0] == pytest.approx(ndtr((h / 2 - 0.03) / 0.03), abs=1e-12)
    mean_clipped = 0.03 * ndtr(1.0) + 0.03 * np.exp(-0.5) / np.sqrt(2 * np.pi)  # E[max(X, 0)]
    assert grid @ row == pytest.approx(mean_clipped, abs=1e-5)
    assert mfm.complied_share(grid, 0.2405)[240] == pytest.approx(0.0)
    assert mfm.complied_share(grid, 0.2400)[240] == pytest.approx(0.5)


def test_mean_field_refuses_a_heterogeneous_world():
    with pytest.raises(ConfigError):
        mfm.mean_field_of(load_config("baseline"))


def test_cli_rejects_too_few_runs(capsys):
    with pytest.raises(SystemExit) as exc:
        mfm.main(["--runs", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "runs" in err


@pytest.mark.slow
def test_two_hundred_runs_stay_inside_the_band(tmp_path, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("full-size version: select with -m slow")
    res = mfm.check(runs=200, figure_path=tmp_path / "mf.png")
    assert max(res["exact"].values()) <= 1.0, res
    assert (tmp_path / "mf.png").stat().st_size > 10_000
