"""Starting relations between countries, from pairwise facts: the baseline trust at set-up.

No input says who belongs to which bloc. The baseline trust of a pair (what trust relaxes to
before it has lived anything) is built from public pairwise facts:

    B_ij = base + w_alliance A_ij + w_partnership P_ij + w_voting max(0, 1 - |x_i - x_j| / scale)

A_ij = 1 for a formal defence alliance (NATO, the US treaties with Japan and Korea), P_ij = 1
for a declared strategic partnership or shared club short of alliance (BRICS, the Quad, the
China-Russia partnership of February 2022), and x_i the country's ideal point on the UN General
Assembly voting scale of Bailey, Strezhnev and Voeten (J. Conflict Resolut. 61, 2017), whose
distances measure how differently two states vote. Capped at 1; the diagonal is 1.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip, fill_diagonal


def group_matrix(groups: list[list[int]], n: int) -> np.ndarray:
    """(N, N) 0/1 matrix of pairs that share at least one group (lists of indices)."""
    m = np.zeros((n, n))
    for g in groups:
        idx = np.asarray(g, dtype=int)
        m[np.ix_(idx, idx)] = 1.0
    fill_diagonal(m, 0.0)
    return m


def baseline_trust(ideal_points: np.ndarray, alliance: np.ndarray, partnership: np.ndarray,
                   base: float, w_alliance: float, w_partnership: float, w_voting: float,
                   scale: float) -> np.ndarray:
    """B (N, N) in [0, 1] from the formula in the module docstring."""
    distance = np.abs(ideal_points[:, None] - ideal_points[None, :])
    voting = np.maximum(1.0 - distance / scale, 0.0)
    b = clip(base + w_alliance * alliance + w_partnership * partnership + w_voting * voting,
             0.0, 1.0)
    fill_diagonal(b, 1.0)
    return b
