"""Observables and the run's outcome, computed from the model's state alone.

The bifurcation index is Newman's modularity of the best two-way split of the symmetrised trust
graph, found spectrally from the leading eigenvector of the modularity matrix (Newman, PNAS
103, 2006), scaled by its two-community maximum of 1/2 so that it lies in [0, 1]: 0 when trust
is uniform, 1 when the world is two disconnected cliques.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg
from scipy.linalg import lapack

from sim.mechanisms import clip

OBSERVABLES = ("mean_trust", "cross_bloc_trust", "bifurcation_index", "regime_coverage",
               "global_safety", "mean_controls", "capability_gap", "incidents",
               "lab_safety", "deals")


class TrustSplit(NamedTuple):
    """The spectral two-way split of the trust graph and the trust observables it yields: for
    one trust matrix (:func:`trust_split`), or arrays over months (:func:`trust_splits`)."""

    side: np.ndarray  # bool mask of one bloc; the bloc holding actor 0 is False
    modularity: float  # Newman's Q of the split, >= 0 (0 when nothing splits)
    cross_trust: float  # mean trust across the split; mean off-diagonal trust when unsplit
    mean_trust: float  # mean off-diagonal trust


def _leading_eigenvector(b: np.ndarray) -> np.ndarray:
    n = b.shape[0]
    if n <= 64:  # LAPACK directly (b.T is b, Fortran-ordered)
        return lapack.dsyevr(b.T, compute_v=1, range="I", il=n, iu=n)[1][:, 0]
    return scipy.linalg.eigh(b, subset_by_index=[n - 1, n - 1], driver="evr")[1][:, 0]


def trust_splits(trusts: np.ndarray) -> TrustSplit:
    """Spectral two-way split of each symmetrised trust graph W = (T + T')/2 (zero diagonal) of
    a stack (months, N, N); every field of the result is an array over months.

    With s = +-1 by side, k the weighted degrees and 2m their sum, the modularity matrix is
    B = W - k k'/2m, Q = s'Bs / 4m, and the trust weight across the split is
    (2m - s'Ws) / 4 with s'Ws = s'Bs + (s'k)^2 / 2m: the cross-bloc mean comes with the split
    for two dot products (it equals :func:`cross_bloc_trust`). The element-wise work is done for
    all months at once, the leading eigenvectors one LAPACK call each.
    """
    months, n, _ = trusts.shape
    w = trusts + trusts.transpose(0, 2, 1)  # 2W: every quantity below is scale-free or rescaled
    diag = np.arange(n)
    w[:, diag, diag] = 0.0
    k = w.sum(axis=2)
    two_m = k.sum(axis=1)
    mean = 0.5 * two_m / (n * (n - 1)) if n > 1 else np.zeros(months)
    weighted = two_m > 0
    denom = np.where(weighted, two_m, 1.0)
    b = w - k[:, :, None] * (k / denom[:, None])[:, None, :]
    v = np.zeros((months, n))
    for t in np.flatnonzero(weighted):
        v[t] = _leading_eigenvector(b[t])
    side = np.where(v[:, :1] > 0, v <= 0, v > 0)
    n_b = side.sum(axis=1)
    split = weighted & (n_b > 0) & (n_b < n)
    side &= split[:, None]
    s = np.where(side, 1.0, -1.0)
    sbs = (s * (b @ s[:, :, None])[:, :, 0]).sum(axis=1)
    sk = (s * k).sum(axis=1)
    across = (two_m - sbs - sk * sk / denom) / 8.0
    modularity = np.where(split, np.maximum(sbs / (2.0 * denom), 0.0), 0.0)
    cross = np.where(split, across / np.maximum(n_b * (n - n_b), 1), mean)
    return TrustSplit(side, modularity, cross, mean)


def trust_split(trust: np.ndarray) -> TrustSplit:
    """:func:`trust_splits` of one trust matrix: side a mask, the other fields floats."""
    split = trust_splits(trust[None])
    return TrustSplit(split.side[0], float(split.modularity[0]), float(split.cross_trust[0]),
                      float(split.mean_trust[0]))


SPLIT_OBSERVABLES = ("mean_trust", "cross_bloc_trust", "bifurcation_index")


def split_observables_many(trusts: np.ndarray) -> dict[str, np.ndarray]:
    """The observables that come with the split (:data:`SPLIT_OBSERVABLES`) for a stack of trust
    matrices (T, N, N), such as the months a collector held back; arrays (T,)."""
    n = trusts.shape[1]
    # above 64 countries one month at a time is faster: each matrix stays in cache
    chunks = [trusts] if n <= 64 else [t[None] for t in trusts]
    splits = [trust_splits(chunk) for chunk in chunks]
    return {"mean_trust": np.concatenate([sp.mean_trust for sp in splits]),
            "cross_bloc_trust": np.concatenate([sp.cross_trust for sp in splits]),
            "bifurcation_index": bifurcation_index(
                np.concatenate([sp.modularity for sp in splits]))}


def split_observables(trust: np.ndarray) -> dict[str, float]:
    """:func:`split_observables_many` of one trust matrix, as floats."""
    return {k: float(v[0]) for k, v in split_observables_many(trust[None]).items()}


def two_way_split(trust: np.ndarray) -> tuple[np.ndarray, float]:
    """(side, Q) of :func:`trust_split`: a bool mask of one bloc and the split's modularity."""
    split = trust_split(trust)
    return split.side, split.modularity


def bifurcation_index(q: float | np.ndarray) -> float | np.ndarray:
    """Modularity of a two-way split scaled to [0, 1] by its maximum of 1/2."""
    return clip(2.0 * q, 0.0, 1.0)


def cross_bloc_trust(trust: np.ndarray, side: np.ndarray) -> float:
    """Mean trust across the split, both directions; mean off-diagonal trust when unsplit."""
    n_b = int(np.count_nonzero(side))
    n_a = side.size - n_b
    if n_a == 0 or n_b == 0:
        return mean_trust(trust)
    b = side.astype(float)
    a = 1.0 - b
    return float((a.dot(trust).dot(b) + b.dot(trust).dot(a)) / (2.0 * n_a * n_b))


def mean_trust(trust: np.ndarray) -> float:
    """Mean off-diagonal trust (the diagonal, self-trust, is 1 by construction)."""
    n = trust.shape[0]
    return float((trust.sum() - n) / (n * (n - 1)))


def deepest_agreements(depths: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Signatory masks (K, N) of the deepest agreements in force (all ties).

    depths: (A,) agreement depths; members: (A, N) signatory masks. Agreements with fewer than
    two signatories are not agreements.
    """
    if depths.size == 0:
        return members[:0]
    valid = members.sum(axis=1) >= 2
    if not valid.any():
        return members[:0]
    key = np.where(valid, depths, -1.0)
    return members[key == key.max()]


def add_agreement(deepest: np.ndarray, deepest_depth: float, depth: float,
                  signed: np.ndarray) -> tuple[np.ndarray, float]:
    """:func:`deepest_agreements` kept up to date one agreement at a time.

    ``deepest`` (K, N) and ``deepest_depth`` (-inf before any agreement) describe the deepest
    agreements so far; a new agreement of ``depth`` signed by ``signed`` (two or more
    signatories) replaces them when deeper, joins them when as deep. Returns the new pair.
    """
    if depth > deepest_depth:
        return signed[None, :].copy(), depth
    if depth == deepest_depth:
        return np.vstack([deepest, signed]), depth
    return deepest, deepest_depth


def regime_coverage(deepest: np.ndarray, capability: np.ndarray) -> float:
    """Share of world capability inside the deepest agreement in force (ties: the widest).

    ``deepest`` holds the signatory masks from :func:`deepest_agreements`.
    """
    if deepest.shape[0] == 0:
        return 0.0
    return float(deepest.dot(capability).max() / capability.sum())


def global_safety(capability: np.ndarray, implemented: np.ndarray) -> float:
    """Capability-weighted mean implemented safety, in [0, 1]."""
    return float(capability.dot(implemented) / capability.sum())


def leaders(capability: np.ndarray) -> tuple[int, int]:
    """Indices of the two most capable countries (ties broken by roster order)."""
    a = int(capability.argmax())
    rest = capability.copy()
    rest[a] = -np.inf
    return a, int(rest.argmax())


def capability_gap(capability: np.ndarray, pair: tuple[int, int] | None = None) -> float:
    """Relative gap between the two leaders: (cap_1 - cap_2) / cap_1, in [0, 1].

    ``pair``: the leaders' indices when the caller has them already (:func:`leaders`).
    """
    a, b = leaders(capability) if pair is None else pair
    top = float(capability[a])
    return (top - float(capability[b])) / top


def mean_controls(controls: np.ndarray, supply: np.ndarray) -> float:
    """Mean stringency over supplier -> target pairs (suppliers: supply > 0)."""
    rows = supply > 0
    pairs = int(np.count_nonzero(rows)) * (controls.shape[0] - 1)
    return float(controls[rows].sum()) / pairs if pairs else 0.0


def separate_regimes(depths: np.ndarray, members: np.ndarray, a: int, b: int) -> bool:
    """Whether leaders a and b each sit in a regime of their own: each has signed an agreement
    in force (two or more signatories) and neither signed the other's deepest one."""
    valid = members.sum(axis=1) >= 2 if depths.size else np.zeros(0, bool)

    def deepest_of(x: int) -> np.ndarray | None:
        mine = valid & members[:, x]
        if not mine.any():
            return None
        d = np.where(mine, depths, -1.0)
        return members[d == d.max()]

    da, db = deepest_of(a), deepest_of(b)
    if da is None or db is None:
        return False
    return not da[:, b].any() and not db[:, a].any()


def classify_outcome(*, leaders_cosign_depth: float, cross_trust: float, bif_index: float,
                     leaders_split: bool, separate: bool, depth_threshold: float,
                     cross_trust_threshold: float, bifurcation_threshold: float) -> str:
    """cooperation / bifurcation / fragmentation (MODEL.md, thresholds from config).

    cooperation: the two leaders co-sign an agreement in force at least ``depth_threshold`` deep
    and cross-bloc trust is at least ``cross_trust_threshold``; bifurcation: two blocs with
    separate regimes, i.e. the index is at least ``bifurcation_threshold``, the leaders are on
    different sides and each leader's deepest agreement leaves the other out (``separate``);
    else fragmentation. ``cross_trust`` and ``bif_index`` are the caller's (the model passes
    means over the last months, so an outcome does not hinge on the last session).
    """
    if leaders_cosign_depth >= depth_threshold and cross_trust >= cross_trust_threshold:
        return "cooperation"
    if bif_index >= bifurcation_threshold and leaders_split and separate:
        return "bifurcation"
    return "fragmentation"
