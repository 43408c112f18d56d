"""Labs' safety investment as the DSAIR race game played in the mean field (docs/ODD.md, section 3).

A lab's safety_investment sigma in [0, 1] is read as its probability of playing AS (always safe)
rather than AU (always unsafe) in the race game of Han, Pereira, Santos and Lenaerts (JAIR 69,
2020). Its perceived disaster probability p_r is its home country's risk concern; race pressure
(its home's distance behind the leader) raises its speed advantage from cutting corners. Labs
revise their strategy by pairwise comparison with the Fermi rule: the expected flow of the
stochastic imitation process (Traulsen, Nowak and Pacheco 2006) is

    dsigma_i = rate [(1 - sigma_i) x F(beta (P_AS - P_AU)) - sigma_i (1 - x) F(beta (P_AU - P_AS))]

with x the capability-weighted share of safe play among all labs and F the logistic function.
Home regulation and pledges then pull sigma up to a floor (the governance layer). With equal
capabilities, no regulation pull and fixed risk concern this is exactly the mean-field dynamics
of DSAIR's AS/AU population (docs/ODD.md, "Reduction to DSAIR").
"""

from __future__ import annotations

import numpy as np

from sim.race.game import payoff_advantage, race_payoff_entries

__all__ = ["effective_speedup", "expected_payoffs", "imitation_flow", "payoff_advantage",
           "regulation_pull"]


def effective_speedup(s: float, gap: np.ndarray) -> np.ndarray:
    """Speed advantage of unsafe play: 1 + (s - 1)(1 + gap), gap in [0, 1] behind the leader."""
    return s + (s - 1.0) * gap


def expected_payoffs(x: float, b: float, c: float, B: float, W: float, s: np.ndarray,
                     p_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected race payoffs of AS and AU against a population with safe share x."""
    as_as, as_au, au_as, au_au = race_payoff_entries(b, c, B, W, s, p_r)
    return x * as_as + (1.0 - x) * as_au, x * au_as + (1.0 - x) * au_au


def imitation_flow(sigma: np.ndarray, x: float, advantage: np.ndarray, beta: float,
                   rate: float) -> np.ndarray:
    """Mean-field pairwise-comparison flow of each lab's safe share (see module docstring).

    ``advantage`` is P_AS - P_AU (:func:`payoff_advantage`). With F(z) = (1 + tanh(z/2)) / 2,
    F(-z) = 1 - F(z) and t = tanh(beta (P_AS - P_AU) / 2), the flow collects to

        rate/2 [x (1 + t) - sigma (1 + (2x - 1) t)]
    """
    t = np.tanh((0.5 * beta) * advantage)
    return (0.5 * rate) * (x * (1.0 + t) - sigma * (1.0 + (2.0 * x - 1.0) * t))


def regulation_pull(sigma: np.ndarray, floor: np.ndarray, pull: float) -> np.ndarray:
    """Home rules and pledges lift safety toward a floor; they never push it down."""
    return pull * np.maximum(floor - sigma, 0.0)
