"""The DSAIR AI-race game: payoffs and the two thresholds in the disaster probability p_r.

Source: T. A. Han, L. M. Pereira, F. C. Santos, T. Lenaerts, "To regulate or not: a social
dynamics analysis of an idealised AI race", JAIR 69 (2020): the per-round payoffs pi, the
race payoffs Pi, and the two lines in (s, p_r) that bound the dilemma zone.

Two strategies, in this order everywhere: index 0 = AS (always safe), index 1 = AU (always
unsafe). Parameters and units (all payoffs are in the same abstract utility units):

- b > 0: benefit per development round, shared between the two developers in proportion to
  their speed.
- c >= 0: cost per round of following safety precautions (paid by AS only).
- B >= 0: prize for winning the race (reaching the breakthrough first).
- W > 0: rounds a safe developer needs to win (the race length for AS vs AS).
- s >= 1: speed-up of an unsafe developer (it needs W / s rounds).
- p_r in [0, 1]: probability that an unsafe developer suffers a disaster and loses everything.

Every function broadcasts over numpy arrays of its arguments (for instance one s and one p_r
per lab, or an s-by-p_r grid for a phase diagram); payoff matrices carry the 2x2 strategy axes
last.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

STRATEGIES = ("AS", "AU")
AS, AU = 0, 1
PAIR_KEYS = ("AS_AS", "AS_AU", "AU_AS", "AU_AU")


def _stack_2x2(aa: NDArray, ab: NDArray, ba: NDArray, bb: NDArray) -> NDArray[np.float64]:
    """Stack four broadcastable entries into an array of shape (..., 2, 2), row = focal."""
    aa, ab, ba, bb = np.broadcast_arrays(aa, ab, ba, bb)
    return np.stack([np.stack([aa, ab], axis=-1), np.stack([ba, bb], axis=-1)], axis=-2)


def round_payoffs(b: ArrayLike, c: ArrayLike, s: ArrayLike) -> NDArray[np.float64]:
    """Per-round payoffs pi of the focal developer (row) against the other (column).

    Models one development round: the benefit b is split in proportion to speed (1 for AS,
    s for AU) and AS pays the safety cost c (Han et al. 2020):

        pi(AS,AS) = b/2 - c        pi(AS,AU) = b/(s+1) - c
        pi(AU,AS) = s b/(s+1)      pi(AU,AU) = b/2

    Args:
        b: benefit per round, > 0. c: safety cost per round, >= 0. s: unsafe speed-up, >= 1.
    Returns:
        Array of shape broadcast(b, c, s).shape + (2, 2), strategy order [AS, AU].
    """
    b, c, s = (np.asarray(x, dtype=float) for x in (b, c, s))
    return _stack_2x2(b / 2 - c, b / (s + 1) - c, s * b / (s + 1), b / 2)


def race_payoff_entries(
    b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike, p_r: ArrayLike
) -> tuple[NDArray[np.float64], ...]:
    """Race payoffs Pi: expected payoff per round over a whole race (Han et al. 2020, Eq. 3).

    Two AS developers share the prize, each getting B/(2W) per round of a W-round race. An AU
    developer wins the prize alone against AS (s B / W per round) and shares it against AU; with
    probability p_r its unsafe development ends in disaster and it keeps nothing:

        Pi(AS,AS) = pi(AS,AS) + B/(2W)              Pi(AS,AU) = pi(AS,AU)
        Pi(AU,AS) = (1 - p_r)(s B/W + pi(AU,AS))    Pi(AU,AU) = (1 - p_r)(s B/(2W) + pi(AU,AU))

    Returns the four entries (AS_AS, AS_AU, AU_AS, AU_AU) without stacking or broadcasting them
    (the governance model calls this every month for every lab): an entry that depends only on
    scalar arguments is a float, the others are arrays over the array arguments.
    """
    b, c, B, W, s, p_r = (float(x) if isinstance(x, int | float) else np.asarray(x, dtype=float)
                          for x in (b, c, B, W, s, p_r))
    prize = B / W
    survive = 1 - p_r
    s1, s_prize = s + 1, s * prize
    return (b / 2 - c + prize / 2, b / s1 - c, survive * (s_prize + s * b / s1),
            survive * (s_prize / 2 + b / 2))


def payoff_advantage(
    x: ArrayLike, b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike,
    p_r: ArrayLike
) -> NDArray[np.float64] | float:
    """How much more AS earns than AU against a population whose safe share is x in [0, 1]:

        x [Pi(AS,AS) - Pi(AU,AS)] + (1 - x) [Pi(AS,AU) - Pi(AU,AU)]

    with the race payoffs of :func:`race_payoff_entries`, gathered so that the AU side reads
    (1 - p_r) [s (x b/(s+1) + (1 + x) B/(2W)) + (1 - x) b/2]. This is what drives mean-field
    imitation (the governance model's labs evaluate it every month, so it is written in a dozen
    array operations rather than through the four entries).
    """
    b, c, B, W, x = (float(v) if isinstance(v, int | float) else np.asarray(v, dtype=float)
                     for v in (b, c, B, W, x))
    prize = B / W
    u = b / (s + 1)
    p_as = x * (b / 2 - c + prize / 2) + (1 - x) * (u - c)
    p_au = (1 - p_r) * (s * (x * u + (1 + x) * prize / 2) + (1 - x) * b / 2)
    return p_as - p_au


def race_payoffs(
    b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike, p_r: ArrayLike
) -> NDArray[np.float64]:
    """Race payoffs Pi as a matrix (see :func:`race_payoff_entries`; per-round parts are
    :func:`round_payoffs`).

    Args:
        b, c, B, W, s, p_r: game parameters (ranges in the module docstring); any may be a
            numpy array, and all are broadcast together.
    Returns:
        Array of shape broadcast(...).shape + (2, 2): [..., focal, other], order [AS, AU].
    """
    return _stack_2x2(*race_payoff_entries(b, c, B, W, s, p_r))


def payoff_dict(matrix: ArrayLike) -> dict[str, float | NDArray[np.float64]]:
    """The 2x2 payoff matrix (..., 2, 2) as a dict with keys AS_AS, AS_AU, AU_AS, AU_AU.

    Key "X_Y" is the payoff of a focal X-player against a Y-player. Scalars become floats.
    """
    m = np.asarray(matrix, dtype=float)
    out = {}
    for key in PAIR_KEYS:
        focal, other = (STRATEGIES.index(name) for name in key.split("_"))
        entry = m[..., focal, other]
        out[key] = float(entry) if entry.ndim == 0 else entry
    return out


def race_payoff_dict(
    b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike, p_r: ArrayLike
) -> dict[str, float | NDArray[np.float64]]:
    """:func:`race_payoffs` as a dict with keys AS_AS, AS_AU, AU_AS, AU_AU."""
    entries = race_payoff_entries(b, c, B, W, s, p_r)
    return {k: float(v) if v.ndim == 0 else v
            for k, v in zip(PAIR_KEYS, np.broadcast_arrays(*entries), strict=True)}


def threshold_welfare(
    b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike
) -> NDArray[np.float64] | float:
    """The p_r at which a population of AS earns as much as one of AU: Pi(AS,AS) = Pi(AU,AU).

    Pi(AU,AU) is linear in (1 - p_r), so the equality solves exactly:

        1 - p_w = (b/2 - c + B/(2W)) / (s B/(2W) + b/2)
        p_w     = 1 - (b - 2c + B/W) / (s B/W + b)

    For p_r > p_w society is better off with everybody safe. As B/W grows (early regime)
    p_w -> 1 - 1/s (:func:`threshold_welfare_early`). The value may leave [0, 1] (for example
    when c > b/2 + B/(2W)); then one strategy is preferred for every p_r.
    """
    b, c, B, W, s = (np.asarray(x, dtype=float) for x in (b, c, B, W, s))
    prize = B / W
    return _scalar_or_array(1 - (b - 2 * c + prize) / (s * prize + b))


def threshold_risk_dominance(
    b: ArrayLike, c: ArrayLike, B: ArrayLike, W: ArrayLike, s: ArrayLike
) -> NDArray[np.float64] | float:
    """The p_r at which neither strategy risk-dominates:
    Pi(AS,AS) + Pi(AS,AU) = Pi(AU,AS) + Pi(AU,AU).

    The right-hand side is (1 - p_r) times (3 s B/(2W) + s b/(s+1) + b/2), so exactly:

        1 - p_rd = (b/2 + b/(s+1) - 2c + B/(2W)) / (3 s B/(2W) + s b/(s+1) + b/2)

    For p_r > p_rd, AS is risk-dominant, i.e. selected by social learning in a large population
    (Han et al. 2020). As B/W grows p_rd -> 1 - 1/(3s)
    (:func:`threshold_risk_dominance_early`). The value may leave [0, 1].
    """
    b, c, B, W, s = (np.asarray(x, dtype=float) for x in (b, c, B, W, s))
    half_prize = B / (2 * W)
    safe_side = b / 2 + b / (s + 1) - 2 * c + half_prize
    unsafe_side = 3 * s * half_prize + s * b / (s + 1) + b / 2
    return _scalar_or_array(1 - safe_side / unsafe_side)


def threshold_welfare_early(s: ArrayLike) -> NDArray[np.float64] | float:
    """Early-regime welfare line p_r = 1 - 1/s (limit of :func:`threshold_welfare`, B/W >> b, c).

    Below it, unsafe development is collectively better, so regulating it is over-regulation.
    """
    return _scalar_or_array(1 - 1 / np.asarray(s, dtype=float))


def threshold_risk_dominance_early(s: ArrayLike) -> NDArray[np.float64] | float:
    """Early-regime risk-dominance line p_r = 1 - 1/(3s) (limit of
    :func:`threshold_risk_dominance`, B/W >> b, c).

    Between 1 - 1/s and 1 - 1/(3s) lies the dilemma zone: AU is selected although AS would be
    better for all; this is where regulation is warranted (Han et al. 2020).
    """
    return _scalar_or_array(1 - 1 / (3 * np.asarray(s, dtype=float)))


def _scalar_or_array(x: NDArray[np.float64]) -> NDArray[np.float64] | float:
    return float(x) if np.ndim(x) == 0 else x
