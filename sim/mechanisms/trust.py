"""Directed trust between countries, trust[i, j] in [0, 1]: how far i trusts j.

Trust relaxes toward a baseline affinity, rises with verified compliance and shared agreements,
falls faster with verified shortfalls, exclusion and rivalry (docs/ODD.md, section 3). The asymmetry
(losses larger than gains) follows the trust-building literature: trust is slow to build and
quick to destroy (Slovic 1993, "Perceived risk, trust, and democracy"); the seeds name distrust
as the first barrier to collaboration (001).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import clip, fill_diagonal


def relax_toward_affinity(trust: np.ndarray, affinity: np.ndarray, rate: float) -> np.ndarray:
    """Exponential relaxation: trust + rate * (affinity - trust). rate in [0, 1] per month."""
    return trust + rate * (affinity - trust)


def verification_update(trust: np.ndarray, observed: np.ndarray, complied: np.ndarray,
                        gain: float, loss: float) -> np.ndarray:
    """Update on what verification lets each observer see this month.

    observed[i, j]: i observed j (bool); complied[j]: j's implementation met its commitment.
    Compliance closes a share ``gain`` of the gap to 1; a shortfall removes a share ``loss`` of
    the trust held. Unobserved pairs are unchanged.
    """
    rate = np.where(complied, gain, loss)  # both moves close a gap: to 1 (kept), to 0 (broken)
    return trust + observed * (rate * (complied - trust))


def rivalry_cut(trust: np.ndarray, rivalry: np.ndarray, cut: float) -> np.ndarray:
    """Rivalry outside AI (tariffs, sanctions) erodes trust: trust * (1 - cut * rivalry)."""
    return trust * clip(1.0 - cut * rivalry, 0.0, 1.0)


def pair_mask(members: np.ndarray) -> np.ndarray:
    """(N, N) mask of the ordered pairs of distinct members of a (N,) mask."""
    pair = members[:, None] & members
    fill_diagonal(pair, False)
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
