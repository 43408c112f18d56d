"""Mean field (sim/meanfield.py): the homogeneous world's runs against the ODE path (solve_ivp),
the noisy world's runs against the exact expected map, and the pieces checked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.special import ndtr

from sim import meanfield as mfm
from sim.api import load_config
from sim.errors import ConfigError

FAST_RUNS = 60  # the band is sqrt(200/60) = 1.8 times wider than the 200-run one


@pytest.fixture(scope="module")
def world():
    """The noise-free homogeneous world (the ODE's): runs, band and ODE path."""
    run = mfm.homogeneous_run(60)
    mf = mfm.mean_field_of(run)
    sims = mfm.simulate(run, range(FAST_RUNS))
    return run, mf, sims, mfm.band(sims), mfm.ode_path(mf)


@pytest.fixture(scope="module")
def noisy():
    """The same world with the baseline's compliance noise: runs, band and the exact map."""
    run = mfm.homogeneous_run(60, noise=None)
    mf = mfm.mean_field_of(run)
    sims = mfm.simulate(run, range(FAST_RUNS))
    return mf, mfm.band(sims), mfm.expected_map(mf)


def test_runs_stay_inside_the_band_around_the_ode_path(world):
    _, mf, _, band, ode = world
    assert mf.noise == 0
    dev = mfm.deviation(band, ode)
    assert max(dev.values()) <= 1.0, dev
    assert band.runs == FAST_RUNS and band.z > 3  # simultaneous over ~60 random points
    assert np.all(band.half["trust"][1:] > 0)  # trust is random: observation is a coin


@pytest.mark.parametrize("wrong", [
    {"cosign": 0.35},         # co-signing gain mis-wired
    {"gain": 0.1},            # trust gain on verified compliance doubled
    {"verification": 0.15},   # observation probability halved
    {"rate": 0.08},           # hawkish drag on compliance forgotten
    {"tolerance": 0.7},       # compliance threshold
    {"relax": 0.03},          # relaxation toward affinity
])
def test_band_catches_a_mis_wired_ode(world, wrong):
    _, mf, _, band, _ = world
    dev = mfm.deviation(band, mfm.ode_path(dataclasses.replace(mf, **wrong)))
    assert max(dev.values()) > 1.0, (wrong, dev)


def test_band_catches_the_naive_continuous_limit(world, monkeypatch):
    """Rates equal to the monthly increments (dx/dt = r (c - x), not -ln(1 - r)) drift out."""
    _, mf, _, band, _ = world
    monkeypatch.setattr(mfm.np, "log1p", lambda x: x)
    dev = mfm.deviation(band, mfm.ode_path(mf))
    assert dev["implemented"] > 1.0, dev


def test_commitment_and_implementation_are_deterministic_and_matched_exactly(world):
    _, mf, sims, band, ode = world
    for k in ("commitment", "implemented"):
        assert np.all(band.half[k] == 0)
        assert np.allclose(sims[k], ode[k], atol=1e-9, rtol=0)
    assert ode["commitment"][0] == mf.commitment0
    assert ode["commitment"][-1] == pytest.approx(mf.depth)


def test_ode_path_is_the_expected_map_in_the_noise_free_world(world):
    _, mf, _, _, ode = world
    exact = mfm.expected_map(mf)
    assert len(ode["trust"]) == len(exact["trust"]) == mf.steps + 1
    assert np.max(np.abs(ode["trust"] - exact["trust"])) < 1e-6
    assert np.max(np.abs(ode["implemented"] - exact["implemented"])) < 0.005  # map's grid
    with pytest.raises(ConfigError):
        mfm.ode_path(dataclasses.replace(mf, noise=0.03))


def test_noisy_runs_stay_inside_the_band_around_the_exact_map(noisy):
    mf, band, exact = noisy
    assert mf.noise > 0
    dev = mfm.deviation(band, exact)
    assert max(dev.values()) <= 1.0, dev


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
    assert max(res["ode"].values()) <= 1.0, res        # the ODE path (solve_ivp)
    assert max(res["exact"].values()) <= 1.0, res      # noisy world: the exact expected map
    assert res["closure"]["trust"] > 1.0, res          # the decorrelated closure leaves it
    assert (tmp_path / "mf.png").stat().st_size > 10_000
