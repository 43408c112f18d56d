"""Directed trust between countries, trust[i, j] in [0, 1]: how far i trusts j.

Trust relaxes toward a baseline affinity, rises with verified compliance and shared agreements,
falls faster with verified shortfalls, exclusion and rivalry (docs/ODD.md, section 3). The asymmetry
(losses larger than gains) follows the trust-building literature: trust is slow to build and
quick to destroy (Slovic 1993, "Perceived risk, trust, and democracy"); the seeds name distrust
as the first barrier to collaboration (001).
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip, fill_diagonal


def relax_toward_affinity(trust: np.ndarray, affinity: np.ndarray, rate: float) -> np.ndarray:
    """Exponential relaxation: trust + rate * (affinity - trust). rate in [0, 1] per month."""
    return trust + rate * (affinity - trust)


def verification_update(trust: np.ndarray, observed: np.ndarray, complied: np.ndarray,
                        gain: float, loss: float, rate: np.ndarray | None = None) -> np.ndarray:
    """Update on what verification lets each observer see this month.

    observed[i, j]: i observed j (bool); complied[j]: j's implementation met its commitment.
    Compliance closes a share ``gain`` of the gap to 1; a shortfall removes a share ``loss`` of
    the trust held. Unobserved pairs are unchanged. ``rate``: where(complied, gain, loss),
    when the caller has it.
    """
    if rate is None:  # both moves close a gap: to 1 (kept), to 0 (broken)
        rate = np.where(complied, gain, loss)
    return trust + observed * (rate * (complied - trust))


def verify_rows_inplace(rng: np.random.Generator, runs: list[tuple[int, int]],
                        trust: np.ndarray, verif: np.ndarray, verified: np.ndarray,
                        implemented: np.ndarray, complied: np.ndarray, gain: float, loss: float,
                        delta: np.ndarray, block: int = 32768) -> None:
    """Verification on the rows of ``runs`` (the (start, stop) runs of rows with a link), in
    place and block by block: the same numbers and the same random stream as

        observed = uniform_rows(rng, n, runs) < verif[rows]
        verified[rows] = where(observed, implemented, verified[rows])
        trust[rows] = verification_update(trust[rows], observed, complied, gain, loss)

    with the change of trust written into ``delta`` (N, N) on those rows (the caller keeps it
    zero elsewhere). Each block of about ``block`` elements is drawn, compared and updated
    while it is in cache, so a large roster streams each matrix once. The generator must be
    able to advance (draws.uniform_rows)."""
    n = trust.shape[0]
    step = max(1, block // n)
    u = np.empty((step, n))
    obs = np.empty((step, n), bool)
    s = np.empty((step, n))
    rate = np.where(complied, gain, loss)
    bitgen = rng.bit_generator
    pos = 0
    for start, stop in runs:
        if start > pos:
            bitgen.advance((start - pos) * n)
        for r0 in range(start, stop, step):
            r1 = min(r0 + step, stop)
            k = r1 - r0
            ub, ob, sb, tb = u[:k], obs[:k], s[:k], trust[r0:r1]
            rng.random(out=ub)
            np.less(ub, verif[r0:r1], out=ob)
            np.copyto(verified[r0:r1], implemented, where=ob)
            np.subtract(complied, tb, out=sb)  # verification_update, in its order
            np.multiply(rate, sb, out=sb)
            np.multiply(ob, sb, out=sb)
            np.add(tb, sb, out=sb)
            np.subtract(sb, tb, out=delta[r0:r1])
            tb[...] = sb
        pos = stop
    if pos < n:
        bitgen.advance((n - pos) * n)


def rivalry_cut(trust: np.ndarray, rivalry: np.ndarray, cut: float) -> np.ndarray:
    """Rivalry outside AI (tariffs, sanctions) erodes trust: trust * (1 - cut * rivalry)."""
    return trust * clip(1.0 - cut * rivalry, 0.0, 1.0)


def pair_mask(members: np.ndarray) -> np.ndarray:
    """(N, N) mask of the ordered pairs of distinct members of a (N,) mask."""
    pair = members[:, None] & members
    fill_diagonal(pair, False)
    return pair


def pair_rows(members: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """pair_mask(members)[rows], built on those rows only (|rows|, N)."""
    pair = members[rows][:, None] & members[None, :]
    pair[np.arange(rows.size), rows] = False
    return pair


def cosign_gain(trust: np.ndarray, signed: np.ndarray, depth: float, gain: float) -> np.ndarray:
    """Co-signatories of an agreement of ``depth`` in [0, 1] trust each other more.

    Each ordered pair of distinct signatories closes ``gain * depth`` of its gap to 1.
    ``signed``: the (N,) signatory mask, or its :func:`pair_mask` when the caller has it.
    """
    pair = signed if signed.ndim == 2 else pair_mask(signed)
    return trust + gain * depth * (1.0 - trust) * pair


def dialogue_gain(trust: np.ndarray, members: np.ndarray, gain: float) -> np.ndarray:
    """Meeting without an agreement still builds some trust among the members (002, 004)."""
    return cosign_gain(trust, members, 1.0, gain)


def exclusion_loss(trust: np.ndarray, excluded: np.ndarray, circle: np.ndarray,
                   penalty: float) -> np.ndarray:
    """Those left out of an exclusive venue lose a share ``penalty`` of their trust in the
    host and its circle ("exclusive small circles" leave no chance to collaborate, 001)."""
    return trust - penalty * trust * (excluded[:, None] & circle)


def clip_trust(trust: np.ndarray) -> np.ndarray:
    """Keep trust in [0, 1] with self-trust fixed at 1."""
    out = clip(trust, 0.0, 1.0)
    fill_diagonal(out, 1.0)
    return out


def drift_baseline(baseline: np.ndarray, trust: np.ndarray, rate: float) -> np.ndarray:
    """Trust with memory: the baseline that trust relaxes to drifts toward lived trust,
    baseline + rate (trust - baseline), with ``rate`` per month small (a half-life of years), so
    sustained exclusion, rivalry or shared regimes leave a lasting mark (hysteresis) while a
    short episode fades. The form is the slow-variable ("habituation") reading of
    expectation-state models of trust (Lewicki and Bunker 1995: calculus-based trust becomes
    knowledge-based trust with lived experience)."""
    return baseline + rate * (trust - baseline)


def relax_clip_drift(t2: np.ndarray, baseline: np.ndarray, relax: float, drift: float, *,
                     new_baseline: np.ndarray, d_relax: np.ndarray, d_bounds: np.ndarray,
                     d_drift: np.ndarray, block: int = 32768) -> bool:
    """The month's end for trust, fused: the same numbers as

        t3 = relax_toward_affinity(t2, baseline, relax); trust = clip_trust(t3)
        new_baseline = drift_baseline(baseline, trust, drift)

    with the changes each makes (``d_relax`` = t3 - t2, ``d_bounds`` = trust - t3, ``d_drift``
    = new_baseline - baseline), written into the given (N, N) arrays; ``t2`` is overwritten
    with the new trust. Worked through in blocks of rows of about ``block`` elements, so that
    each block's intermediates stay in cache (a large roster streams each matrix once).
    Returns whether the clip changed anything (``d_bounds`` is all zeros otherwise).
    """
    n = t2.shape[0]
    rows = max(1, block // n)
    scratch = np.empty((min(rows, n), n))
    clipped = False
    for r0 in range(0, n, rows):
        r1 = min(r0 + rows, n)
        tb, bb, s = t2[r0:r1], baseline[r0:r1], scratch[:r1 - r0]
        np.subtract(bb, tb, out=s)
        s *= relax
        s += tb  # t3
        np.subtract(s, tb, out=d_relax[r0:r1])
        clip(s, 0.0, 1.0, out=tb)
        tb.flat[r0::n + 1] = 1.0  # self-trust, on this block's rows
        db = d_bounds[r0:r1]
        np.subtract(tb, s, out=db)
        clipped = clipped or bool(db.any())
        nb = new_baseline[r0:r1]
        np.subtract(tb, bb, out=nb)
        nb *= drift
        nb += bb
        np.subtract(nb, bb, out=d_drift[r0:r1])
    return clipped


def relax_clip_drift_sums(t2: np.ndarray, baseline: np.ndarray, relax: float, drift: float,
                          *, new_baseline: np.ndarray, leaves: list[tuple[int, int]]
                          ) -> tuple[list[float], list[float], list[float]]:
    """relax_clip_drift without the (N, N) changes: the same new trust (in ``t2``) and new
    baseline, and, for each (start, stop) range of ``leaves`` over the flattened matrix (in
    order, covering it), the sums of the three changes (relaxation, bounds, drift) on that
    range, taken while the range is in cache. With the leaves of a
    :class:`sim.model.ledger.PairwiseSum` these give each change's ``sum()`` exactly. The matrices
    must be C-contiguous."""
    n = t2.shape[0]
    tf, bf, nf = t2.reshape(-1), baseline.reshape(-1), new_baseline.reshape(-1)
    width = max((b - a for a, b in leaves), default=0)
    scratch, d = np.empty(width), np.empty(width)
    relaxed, bounded, drifted = [], [], []
    add = np.add.reduce
    for a, b in leaves:
        tb, bb, s, db, nb = tf[a:b], bf[a:b], scratch[:b - a], d[:b - a], nf[a:b]
        np.subtract(bb, tb, out=s)
        s *= relax
        s += tb  # t3
        np.subtract(s, tb, out=db)
        relaxed.append(add(db))
        clip(s, 0.0, 1.0, out=tb)
        tb[(-a) % (n + 1)::n + 1] = 1.0  # self-trust: the diagonal entries in this range
        np.subtract(tb, s, out=db)
        bounded.append(add(db))
        np.subtract(tb, bb, out=nb)
        nb *= drift
        nb += bb
        np.subtract(nb, bb, out=db)
        drifted.append(add(db))
    return relaxed, bounded, drifted


def felt_rivalry_rows(rivalry: np.ndarray, controls: np.ndarray, rows: np.ndarray,
                      controls_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """The rivalry each pair feels, felt = rivalry + controls_weight (controls + controls.T),
    on a support: its rows felt[rows] and its columns felt[:, rows].T, both (|rows|, N)."""
    c_rows, c_cols = controls[rows], controls[:, rows].T
    return (rivalry[rows] + controls_weight * (c_rows + c_cols),
            rivalry[:, rows].T + controls_weight * (c_cols + c_rows))


def is_kept(trust_rows: np.ndarray, rows: np.ndarray | None = None) -> bool:
    """Whether rows of trust are already what clip_trust_rows makes them (in [0, 1],
    self-trust 1), so clipping them would change nothing; ``rows=None``: the whole (N, N)
    matrix, whose diagonal is self-trust (within [0, 1], all 1 when its minimum is 1)."""
    if not trust_rows.size:
        return True
    if not (trust_rows.min() >= 0.0 and trust_rows.max() <= 1.0):
        return False
    if rows is None:
        return bool(trust_rows.diagonal().min() >= 1.0)
    return bool((trust_rows[np.arange(rows.size), rows] == 1.0).all())


def clip_trust_rows(trust_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """clip_trust(trust)[rows] from those rows (|rows|, N): clipped to [0, 1], self-trust 1."""
    out = clip(trust_rows, 0.0, 1.0)
    out[np.arange(rows.size), rows] = 1.0
    return out
