"""Alignment: which of the two leading powers' camps each country stands with.

alignment[i] in [-1, 1]: +1 the camp around the most capable country at set-up (leader A), -1 the
camp around the runner-up (leader B), 0 non-aligned. Nobody is assigned to a camp: alignments
start from pairwise facts (alliances, UN voting, the two leaders' relative pull) and move every
month to reduce each country's frustration, the landscape theory of aggregation (Axelrod and
Bennett, Brit. J. Pol. Sci. 23, 1993) in Galam's statistical-physics reading (Physica A 230,
1996): a country feels the field

    h_i = sum_j omega_ij J_ij a_j,     omega_ij = cap_j / sum_{k != i} cap_k  (omega_ii = 0)

(the pull of every other country, weighted by its size and by the pair's propensity J_ij to stand
together) and moves a share ``rate`` of the way toward tanh(beta h_i), plus noise. The
propensity is positive for pairs that trust each other, share regimes and depend on each
other's compute, and negative for distrustful rivals, so opposite camps form where propensities
are negative (the Mattis reading: a two-community world is a ferromagnet in disguise).

In a homogeneous world (equal sizes, J_ij = J) the field is J times the mean alignment of the
others, and the expected dynamics is the Curie-Weiss map dm/dt = rate (tanh(beta J m) - m): one
non-aligned world below the critical coupling beta J = 1 and two polarized states above it
(:mod:`sim.studies.alignment_theory` solves it; tests/studies/test_alignment_theory.py checks the
model).
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip, fill_diagonal
from sim.model.mechanisms.support import Support, add_symmetric


def propensity(trust: np.ndarray, shared_depth: np.ndarray, dependence: np.ndarray,
               rivalry: np.ndarray, trust_neutral: float, w_regime: float,
               w_dependence: float, w_rivalry: float) -> np.ndarray:
    """Pairwise propensity to stand together, J (N, N), symmetric, zero diagonal.

    J_ij = (T_ij + T_ji)/2 - trust_neutral          trust both ways, centred: above the neutral
                                                    level attracts, below it repels
           + w_regime shared_depth_ij               regimes in force both belong to [0, 1]
           + w_dependence (D_ij + D_ji)             compute dependence, D_ij = share of i's
                                                    compute that comes from j's supply
           - w_rivalry rivalry_ij                   rivalry outside AI (tariffs, sanctions) >= 0
    """
    j = 0.5 * (trust + trust.T) - trust_neutral
    if w_regime:
        j += w_regime * shared_depth
    if w_dependence:
        j += w_dependence * (dependence + dependence.T)
    if w_rivalry:
        j -= (0.5 * w_rivalry) * (rivalry + rivalry.T)
    fill_diagonal(j, 0.0)
    return j


def compute_dependence(supply: np.ndarray, controls: np.ndarray) -> np.ndarray:
    """D[i, j]: share of i's advanced compute obtainable from supplier j, supply_j (1 - c[j, i])
    (zero diagonal). Buyers lean toward the suppliers they depend on (the 2023 Dutch and Japanese
    alignment with US rules; 002 on chips and leverage)."""
    d = supply[None, :] * (1.0 - controls.T)
    fill_diagonal(d, 0.0)
    return d


def size_weights(capability: np.ndarray) -> np.ndarray:
    """omega (N, N): row i weighs every other country by its share of the capability outside i."""
    total = float(capability.sum())
    w = capability[None, :] / np.maximum(total - capability, 1e-300)[:, None]
    fill_diagonal(w, 0.0)
    return w


def field(j: np.ndarray, capability: np.ndarray, alignment: np.ndarray) -> np.ndarray:
    """h_i = sum_j omega_ij J_ij a_j (see the module docstring), without forming omega:
    (J * cap) a / (sum cap - cap_i)."""
    total = float(capability.sum())
    return (j.dot(capability * alignment)) / np.maximum(total - capability, 1e-300)


def update_alignment(alignment: np.ndarray, h: np.ndarray, beta: float, rate: float,
                     shock: np.ndarray) -> np.ndarray:
    """One month: a + rate (tanh(beta h) - a) + shock, clipped to [-1, 1]. ``shock`` is a
    pre-drawn normal array (s.d. ``alignment_noise``)."""
    return clip(alignment + rate * (np.tanh(beta * h) - alignment) + shock, -1.0, 1.0)


def initial_alignment(baseline: np.ndarray, leader_a: int, leader_b: int,
                      mode: str = "relations") -> np.ndarray:
    """Alignment at set-up, from starting relations alone (no camp is an input).

    ``relations``: the relative pull of the two leaders, a_i = (B_iA - B_iB) / (1 - B_AB)
    clipped to [-1, 1] (B the baseline trust; the leaders sit at +1 and -1 by construction);
    ``united``: everyone non-aligned (0); ``split``: every country fully in the camp it leans
    to under ``relations`` (+-1; a country with no lean stays at 0). The last two are the
    starts of the bistability study.
    """
    span = max(1.0 - 0.5 * (baseline[leader_a, leader_b] + baseline[leader_b, leader_a]), 1e-9)
    lean = clip((baseline[:, leader_a] - baseline[:, leader_b]) / span, -1.0, 1.0)
    lean[leader_a], lean[leader_b] = 1.0, -1.0
    if mode == "relations":
        return lean
    if mode == "united":
        return np.zeros_like(lean)
    if mode == "split":
        return np.sign(lean)
    raise ValueError(f"unknown initial alignment mode {mode!r}")


def oriented(alignment: np.ndarray, leader_a: int) -> np.ndarray:
    """Alignments with leader A's side positive (the sign of a is a gauge: the dynamics are
    symmetric under a -> -a)."""
    return alignment if alignment[leader_a] >= 0 else -alignment


def camps(alignment: np.ndarray, leader_a: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(camp A, camp B) masks: countries at least ``threshold`` toward leader A's side, or
    toward the other side. The rest are non-aligned."""
    a = oriented(alignment, leader_a)
    return a >= threshold, a <= -threshold


def dependence_rows(supply: np.ndarray, controls: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(D + D.T)[rows], D = compute_dependence(supply, controls), computed on those rows only
    (|rows|, N). D is zero outside the suppliers' columns, so rows that include every
    supplier hold all of D + D.T (its other entries are the transposes of these)."""
    k = np.arange(rows.size)
    d_rows = supply[None, :] * (1.0 - controls[:, rows].T)  # D[r, j] = supply_j (1 - c[j, r])
    d_cols = supply[rows][:, None] * (1.0 - controls[rows])  # D[j, r] = supply_r (1 - c[r, j])
    d_rows[k, rows] = 0.0
    d_cols[k, rows] = 0.0
    return d_rows + d_cols


def propensity_on_support(trust: np.ndarray, regime_term: np.ndarray | None,
                          dependence_sym: np.ndarray, rivalry_sym: np.ndarray, s: Support,
                          trust_neutral: float, w_dependence: float, w_rivalry: float,
                          out: np.ndarray | None = None, block: int = 32768) -> np.ndarray:
    """propensity(...), the same numbers, from the terms as the model keeps them:
    ``regime_term`` = w_regime * shared_depth (None when w_regime is 0; it changes only with
    the regimes), ``dependence_sym`` and ``rivalry_sym`` the rows of D + D.T and of
    rivalry + rivalry.T on the support ``s`` outside of which they are zero. Worked in blocks of
    rows of about ``block`` elements; ``out``: an (N, N) array to write J into."""
    n = trust.shape[0]
    j = np.empty((n, n)) if out is None else out
    rows = max(1, block // n)
    for r0 in range(0, n, rows):  # row blocks: the trust-and-regime part in cache
        jb = j[r0:r0 + rows]
        np.add(trust[r0:r0 + rows], trust[:, r0:r0 + rows].T, out=jb)
        jb *= 0.5
        jb -= trust_neutral
        if regime_term is not None:
            jb += regime_term[r0:r0 + rows]
    if w_dependence:
        add_symmetric(j, s, w_dependence * dependence_sym)
    if w_rivalry:
        add_symmetric(j, s, (-0.5 * w_rivalry) * rivalry_sym)
    fill_diagonal(j, 0.0)
    return j
