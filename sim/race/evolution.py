"""Social learning in a finite population: fixation probabilities and the rare-mutation limit.

Model (Traulsen, Nowak, Pacheco, Phys. Rev. E 74, 011909, 2006; Fudenberg & Imhof, J. Econ.
Theory 131, 2006; as used by Han et al., JAIR 69, 2020): a well-mixed population of
Z players meets in pairs. A player's payoff is its average over games against every *other*
player (no self-interaction). A random focal player imitates a random role model with the Fermi
probability 1 / (1 + exp(-beta (P_model - P_focal))); beta >= 0 is the intensity of selection
(beta = 0 is neutral drift). With mutations rare enough that a mutant fixes or vanishes before
the next one appears, the population hops between monomorphic states, and the long-run share of
each strategy is the stationary distribution of that hop chain.

Payoff matrices are arrays of shape (..., n, n) with entry [..., i, j] the payoff of a focal
i-player against a j-player; leading axes broadcast (a grid of games is one call). Everything is
computed in log space, so beta * payoff differences of order 10^4 or more neither overflow nor
underflow.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logsumexp

from sim.race.game import AU, race_payoffs

_CHUNK_ELEMENTS = 1 << 20


def average_payoffs(payoffs: ArrayLike, counts: ArrayLike) -> NDArray[np.float64]:
    """Average payoff of each strategy against all other members of the population.

    With n_j players of strategy j and Z = sum_j n_j, an i-player meets n_j others of type j
    (one fewer of its own type):

        P_i = (sum_j A[i, j] n_j - A[i, i]) / (Z - 1)

    For two strategies with k A-players this is the textbook
    P_A(k) = ((k-1) Pi(A,A) + (Z-k) Pi(A,B)) / (Z-1).

    Args:
        payoffs: (..., n, n) payoff matrix A, row = focal.
        counts: (..., n) number of players of each strategy, total Z >= 2.
    Returns:
        (..., n) average payoffs, in payoff units; meaningful only where n_i >= 1.
    """
    a = np.asarray(payoffs, dtype=float)
    n = np.asarray(counts, dtype=float)
    total = n.sum(axis=-1, keepdims=True)
    own = np.diagonal(a, axis1=-2, axis2=-1)
    return (np.einsum("...ij,...j->...i", a, n) - own) / (total - 1)


def log_fixation_probability(
    payoffs: ArrayLike, resident: int, mutant: int, Z: int, beta: float
) -> NDArray[np.float64] | float:
    """Natural log of the probability that one mutant takes over a population of residents.

    Pairwise comparison (Fermi) rule; the ratio of the probabilities to lose and to gain one
    mutant when there are j mutants is exp(-beta (P_mut(j) - P_res(j))), so (Traulsen et al.
    2006):

        rho = 1 / (1 + sum_{i=1}^{Z-1} prod_{j=1}^{i} exp(-beta (P_mut(j) - P_res(j))))

    with P_mut(j) = ((j-1) A[m,m] + (Z-j) A[m,r]) / (Z-1) and
    P_res(j) = (j A[r,m] + (Z-j-1) A[r,r]) / (Z-1). Evaluated as
    log rho = -logsumexp(0, L_1, ..., L_{Z-1}), L_i = -beta sum_{j<=i} (P_mut(j) - P_res(j)),
    in chunks of j so that memory stays bounded for any Z.

    Args:
        payoffs: (..., n, n) payoff matrix, row = focal.
        resident, mutant: strategy indices.
        Z: population size, integer >= 2.
        beta: intensity of selection, >= 0 (per payoff unit).
    Returns:
        log rho, shape payoffs.shape[:-2] (a float for a single game); rho = 1/Z when beta = 0.
    """
    Z = int(Z)
    if Z < 2:
        raise ValueError(f"population size Z must be >= 2, got {Z}")
    a = np.asarray(payoffs, dtype=float)
    a_mm, a_mr = a[..., mutant, mutant, None], a[..., mutant, resident, None]
    a_rm, a_rr = a[..., resident, mutant, None], a[..., resident, resident, None]
    lead = a.shape[:-2]
    chunk = max(1, _CHUNK_ELEMENTS // max(1, math.prod(lead)))
    last = np.zeros(lead + (1,))
    log_total = np.zeros(lead)
    for first in range(1, Z, chunk):
        j = np.arange(first, min(Z, first + chunk), dtype=float)
        p_mut = ((j - 1) * a_mm + (Z - j) * a_mr) / (Z - 1)
        p_res = (j * a_rm + (Z - j - 1) * a_rr) / (Z - 1)
        log_ratios = last - beta * np.cumsum(p_mut - p_res, axis=-1)
        last = log_ratios[..., -1:]
        log_total = np.logaddexp(log_total, logsumexp(log_ratios, axis=-1))
    out = -log_total
    return float(out) if np.ndim(out) == 0 else out


def fixation_probability(
    payoffs: ArrayLike, resident: int, mutant: int, Z: int, beta: float
) -> NDArray[np.float64] | float:
    """Probability rho in [0, 1] that one mutant fixes; see :func:`log_fixation_probability`."""
    return np.exp(log_fixation_probability(payoffs, resident, mutant, Z, beta))


def log_fixation_matrix(payoffs: ArrayLike, Z: int, beta: float) -> NDArray[np.float64]:
    """log rho for every (resident, mutant) pair: entry [..., r, m]; the diagonal is -inf.

    Args and units as in :func:`log_fixation_probability`. Shape (..., n, n).
    """
    a = np.asarray(payoffs, dtype=float)
    n = a.shape[-1]
    out = np.full(a.shape, -np.inf)
    for r in range(n):
        for m in range(n):
            if r != m:
                out[..., r, m] = log_fixation_probability(a, r, m, Z, beta)
    return out


def transition_matrix(payoffs: ArrayLike, Z: int, beta: float) -> NDArray[np.float64]:
    """Transition matrix between monomorphic states in the rare-mutation limit.

    A mutation turns one resident into one of the other n - 1 strategies chosen uniformly, so
    T[r, m] = rho_{r -> m} / (n - 1) for m != r and T[r, r] = 1 - sum_{m != r} T[r, m]
    (Fudenberg & Imhof 2006; Han et al. 2020). Shape (..., n, n), rows sum to 1.
    Entries may underflow to 0 for strong selection; :func:`stationary_distribution` does not
    use this matrix but its logarithm.
    """
    a = np.asarray(payoffs, dtype=float)
    n = a.shape[-1]
    if n < 2:
        return np.ones(a.shape)
    t = np.exp(log_fixation_matrix(a, Z, beta) - np.log(n - 1))
    idx = np.arange(n)
    t[..., idx, idx] = 1 - t.sum(axis=-1)
    return t


def stationary_distribution(payoffs: ArrayLike, Z: int, beta: float) -> NDArray[np.float64]:
    """Long-run share of time the population spends in each monomorphic state (rare mutations).

    The stationary vector of :func:`transition_matrix`, for any number n of strategies and any
    payoff matrix. Solved by the Grassmann-Taksar-Heyman state reduction (Grassmann, Taksar,
    Heyman, Oper. Res. 33, 1985), which uses only sums, products and quotients of non-negative
    numbers and so runs entirely in log space: fixation probabilities like exp(-10^4) keep their
    ratios exactly. Requires every monomorphic state to be reachable from every other (true for
    any finite beta).

    Args:
        payoffs: (..., n, n) payoff matrix, row = focal. Z: integer >= 2. beta: >= 0.
    Returns:
        (..., n) probabilities summing to 1, in the strategy order of the matrix.
    """
    a = np.asarray(payoffs, dtype=float)
    n = a.shape[-1]
    if n == 1:
        return np.ones(a.shape[:-1])
    log_t = log_fixation_matrix(a, Z, beta) - np.log(n - 1)
    return stationary_from_log_transitions(log_t)


def stationary_from_log_transitions(log_transitions: ArrayLike) -> NDArray[np.float64]:
    """Stationary vector of a Markov chain given the logs of its off-diagonal transition
    probabilities (shape (..., n, n); the diagonal is ignored), by log-space GTH reduction.

    Returns (..., n) probabilities summing to 1.
    """
    log_p = np.array(log_transitions, dtype=float)
    n = log_p.shape[-1]
    idx = np.arange(n)
    log_p[..., idx, idx] = -np.inf
    for k in range(n - 1, 0, -1):
        log_out = logsumexp(log_p[..., k, :k], axis=-1)
        log_p[..., :k, k] -= log_out[..., None]
        log_p[..., :k, :k] = np.logaddexp(
            log_p[..., :k, :k], log_p[..., :k, k, None] + log_p[..., k, None, :k]
        )
    log_pi = np.zeros(log_p.shape[:-1])
    for j in range(1, n):
        log_pi[..., j] = logsumexp(log_pi[..., :j] + log_p[..., :j, j], axis=-1)
    return np.exp(log_pi - logsumexp(log_pi, axis=-1, keepdims=True))


def selection_index(payoffs: ArrayLike, Z: int) -> NDArray[np.float64] | float:
    """Finite-population advantage S of strategy 0 over strategy 1 in a 2x2 game:

        S = ((Z-2)/2) (A[0,0] - A[1,1]) + (Z/2) (A[0,1] - A[1,0])

    It equals sum_{k=1}^{Z-1} (P_0(k) - P_1(k)) over all mixed states, so that
    rho_{0 -> 1} / rho_{1 -> 0} = exp(-beta S) under the Fermi rule. For large Z, S > 0 is the
    risk-dominance condition A[0,0] + A[0,1] > A[1,0] + A[1,1]. Payoff units.
    """
    a = np.asarray(payoffs, dtype=float)
    out = (Z - 2) / 2 * (a[..., 0, 0] - a[..., 1, 1]) + Z / 2 * (a[..., 0, 1] - a[..., 1, 0])
    return float(out) if np.ndim(out) == 0 else out


def stationary_share_closed_form(
    payoffs: ArrayLike, Z: int, beta: float
) -> NDArray[np.float64] | float:
    """Stationary share of strategy 1 in a 2x2 game: 1 / (1 + exp(beta S)).

    S from :func:`selection_index`. For the AI race (order [AS, AU]) this is the long-run share
    of AU quoted in Han et al. 2020. Computed with a stable logistic, so beta S may be huge.
    """
    out = expit(-beta * np.asarray(selection_index(payoffs, Z)))
    return float(out) if np.ndim(out) == 0 else out


def finite_mutation_distribution(
    payoffs: ArrayLike, Z: int, beta: float, mu: float
) -> NDArray[np.float64]:
    """Exact stationary distribution of the number k of strategy-1 players in a 2x2 game at a
    non-vanishing mutation probability mu per update event (the chain of
    :class:`sim.race.population.RacePopulation`).

    Every update changes k by at most one, so the chain is birth-death and reversible:
    pi(k+1) / pi(k) = T+(k) / T-(k+1), with

        T+(k) = ((Z-k)/Z) [mu + (1-mu) (k/(Z-1)) fermi(beta (P_1(k) - P_0(k)))]
        T-(k) = (k/Z) [mu + (1-mu) ((Z-k)/(Z-1)) fermi(beta (P_0(k) - P_1(k)))]

    fermi(x) = 1 / (1 + exp(-x)), P_i(k) from :func:`average_payoffs`. As mu -> 0 the mass
    gathers on k = 0 and k = Z in the proportions of :func:`stationary_distribution`; at finite mu
    this is the exact target of a simulation. Args: payoffs (..., 2, 2); Z >= 2; beta >= 0;
    mu in (0, 1]. Returns (..., Z + 1) probabilities over k = 0..Z.
    """
    a = np.asarray(payoffs, dtype=float)[..., None, :, :]
    k = np.arange(Z + 1, dtype=float)
    p = average_payoffs(a, np.stack([Z - k, k], axis=-1))
    gain = beta * (p[..., 1] - p[..., 0])
    up = (Z - k[:-1]) / Z * (mu + (1 - mu) * k[:-1] / (Z - 1) * expit(gain[..., :-1]))
    down = k[1:] / Z * (mu + (1 - mu) * (Z - k[1:]) / (Z - 1) * expit(-gain[..., 1:]))
    steps = np.log(up) - np.log(down)
    log_pi = np.concatenate([np.zeros(steps.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)], -1)
    return np.exp(log_pi - logsumexp(log_pi, axis=-1, keepdims=True))


def finite_mutation_share(
    payoffs: ArrayLike, Z: int, beta: float, mu: float
) -> NDArray[np.float64] | float:
    """Expected long-run share of strategy 1, sum_k pi(k) k / Z, from
    :func:`finite_mutation_distribution`. Range [0, 1]."""
    pi = finite_mutation_distribution(payoffs, Z, beta, mu)
    out = (pi * np.arange(Z + 1) / Z).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def stationary_share_au(
    b: ArrayLike,
    c: ArrayLike,
    B: ArrayLike,
    W: ArrayLike,
    s: ArrayLike,
    p_r: ArrayLike,
    Z: int,
    beta: float,
) -> NDArray[np.float64] | float:
    """Long-run share of AU in the DSAIR race with AS and AU (rare mutations, Fermi rule).

    :func:`stationary_distribution` of :func:`sim.race.game.race_payoffs`; broadcasts over the
    game parameters, so an (s, p_r) grid gives a phase diagram in one call. Range [0, 1].
    """
    out = stationary_distribution(race_payoffs(b, c, B, W, s, p_r), Z, beta)[..., AU]
    return float(out) if np.ndim(out) == 0 else out
