"""Implemented safety follows declared commitment, imperfectly (docs/ODD.md, section 3).

Commitments are cheap, implementation is costly: implemented safety moves toward commitment at a
monthly rate that race pressure and hawkishness slow, with random shocks. Safety work is seen as
slowing the race to catch up (002), which is why the drag grows with race pressure.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip


def race_pressure(capability: np.ndarray) -> np.ndarray:
    """How close each country is to the top of the race, in [0, 1].

    A follower's pressure is its capability relative to the leader (a close chaser feels the
    race, a distant one does not); the leader's is the runner-up's relative capability (how
    close the challenger is). Two equal leaders both feel 1.
    """
    if capability.size < 2:
        return np.zeros(capability.size)
    lead = int(capability.argmax())
    top = capability[lead]
    if top <= 0:
        return np.zeros(capability.size)
    p = capability / top
    p[lead] = -np.inf
    p[lead] = p.max()
    return p


def comply(implemented: np.ndarray, commitment: np.ndarray, hawkishness: np.ndarray,
           pressure: np.ndarray, rate: float, hawk_drag: float, shock: np.ndarray) -> np.ndarray:
    """One month of implementation: implemented + r_i (commitment - implemented) + shock.

    r_i = rate * (1 - hawk_drag * hawkishness_i * pressure_i), in [0, rate]. ``shock`` is a
    pre-drawn normal array (s.d. = compliance_noise). Result clipped to [0, 1].
    """
    r = rate - (rate * hawk_drag) * hawkishness * pressure
    return clip(implemented + r * (commitment - implemented) + shock, 0.0, 1.0)


def complied(implemented: np.ndarray, commitment: np.ndarray, tolerance: float) -> np.ndarray:
    """What an observer reads as compliance: implemented >= tolerance * commitment."""
    return implemented >= tolerance * commitment


def deal_incentive(commitment: np.ndarray, stake: np.ndarray, threshold: float) -> np.ndarray:
    """Implementation target under a safety-for-compute offer (002: safety and access as
    complements): a target with ``stake`` in [0, 1] (the strictest controls it faces from a
    supplier that would ease them: rivalry below the gate and a verification channel open)
    aims a share ``stake`` of the way from its commitment up to the deal's safety threshold."""
    return commitment + stake * np.maximum(threshold - commitment, 0.0)


def deal_stake(controls: np.ndarray, rivalry: np.ndarray, verification: np.ndarray,
               rivalry_gate: float, rows: np.ndarray | None = None) -> np.ndarray:
    """The stake of :func:`deal_incentive`: for each target, the strictest controls it faces
    from a supplier that would ease them (rivalry below ``rivalry_gate`` and a verification
    channel open, ``verification`` > 0). ``rows``: the only rows where controls can be
    non-zero (the same numbers: a maximum over non-negative controls ignores zero rows)."""
    if rows is None:
        return (controls * ((rivalry < rivalry_gate) & (verification > 0))).max(axis=0)
    if not rows.size:
        return np.zeros(controls.shape[1])
    open_offer = (rivalry[rows] < rivalry_gate) & (verification[rows] > 0)
    return (controls[rows] * open_offer).max(axis=0)


def phase_in(obligation: np.ndarray, commitment: np.ndarray, months: float) -> np.ndarray:
    """Commitments phase in: a signed depth becomes an obligation over ``months`` months (a
    straight-line schedule, as implementation periods in treaties and the EU AI Act's staged
    application), obligation + commitment / months, capped at the commitment; an obligation
    falls at once with the commitment (a lapsed regime, a withdrawal). Compliance is judged
    against this schedule, so signing a deep text does not by itself read as a shortfall."""
    return np.minimum(obligation + commitment / months, commitment)
