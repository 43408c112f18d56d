import numpy as np

from sim.model.mechanisms import labs as L


def test_effective_speedup_is_dsair_s_for_the_leader():
    np.testing.assert_allclose(L.effective_speedup(1.5, np.array([0.0, 1.0])), [1.5, 2.0])


def test_expected_payoffs_match_dsair_by_hand():
    # b=4, c=1, B=1e4, W=100, s=1.5, p_r=0.5; against an all-safe population (x = 1):
    # P_AS = Pi(AS,AS) = 4/2 - 1 + 1e4/200 = 51
    # P_AU = Pi(AU,AS) = 0.5 * (1.5 * 1e4 / 100 + 1.5 * 4 / 2.5) = 0.5 * 152.4 = 76.2
    p_as, p_au = L.expected_payoffs(1.0, 4, 1, 1e4, 100, np.array([1.5]), np.array([0.5]))
    assert np.isclose(p_as[0], 51.0) and np.isclose(p_au[0], 76.2)


def test_payoff_advantage_is_the_difference_of_expected_payoffs():
    # the same hand case: 51 - 76.2 against an all-safe population
    assert np.isclose(L.payoff_advantage(1.0, 4, 1, 1e4, 100, 1.5, 0.5), 51.0 - 76.2)
    rng = np.random.default_rng(0)
    x, s, p_r = rng.random(50), 1.0 + 2.0 * rng.random(50), rng.random(50)
    for b, c, B, W in [(4, 1, 1e4, 100), (2.0, 0.5, 0.0, 10.0), (1.0, 0.0, 50.0, 1.0)]:
        p_as, p_au = L.expected_payoffs(x, b, c, B, W, s, p_r)
        np.testing.assert_allclose(L.payoff_advantage(x, b, c, B, W, s, p_r), p_as - p_au,
                                   rtol=1e-12, atol=1e-9)


def test_imitation_flow_follows_the_better_strategy():
    sigma = np.array([0.5, 0.5])
    up = L.imitation_flow(sigma, 0.5, np.array([10.0, -10.0]), 1.0, 0.2)
    assert up[0] > 0 > up[1]
    # hand: 0.2 * (0.5*0.5*F(10) - 0.5*0.5*F(-10))
    f = 1 / (1 + np.exp(-10.0))
    assert np.isclose(up[0], 0.2 * 0.25 * (f - (1 - f)))


def test_no_imitation_from_a_monomorphic_population():
    out = L.imitation_flow(np.array([0.0]), 0.0, np.array([100.0]), 1.0, 1.0)
    assert out[0] == 0.0


def test_regulation_only_pulls_up():
    out = L.regulation_pull(np.array([0.2, 0.6]), np.array([0.4, 0.4]), 0.5)
    np.testing.assert_allclose(out, [0.1, 0.0])
