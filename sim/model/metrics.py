"""Observables and the run's outcome, computed from the model's state alone.

Version 2 measures structure: the camps that alignments form
(:mod:`sim.model.mechanisms.alignment`), their capability-weighted polarization (Esteban and Ray,
Econometrica 62, 1994), and the regimes in force (:mod:`sim.model.mechanisms.regimes`): who is in
each, how deep, how much of the world's capability they cover. The outcome is classified from
these (docs/ODD.md, section 6.9).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

OBSERVABLES = ("mean_trust", "cross_camp_trust", "polarization", "camp_a_share",
               "camp_b_share", "regimes_in_force", "regime_depth", "regime_coverage",
               "shared_depth", "global_safety", "mean_controls", "capability_gap", "incidents",
               "lab_safety", "deals")

POLARIZATION_ALPHA = 1.0  # Esteban-Ray sensitivity to identification, in [1, 1.6]
POLARIZATION_BANDWIDTH = 0.5  # alignment distance within which countries identify (of 2)
SEARCH_BY_COUNT_UP_TO = 64  # polarization_many counts (T, N, N) comparisons up to this N


def polarization(alignment: np.ndarray, capability: np.ndarray,
                 alpha: float = POLARIZATION_ALPHA,
                 bandwidth: float = POLARIZATION_BANDWIDTH) -> float:
    """Capability-weighted polarization of alignments, scaled to [0, 1].

    The Esteban-Ray index (Econometrica 62, 1994) for a continuous distribution, in the kernel
    form of Duclos, Esteban and Ray (Econometrica 72, 2004):

        P = 2^alpha sum_i pi_i f_i^alpha sum_j pi_j |a_i - a_j|

    pi the capability shares, a in [-1, 1], f_i = sum_j pi_j max(0, 1 - |a_i - a_j| / h) the
    capability standing near country i (identification: a camp of many small states counts as
    one group, not as many). 0 when all stand together; 1 when the world is two equal camps at
    -1 and +1 (the maximum for alpha >= 1). O(N log N): sorted cumulative sums.
    """
    pi = capability / float(capability.sum())
    order = np.argsort(alignment, kind="stable")
    a, w = alignment[order], pi[order]
    n = a.size
    cw, cwa = np.zeros(n + 1), np.zeros(n + 1)  # cumulative weight and weighted alignment
    np.cumsum(w, out=cw[1:])
    np.cumsum(w * a, out=cwa[1:])
    below, upto = cw[:-1], cw[1:]  # weight of j < i, of j <= i (sorted order)
    below_a, upto_a = cwa[:-1], cwa[1:]
    # sum_j pi_j |a_i - a_j|: below and above i in sorted order
    dist = a * below - below_a + (cwa[n] - upto_a) - a * (cw[n] - upto)
    # triangular-kernel density: window [a - h, a] on the left, [a, a + h] on the right
    lo = np.searchsorted(a, a - bandwidth, side="left")
    hi = np.searchsorted(a, a + bandwidth, side="right")
    wl, sl = upto - cw[lo], upto_a - cwa[lo]  # j in [lo, i]
    wr, sr = cw[hi] - upto, cwa[hi] - upto_a  # j in (i, hi)
    scaled = a / bandwidth
    f = wl * (1.0 - scaled) + sl / bandwidth + wr * (1.0 + scaled) - sr / bandwidth
    f = np.maximum(f, 0.0)
    if alpha != 1.0:  # x ** 1 is x
        f **= alpha
    value = 2.0 ** alpha * float((w * f).dot(dist))
    return min(max(value, 0.0), 1.0)


def polarization_many(alignments: np.ndarray, capabilities: np.ndarray,
                      alpha: float = POLARIZATION_ALPHA,
                      bandwidth: float = POLARIZATION_BANDWIDTH) -> list[float]:
    """:func:`polarization` of each row of ``alignments`` and ``capabilities`` (T, N), the
    same numbers, in one pass over the T months: each step below is the one of
    :func:`polarization`, taken along the rows (sums, sorts and cumulative sums of a row are the
    row's own), so a run's observables can be settled together when they are read."""
    t, n = alignments.shape
    pi = capabilities / capabilities.sum(axis=1)[:, None]
    order = alignments.argsort(axis=1, kind="stable")
    a = np.take_along_axis(alignments, order, axis=1)
    w = np.take_along_axis(pi, order, axis=1)
    cw, cwa = np.zeros((t, n + 1)), np.zeros((t, n + 1))
    w.cumsum(axis=1, out=cw[:, 1:])
    (w * a).cumsum(axis=1, out=cwa[:, 1:])
    below, upto = cw[:, :-1], cw[:, 1:]
    below_a, upto_a = cwa[:, :-1], cwa[:, 1:]
    dist = (a * below - below_a + (cwa[:, n:] - upto_a)) - a * (cw[:, n:] - upto)
    left, right = a - bandwidth, a + bandwidth
    if n <= SEARCH_BY_COUNT_UP_TO:  # a sorted search is a count: of a_j < v (left), <= v
        lo = (a[:, None, :] < left[:, :, None]).sum(axis=2)
        hi = (a[:, None, :] <= right[:, :, None]).sum(axis=2)
    else:
        lo, hi = np.empty((t, n), np.intp), np.empty((t, n), np.intp)
        for k in range(t):  # a sorted search within each month
            lo[k] = a[k].searchsorted(left[k], side="left")
            hi[k] = a[k].searchsorted(right[k], side="right")
    rows = np.arange(t)[:, None]
    wl, sl = upto - cw[rows, lo], upto_a - cwa[rows, lo]
    wr, sr = cw[rows, hi] - upto, cwa[rows, hi] - upto_a
    scaled = a / bandwidth
    f = wl * (1.0 - scaled) + sl / bandwidth + wr * (1.0 + scaled) - sr / bandwidth
    f = np.maximum(f, 0.0)
    if alpha != 1.0:
        f **= alpha
    wf = w * f
    scale = 2.0 ** alpha
    return [min(max(scale * float(x.dot(y)), 0.0), 1.0) for x, y in zip(wf, dist, strict=True)]


def cross_camp_trust(trust: np.ndarray, camp_a: np.ndarray, camp_b: np.ndarray) -> float:
    """Mean trust between the two camps, both directions; mean off-diagonal trust when a camp
    is empty (nothing to be across)."""
    n_a, n_b = int(np.count_nonzero(camp_a)), int(np.count_nonzero(camp_b))
    if n_a == 0 or n_b == 0:
        return mean_trust(trust)
    a, b = camp_a.astype(float), camp_b.astype(float)
    return float((a.dot(trust).dot(b) + b.dot(trust).dot(a)) / (2.0 * n_a * n_b))


def mean_trust(trust: np.ndarray) -> float:
    """Mean off-diagonal trust (the diagonal, self-trust, is 1 by construction)."""
    n = trust.shape[0]
    return float((trust.sum() - n) / (n * (n - 1)))


class RegimeStructure(NamedTuple):
    """The regimes in force as the outcome reads them (leaders a and b: the two poles)."""

    in_force: int  # regimes in force
    depth: float  # depth of the deepest regime in force (0: none)
    coverage: float  # capability share inside the deepest (ties: the widest)
    shared_depth: float  # deepest regime in force with both leaders as members (0: none)
    shared_coverage: float  # capability share inside that regime
    a_own: bool  # leader a is in a regime in force that leaves leader b out
    b_own: bool  # and the other way round


def regime_structure(members: np.ndarray, depth: np.ndarray, active: np.ndarray,
                     capability: np.ndarray, a: int, b: int) -> RegimeStructure:
    """Summarise the regimes in force (``members`` (R, N), ``depth`` (R,), ``active`` (R,))."""
    if not active.any():
        return RegimeStructure(0, 0.0, 0.0, 0.0, 0.0, False, False)
    m, d = members[active], depth[active]
    cov = m.dot(capability) / float(capability.sum())
    deepest = d == d.max()
    both = m[:, a] & m[:, b]
    shared = np.flatnonzero(both)
    if shared.size:
        k = shared[np.lexsort((cov[shared], d[shared]))[-1]]
        shared_depth, shared_cov = float(d[k]), float(cov[k])
    else:
        shared_depth = shared_cov = 0.0
    return RegimeStructure(int(active.sum()), float(d.max()), float(cov[deepest].max()),
                           shared_depth, shared_cov, bool((m[:, a] & ~m[:, b]).any()),
                           bool((m[:, b] & ~m[:, a]).any()))


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


def capability_gap_many(capabilities: np.ndarray) -> np.ndarray:
    """:func:`capability_gap` of each row of ``capabilities`` (T, N), the same numbers: the
    leaders found row by row as :func:`leaders` finds them (the first maximum, then the first
    maximum of the rest)."""
    rows = np.arange(capabilities.shape[0])
    a = capabilities.argmax(axis=1)
    rest = capabilities.copy()
    rest[rows, a] = -np.inf
    top, second = capabilities[rows, a], capabilities[rows, rest.argmax(axis=1)]
    return (top - second) / top


def camp_sizes_many(alignments: np.ndarray, leader_a: int, threshold: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(T,) sizes of camp A and camp B in each row of ``alignments`` (T, N), the camps of
    :func:`sim.model.mechanisms.alignment.camps` (leader A's side positive)."""
    flip = alignments[:, leader_a] < 0
    oriented = alignments.copy()
    oriented[flip] = -alignments[flip]
    return ((oriented >= threshold).sum(axis=1), (oriented <= -threshold).sum(axis=1))


def mean_controls(controls: np.ndarray, supply: np.ndarray) -> float:
    """Mean stringency over supplier -> target pairs (suppliers: supply > 0)."""
    rows = supply > 0
    pairs = int(np.count_nonzero(rows)) * (controls.shape[0] - 1)
    return float(controls[rows].sum()) / pairs if pairs else 0.0


class Condition(NamedTuple):
    """One condition of the outcome test: ``value relation threshold`` (relation ``>=``,
    ``<`` or ``is``), whether it holds, and the outcome it counts for."""

    outcome: str  # cooperation or bifurcation
    key: str  # the quantity read (a key of the model's outcome basis)
    value: float | bool
    relation: str  # ">=", "<" or "is"
    threshold: float | bool
    met: bool


def outcome_conditions(*, shared_depth: float, shared_coverage: float, polarization: float,
                       leaders_apart: bool, a_own: bool, b_own: bool, depth_threshold: float,
                       coverage_threshold: float, polarization_high: float
                       ) -> tuple[Condition, ...]:
    """The conditions :func:`classify_outcome` decides on, each with its value, threshold and
    whether it holds: four for cooperation, then four for bifurcation (docs/ODD.md, 6.9).
    ``polarization`` is the mean over the outcome window (key ``polarization_mean``)."""
    return (
        Condition("cooperation", "shared_depth", shared_depth, ">=", depth_threshold,
                  bool(shared_depth >= depth_threshold)),
        Condition("cooperation", "shared_coverage", shared_coverage, ">=", coverage_threshold,
                  bool(shared_coverage >= coverage_threshold)),
        Condition("cooperation", "leaders_apart", bool(leaders_apart), "is", False,
                  not leaders_apart),
        Condition("cooperation", "polarization_mean", polarization, "<", polarization_high,
                  bool(polarization < polarization_high)),
        Condition("bifurcation", "leaders_apart", bool(leaders_apart), "is", True,
                  bool(leaders_apart)),
        Condition("bifurcation", "a_own_regime", bool(a_own), "is", True, bool(a_own)),
        Condition("bifurcation", "b_own_regime", bool(b_own), "is", True, bool(b_own)),
        Condition("bifurcation", "polarization_mean", polarization, ">=", polarization_high,
                  bool(polarization >= polarization_high)),
    )


def verdict(conditions: tuple[Condition, ...]) -> str:
    """The outcome the conditions give: cooperation if all of its conditions hold, else
    bifurcation if all of its hold, else fragmentation."""
    for outcome in ("cooperation", "bifurcation"):
        if all(c.met for c in conditions if c.outcome == outcome):
            return outcome
    return "fragmentation"


def classify_outcome(*, shared_depth: float, shared_coverage: float, polarization: float,
                     leaders_apart: bool, a_own: bool, b_own: bool, depth_threshold: float,
                     coverage_threshold: float, polarization_high: float) -> str:
    """cooperation / bifurcation / fragmentation, on structure (docs/ODD.md, 6.9).

    cooperation: a regime in force with both leaders in it, at least ``depth_threshold`` deep
    and covering at least ``coverage_threshold`` of world capability, the leaders not in
    opposite camps and polarization below ``polarization_high`` (the world is not split);
    bifurcation: the leaders in opposite camps, each in a regime in force that leaves the other
    out, and polarization at least ``polarization_high``; else fragmentation. The caller passes
    polarization averaged over the last months. The conditions, with their values, are
    :func:`outcome_conditions`.

    Low polarization is read structurally (the leaders together, the world below the split
    level) rather than as a second polarization cut: a world where the leaders share a deep
    regime but many small states stay non-aligned sits between any two cuts (0.23-0.35 in the
    193-country roster), and a second cut there made the class turn on a 10% move of it
    (docs/STUDIES.md, section 3).
    """
    return verdict(outcome_conditions(
        shared_depth=shared_depth, shared_coverage=shared_coverage, polarization=polarization,
        leaders_apart=leaders_apart, a_own=a_own, b_own=b_own, depth_threshold=depth_threshold,
        coverage_threshold=coverage_threshold, polarization_high=polarization_high))


def basis_conditions(basis: dict, thresholds) -> tuple[Condition, ...]:
    """:func:`outcome_conditions` of a model's outcome basis (``model.outcome_basis()``, or
    ``outcome_basis`` in summary.json) under its outcome settings (``run_config.outcome`` or a
    mapping with the same names): the test ``model.outcome()`` applies, condition by
    condition."""
    get = thresholds.get if isinstance(thresholds, dict) else lambda k: getattr(thresholds, k)
    return outcome_conditions(
        shared_depth=basis["shared_depth"], shared_coverage=basis["shared_coverage"],
        polarization=basis["polarization_mean"], leaders_apart=basis["leaders_apart"],
        a_own=basis["a_own_regime"], b_own=basis["b_own_regime"],
        depth_threshold=get("depth_threshold"), coverage_threshold=get("coverage_threshold"),
        polarization_high=get("polarization_high"))
