"""Regimes as clubs: agreements in force, with members, depth and verification.

A regime is the agreement of one venue series (the UN's AI texts, the summit series, a bilateral
channel). A session of the series that produces a text renews it: its depth and verification
become the new text's, its members the new signatories, its clock restarts. A regime lapses
``lapse`` months after its last renewal unless reaffirmed; members withdraw after a change of
government that says so (an event) or after ``shortfall_limit`` months in a row of falling short
of their obligations (Barrett, Oxford Econ. Pap. 46, 1994: self-enforcing treaties hold only
what members want to keep). Membership pays through trust among members, through the club
penalty (suppliers easing controls for fellow members, Nordhaus, Am. Econ. Rev. 105, 2015; the
tiered chip-export rules of 2025) and costs compliance and, for the hawkish, sovereignty.

Shapes: R regimes, N countries; ``members`` is (R, N) bool, ``depth``, ``verification`` and
``renewed`` are (R,). Functions are pure; the model holds the arrays.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import fill_diagonal


def in_force(members: np.ndarray, renewed: np.ndarray, month: int, lapse: float) -> np.ndarray:
    """(R,) regimes in force: renewed fewer than ``lapse`` months ago, two or more members."""
    return ((month - renewed) < lapse) & (members.sum(axis=1) >= 2)


def shared_max(members: np.ndarray, values: np.ndarray, active: np.ndarray) -> np.ndarray:
    """(N, N): for each pair of distinct countries, the largest ``values`` (e.g. depth or
    verification) among the active regimes both belong to; 0 where they share none."""
    n = members.shape[1]
    out = np.zeros((n, n))
    for r in np.flatnonzero(active):
        m = members[r]
        v = values[r]
        np.maximum(out, v, out=out, where=m[:, None] & m[None, :])
    fill_diagonal(out, 0.0)
    return out


def member_max(members: np.ndarray, values: np.ndarray, active: np.ndarray) -> np.ndarray:
    """(N,): the largest ``values`` among the active regimes each country belongs to (0: none).
    With depths this is a country's commitment: what it has signed and still keeps."""
    if not active.any():
        return np.zeros(members.shape[1])
    return (members[active] * values[active, None]).max(axis=0)


def shortfall_streak(streak: np.ndarray, short: np.ndarray) -> np.ndarray:
    """Months in a row each country has fallen short of a non-zero obligation."""
    return (streak + 1) * short  # np.where(short, streak + 1, 0)


def coverage(members: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """(R,) share of world capability inside each regime."""
    return members.dot(capability) / float(capability.sum())


def shared_max_signatures(members: np.ndarray, values: tuple[np.ndarray, ...],
                          active: np.ndarray) -> list[np.ndarray]:
    """[shared_max(members, v, active) for v in values], the same matrices, through the
    countries' signatures (which of the active regimes each belongs to): two countries' entry
    depends on their signatures alone, so each value's maximum is taken once per pair of
    distinct signatures (a value <= 0 counts as 0, which never beats the zero start) and the
    (N, N) matrix is gathered from that table in one pass."""
    n = members.shape[1]
    if not active.any():
        return [np.zeros((n, n)) for _ in values]
    m = members[active.nonzero()[0]]
    sig, inv = np.unique(m.T, axis=0, return_inverse=True)  # (U, K) signatures, (N,) each's
    inv = inv.reshape(-1)
    common = sig[:, None, :] & sig[None, :, :]  # (U, U, K): regimes both signatures hold
    out = []
    for v in values:
        positive = np.maximum(v[active], 0.0)
        table = (common * positive).max(axis=2, initial=0.0)
        shared = table.take(inv, 0).take(inv, 1)
        fill_diagonal(shared, 0.0)
        out.append(shared)
    return out


def shared_max_many(members: np.ndarray, values: tuple[np.ndarray, ...], active: np.ndarray,
                    stack_up_to: int = 1 << 16) -> list[np.ndarray]:
    """[shared_max(members, v, active) for v in values], the same matrices. While the active
    regimes' pair masks fit in ``stack_up_to`` entries they are built at once, (K, N, N), and
    each matrix is the maximum over the regimes of value x mask (a value <= 0 counts as 0,
    which never beats the zero start); larger rosters go by the countries' signatures
    (:func:`shared_max_signatures`)."""
    n = members.shape[1]
    rs = active.nonzero()[0]
    if rs.size * n * n > stack_up_to:
        return shared_max_signatures(members, values, active)
    m = members[rs]
    pairs = m[:, :, None] & m[:, None, :]
    out = []
    for v in values:
        positive = np.maximum(v[rs], 0.0)[:, None, None]
        shared = (pairs * positive).max(axis=0, initial=0.0)
        fill_diagonal(shared, 0.0)
        out.append(shared)
    return out


def shared_max_stacked(members: np.ndarray, values: np.ndarray, active: np.ndarray,
                       stack_up_to: int = 1 << 16) -> tuple[list[np.ndarray], np.ndarray]:
    """All that the active regimes imply for each row ``v`` of the (V, R) ``values``, in one
    pass: ``shared``, the list of shared_max(members, values[v], active), and ``top`` (V, N),
    the largest value >= 0 among the active regimes each country belongs to (0: none), which is
    member_max(members, values[v], active) for values >= 0 (depths and verification strengths
    are in [0, 1]) and has a positive entry exactly on linked_rows(members, values[v], active).
    While the V pair-mask stacks of all R regimes fit in ``stack_up_to`` entries the matrices
    are built at once, (V, R, N, N), with the regimes not in force valued 0 (which never beats
    the zero start), and ``top`` is their diagonal before it is zeroed; larger rosters go by
    :func:`shared_max_signatures` and :func:`member_max`."""
    (v_count, r_count), n = values.shape, members.shape[1]
    positive = np.maximum(values, 0.0)
    if v_count * r_count * n * n > stack_up_to:
        return (shared_max_signatures(members, tuple(positive), active),
                np.array([member_max(members, v, active) for v in positive]).reshape(v_count, n))
    pairs = members[:, :, None] & members[:, None, :]
    positive *= active
    shared = (pairs * positive[:, :, None, None]).max(axis=1, initial=0.0)
    flat = shared.reshape(v_count, n * n)
    top = flat[:, :: n + 1].copy()
    flat[:, :: n + 1] = 0.0
    return list(shared), top


def linked_rows(members: np.ndarray, values: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Rows of shared_max(members, values, active) that hold a positive entry: the members of
    an active regime with a positive value (in force means two or more members)."""
    keep = active & (values > 0)
    return members[keep].any(axis=0).nonzero()[0] if keep.any() else np.zeros(0, np.intp)


def runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Sorted distinct indices as (start, stop) runs of consecutive values."""
    if not rows.size:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = rows[np.concatenate(([0], breaks))]
    stops = rows[np.concatenate((breaks - 1, [rows.size - 1]))] + 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))
