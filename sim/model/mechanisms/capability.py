"""Compute access and capability growth (docs/ODD.md, section 3).

Access to advanced compute is cut by the controls of each supplier in proportion to its share of
the chip supply chain, and restored slowly by domestic substitution, which the blockage itself
drives. Capability grows with access, slowed by the share of compute spent on safety. The
embargo hampering China's computing power is reported in 000; its objection to controls in
002 and 003.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip


def blocked_share(controls: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Share of the world's advanced-chip supply closed to each target: sum_i supply_i c[i, j]."""
    return clip(supply.dot(controls), 0.0, 1.0)


def substitute(substitution: np.ndarray, blocked: np.ndarray, speed: float) -> np.ndarray:
    """Domestic substitution grows under blockage: s + speed * blocked * (1 - s)."""
    return substitution + speed * blocked * (1.0 - substitution)


def compute_access(blocked: np.ndarray, substitution: np.ndarray) -> np.ndarray:
    """Access in [0, 1]: 1 - blocked * (1 - substitution)."""
    return 1.0 - blocked * (1.0 - substitution)


def grow(capability: np.ndarray, access: np.ndarray, safety_spend: np.ndarray, growth: float,
         safety_cost: float) -> np.ndarray:
    """One month: capability * (1 + growth * access * (1 - safety_cost * safety_spend))."""
    return capability + capability * access * (growth - (growth * safety_cost) * safety_spend)
