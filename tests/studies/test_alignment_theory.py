"""Alignment against its Curie-Weiss mean field (sim/studies/alignment_theory/): the theory by
hand, the alignment layer (pure functions, many seeds) and the full model in homogeneous and
two-community worlds, the critical point, and the command."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy.special import ndtri

from sim.errors import ConfigError
from sim.model.mechanisms import alignment as align_m
from sim.studies import alignment_theory as at

RATE, NOISE = 0.1, 0.02
LAYER = {"n": 50, "rate": RATE, "noise": NOISE}


def familywise(k: int, level: float = 0.95) -> float:
    """Confidence level of each of k comparisons for a familywise level (Bonferroni): a test
    making k comparisons on fixed seeds fails by chance with probability 1 - level at most."""
    return 1.0 - (1.0 - level) / k


def map_critical(m0: float, months: int) -> float:
    """The growth-factor estimator applied to the noise-free map: its own bias (cubic term)."""
    mus = [(at.map_path(m0, bj, RATE, months)[-1] / m0) ** (1 / months)
           for bj in at.CRITICAL_SWEEP]
    return at.estimate_critical(at.CRITICAL_SWEEP, mus, [1.0] * len(mus)).beta_j


# ---------------------------------------------------------------------------------------------
# theory by hand


def test_spontaneous_m_hand_values():
    assert at.spontaneous_m(2.0) == pytest.approx(0.9575040240772687, abs=1e-12)
    assert at.spontaneous_m(1.5) == pytest.approx(0.8585596366401105, abs=1e-12)
    for bj in (0.0, 0.5, 1.0):
        assert at.spontaneous_m(bj) == 0.0
    for bj in (1.0 + 1e-9, 1.001, 1.3, 4.0, 20.0):  # a root of m = tanh(beta J m), in (0, 1]
        m = at.spontaneous_m(bj)
        assert 0 < m <= 1 and m == pytest.approx(np.tanh(bj * m), abs=1e-14)
    eps = 1e-4  # near the critical point m*^2 = 3 eps (1 - O(eps))
    assert at.spontaneous_m(1 + eps) ** 2 / (3 * eps) == pytest.approx(1.0, abs=3e-4)
    with pytest.raises(ValueError):
        at.spontaneous_m(-1.0)


def test_self_consistent_solutions_and_stability():
    three = at.self_consistent(beta=10.0, j=0.2)  # beta J = 2, no field
    assert [round(f.m, 12) for f in three] == [-0.957504024077, 0.0, 0.957504024077]
    assert [f.stable for f in three] == [True, False, True]
    (only,) = at.self_consistent(beta=1.0, j=0.0, h=0.5)  # no coupling: m = tanh(beta h)
    assert only.m == pytest.approx(np.tanh(0.5), abs=1e-13) and only.stable
    tilted = at.self_consistent(beta=10.0, j=0.2, h=0.01)  # a small field favours +
    assert len(tilted) == 3 and [f.stable for f in tilted] == [True, False, True]
    assert tilted[2].m > at.spontaneous_m(2.0) > -tilted[0].m
    assert len(at.self_consistent(beta=10.0, j=0.2, h=0.1)) == 1  # beyond the spinodal
    (anti,) = at.self_consistent(beta=10.0, j=-0.2, h=0.05)  # repulsion: one solution
    assert anti.stable
    for roots, j, h in ((three, 0.2, 0.0), (tilted, 0.2, 0.01), ((anti,), -0.2, 0.05)):
        for f in roots:
            assert f.m == pytest.approx(np.tanh(10.0 * (j * f.m + h)), abs=1e-12)


def test_critical_beta_is_one_over_the_top_eigenvalue():
    n, j = 10, 0.2
    xi = at.communities(n, 2)
    homog = j * (np.ones((n, n)) - np.eye(n))
    stagger = j * np.outer(xi, xi) * (1 - np.eye(n))
    assert at.critical_beta(homog, np.ones(n)) == pytest.approx(1 / j, rel=1e-12)
    assert at.critical_beta(stagger, np.ones(n)) == pytest.approx(1 / j, rel=1e-12)
    # all pairs repelling: the zero-sum modes have eigenvalue J / (N - 1) (frustration)
    assert at.critical_beta(-homog, np.ones(n)) == pytest.approx((n - 1) / j, rel=1e-12)
    assert at.critical_beta(np.zeros((n, n)), np.ones(n)) == np.inf
    rng = np.random.default_rng(3)  # unequal sizes, mixed signs
    cap = rng.uniform(0.1, 5.0, n)
    jm = rng.normal(0.1, 0.3, (n, n))
    jm = (jm + jm.T) / 2
    np.fill_diagonal(jm, 0.0)
    w = align_m.size_weights(cap) * jm
    beta_c = at.critical_beta(jm, cap)
    assert beta_c == pytest.approx(1 / np.max(np.linalg.eigvals(w).real), rel=1e-10)
    # the noise-free layer: a small push along the top mode grows above beta_c, decays below
    vals, vecs = np.linalg.eig(w)
    mode = vecs[:, np.argmax(vals.real)].real * 1e-4
    for factor, grows in ((1.05, True), (0.95, False)):
        a = mode.copy()
        for _ in range(200):
            a = align_m.update_alignment(a, align_m.field(jm, cap, a), factor * beta_c, RATE,
                                         np.zeros(n))
        assert bool(np.linalg.norm(a) > np.linalg.norm(mode)) == grows


def test_ode_map_and_their_fixed_points():
    for bj, m0 in ((0.7, 0.5), (1.5, 0.05), (2.0, -0.3)):
        ode = at.ode_path(m0, bj, RATE, 400)
        target = np.sign(m0) * at.spontaneous_m(bj)
        assert ode[-1] == pytest.approx(target, abs=1e-5)  # same fixed points ...
        assert at.map_path(m0, bj, RATE, 400)[-1] == pytest.approx(target, abs=1e-5)
        monthly = at.ode_path(m0, bj, RATE, 60, monthly=True)  # ... and the exact monthly ODE
        assert np.max(np.abs(monthly - at.map_path(m0, bj, RATE, 60))) < 1e-10
    gap = np.max(np.abs(at.ode_path(0.05, 1.5, RATE, 120) - at.map_path(0.05, 1.5, RATE, 120)))
    assert 0.005 < gap < 0.02  # the continuous ODE's transient differs by O(rate)


def test_clipped_mean_field_by_hand():
    assert at.clipped_stationary_mean(0.3, RATE, 0.0) == 0.3
    assert at.clipped_stationary_mean(0.3, RATE, NOISE) == pytest.approx(0.3, abs=1e-4)  # far
    assert at.clipped_stationary_mean(0.98, RATE, NOISE) < 0.97  # the clip bites near 1
    assert at.noisy_m(2.0, RATE, 0.0) == at.spontaneous_m(2.0)
    assert at.noisy_m(1.5, RATE, NOISE) == pytest.approx(at.spontaneous_m(1.5), abs=5e-4)
    assert at.spontaneous_m(2.0) - at.noisy_m(2.0, RATE, NOISE) > 0.01
    assert at.noisy_m(0.9, RATE, NOISE) == 0.0
    # the floor below the critical point: linear AR(1) of the mean of N shocks
    mu = 1 - RATE * 0.3
    assert at.fluctuation_sd(0.7, RATE, NOISE, 50) == pytest.approx(
        NOISE / np.sqrt(50 * (1 - mu ** 2)), rel=1e-12)
    assert at.fluctuation_sd(1.0, RATE, NOISE, 50) == np.inf


# ---------------------------------------------------------------------------------------------
# the layer alone (pure functions)


def test_field_reads_many_runs_at_once():
    rng = np.random.default_rng(0)
    n, s = 12, 5
    jm = rng.normal(0, 0.2, (n, n))
    jm = (jm + jm.T) / 2
    np.fill_diagonal(jm, 0.0)
    cap = np.ones(n)
    a = rng.uniform(-1, 1, (n, s))
    together = align_m.field(jm, cap[:, None], a)
    for k in range(s):
        assert np.allclose(together[:, k], align_m.field(jm, cap, a[:, k]), atol=1e-15)


@pytest.mark.parametrize("k", [1, 2])
def test_noise_free_layer_is_the_map(k):
    runs = at.simulate_layer(1.5, m0=0.5, months=80, seeds=3, k=k, n=20, rate=RATE, noise=0.0)
    assert np.max(np.abs(runs.m - at.map_path(0.5, 1.5, RATE, 80))) < 1e-12
    assert np.allclose(runs.mean_abs, at.map_path(0.5, 1.5, RATE, 80), atol=1e-12)
    assert runs.final_m.shape == (3,) and runs.final.shape == (3, 20)
    if k == 2:  # two camps at +-m, mirror images
        assert np.allclose(runs.camps()[:, 0], -runs.camps()[:, 1], atol=1e-12)


@pytest.mark.parametrize("bj, m0", [(1.5, 0.05), (1.5, 0.5), (0.7, 0.5)])
def test_layer_follows_the_map_inside_the_band(bj, m0):
    runs = at.simulate_layer(bj, m0=m0, months=120, seeds=200, **LAYER)
    assert at.deviation(runs, at.map_path(m0, bj, RATE, 120)) <= 1.0
    assert at.deviation(runs, at.ode_path(m0, bj, RATE, 120, monthly=True)) <= 1.0
    assert at.deviation(runs, at.map_path(m0, bj, RATE * 1.2, 120)) > 1.0  # rate mis-wired
    assert at.deviation(runs, at.map_path(m0, bj * 1.1, RATE, 120)) > 1.0  # beta mis-wired


def test_band_sees_the_continuous_odes_transient():
    """The Curie-Weiss ODE dm/dt = rate (tanh - m) is the map's continuous limit: at rate 0.1
    its transient is out of the 200-run band, the map's is not."""
    runs = at.simulate_layer(1.5, m0=0.05, months=120, seeds=200, **LAYER)
    assert at.deviation(runs, at.ode_path(0.05, 1.5, RATE, 120)) > 1.0
    assert at.deviation(runs, at.map_path(0.05, 1.5, RATE, 120)) <= 1.0


@pytest.mark.parametrize("k", [1, 2])
def test_critical_point_below_one_world_above_polarized(k):
    """From a polarized start (m0 = 0.8): below the critical point the order parameter decays
    to the finite-size noise floor; above it settles at m* (at beta J = 2 the clip of the
    alignments to [-1, 1] lowers it to the noisy mean field, and the noise-free m* is out)."""
    months, tail = 300, 60
    level = familywise(3)
    for bj in (0.7, 1.5, 2.0):
        runs = at.simulate_layer(bj, m0=0.8, months=months, seeds=200, k=k, **LAYER)
        mean, half = at.mean_ci(runs.tail_abs(tail), level)
        theory = at.expected_final_abs_m(bj, RATE, NOISE, 50, 0.8, months, tail)
        assert abs(mean - theory) <= half, (bj, mean, half, theory)
        if bj < 1:
            assert mean < 0.015  # ~0: a non-aligned world
            assert theory == pytest.approx(at.expected_abs_m(bj, RATE, NOISE, 50), rel=1e-3)
        else:
            assert theory == pytest.approx(at.noisy_m(bj, RATE, NOISE), abs=1e-6)
        if bj == 1.5:
            assert abs(mean - at.spontaneous_m(bj)) <= half
        if bj == 2.0:
            assert abs(mean - at.spontaneous_m(bj)) > 10 * half


def test_two_communities_two_opposed_camps_above_one_world_below():
    runs = at.simulate_layer(1.5, m0=0.8, months=300, seeds=100, k=2, **LAYER)
    camps = runs.camps().mean(axis=0)
    ms = at.spontaneous_m(1.5)
    assert camps[0] == pytest.approx(ms, abs=0.005) and camps[1] == pytest.approx(-ms, abs=0.005)
    assert abs(runs.final.mean()) < 0.005  # the plain mean alignment: the camps cancel
    below = at.simulate_layer(0.7, m0=0.8, months=300, seeds=100, k=2, **LAYER)
    assert np.all(np.abs(below.camps().mean(axis=0)) < 0.01)  # one non-aligned world
    assert at.mean_ci(below.tail_abs(60))[0] < 0.015


@pytest.mark.parametrize("k", [1, 2])
def test_growth_factors_put_the_critical_point_at_one(k):
    mus, ses = [], []
    for i, bj in enumerate(at.CRITICAL_SWEEP):  # independent seeds per point
        runs = at.simulate_layer(bj, m0=0.05, months=20, seeds=300, k=k, seed=1 + i, **LAYER)
        mu, se = at.growth_factor(runs, 20)
        mus.append(mu)
        ses.append(se)
    crit = at.estimate_critical(at.CRITICAL_SWEEP, mus, ses)
    bias = map_critical(0.05, 20) - 1.0
    assert 0 < bias < 0.003  # the estimator reads the cubic term as a slightly later onset
    z = float(ndtri(0.5 + familywise(2) / 2))
    assert abs(crit.beta_j - 1.0 - bias) <= z * crit.se and crit.se < 0.01, crit
    assert crit.slope == pytest.approx(RATE, abs=z * crit.slope_se)  # mu = 1 + rate (bJ - 1)


# ---------------------------------------------------------------------------------------------
# the full model


@pytest.mark.parametrize("k", [1, 2])
def test_noise_free_model_is_the_map_and_trust_is_frozen(k):
    run = at.model_run(1.5, months=60, k=k, noise=0.0)
    runs = at.simulate_model(run, m0=0.5, seeds=1)
    assert runs.beta_j == pytest.approx(1.5, rel=1e-12) and runs.trust_change == 0.0
    assert np.max(np.abs(runs.m[0] - at.map_path(0.5, 1.5, RATE, 60))) < 1e-12
    sc = run.scenario
    assert not sc.venues and not sc.events and not sc.labs and not sc.alliances
    assert {c.un_ideal_point for c in sc.countries} == ({0.0} if k == 1 else {-2.0, 2.0})


@pytest.mark.parametrize("k", [1, 2])
def test_model_follows_the_map_inside_the_band(k):
    run = at.model_run(1.5, months=80, k=k)
    runs = at.simulate_model(run, m0=0.5, seeds=10)
    assert runs.trust_change == 0.0
    assert at.deviation(runs, at.map_path(0.5, 1.5, RATE, 80)) <= 1.0
    camps = runs.camps().mean(axis=0)
    sign = 1.0 if k == 1 else -1.0
    assert camps[0] == pytest.approx(0.858, abs=0.02)
    assert camps[1] == pytest.approx(sign * 0.858, abs=0.02)


def test_model_below_the_critical_point_is_one_world():
    run = at.model_run(0.7, months=150)
    runs = at.simulate_model(run, m0=0.8, seeds=8)
    mean, half = at.mean_ci(runs.tail_abs(40))
    theory = at.expected_final_abs_m(0.7, RATE, NOISE, 20, 0.8, 150, 40)
    assert abs(mean - theory) <= half and mean < 0.03, (mean, half, theory)


def test_world_of_refuses_a_world_that_is_not_homogeneous(baseline_run):
    from sim.model.model import GovernanceModel

    with pytest.raises(ConfigError):
        at.world_of(GovernanceModel(baseline_run))
    with pytest.raises(ConfigError):
        at.communities(5, 2)
    with pytest.raises(ConfigError):
        at.simulate_layer(1.5, j=0.5)


# ---------------------------------------------------------------------------------------------
# the bifurcation sweep and the command


FAST_SWEEP = at.SweepSettings(beta_js=(0.7, 1.5, 2.5), model_beta_js=(1.5,), seeds=40,
                              model_seeds=4, months=200, model_months=100, tail=40,
                              critical_seeds=150, model_critical_seeds=0)


def _check_sweep(rows):
    """Every simulated point inside its CI around the theory for its N and horizon, and every
    critical-point estimate within its CI of the estimator's value on the noise-free map, both
    with Bonferroni over the comparisons of the sweep."""
    gaps = at.agreement(rows)
    crits = [r for r in rows if r["quantity"] == "critical_beta_j"
             and r["source"] in ("layer", "model")]
    z = float(ndtri(0.5 + familywise(len(gaps) + len(crits)) / 2))
    z95 = float(ndtri(0.975))
    assert gaps and all(g["gap"] <= z / z95 for g in gaps), gaps
    for world in at.WORLDS:
        by = {r["source"]: r for r in rows
              if r["world"] == world and r["quantity"] == "critical_beta_j"}
        assert by["theory"]["value"] == 1.0 and abs(by["map"]["value"] - 1.0) < 0.003
        for source in ("layer", "model"):
            if source in by:
                se = (by[source]["ci_high"] - by[source]["value"]) / z95
                assert abs(by[source]["value"] - by["map"]["value"]) <= z * se, by


def test_bifurcation_sweep_fast():
    """The fast version of the bifurcation study (the full one is marked slow)."""
    rows = at.sweep(FAST_SWEEP)
    _check_sweep(rows)
    text = at.csv_text(rows)
    assert text.splitlines()[0] == "world,source,quantity,beta_j,value,ci_low,ci_high,runs,n,months"


@pytest.mark.slow
def test_bifurcation_sweep_full(request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("full-size version: select with -m slow")
    _check_sweep(at.sweep(at.SweepSettings()))


@pytest.mark.parametrize("argv, words", [
    (["--seeds", "1"], "seeds"),
    (["--beta-j", "abc"], "beta-j"),
    (["--beta-j", "0,1.5"], "beta-j"),
    (["--tail", "500", "--months", "100"], "tail"),
])
def test_cli_rejects_bad_input_in_one_line(tmp_path, capsys, argv, words):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        at.main(["--out", str(out), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and words in err
    assert not out.exists()


def test_cli_rejects_a_file_as_out(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit) as exc:
        at.main(["--out", str(f), "--seeds", "2"])
    assert exc.value.code == 2 and "not a directory" in capsys.readouterr().err
    assert f.read_text() == "x"


def test_cli_writes_the_figure_and_the_numbers(tmp_path):
    out = tmp_path / "fig"
    at.main(["--out", str(out), "--seeds", "4", "--model-seeds", "0", "--months", "30",
             "--tail", "10", "--beta-j", "0.7,1.2", "--critical-seeds", "10",
             "--model-critical-seeds", "0"])  # the model's rows: test_bifurcation_sweep_fast
    assert (out / at.FIGURE_NAME).stat().st_size > 20_000
    rows = list(csv.DictReader((out / at.CSV_NAME).open()))
    assert {r["source"] for r in rows} == {"theory", "layer", "map"}
    assert {r["world"] for r in rows} == set(at.WORLDS)
    assert sorted(p.name for p in out.iterdir()) == sorted([at.FIGURE_NAME, at.CSV_NAME])
