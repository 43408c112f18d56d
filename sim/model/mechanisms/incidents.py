"""AI incidents and the risk concern they raise (docs/ODD.md, section 3).

Unsafe frontier capability is a hazard; open weights add to it (malicious use is the top risk
experts name for open models, 001). Incidents arrive as a Poisson process; each raises risk
concern everywhere, which decays slowly back to its baseline.
"""

from __future__ import annotations

import numpy as np


def exposure(openness: np.ndarray, openness_hazard: float) -> np.ndarray:
    """How much an unsafe unit of capability counts: 1 + openness_hazard * openness (open
    weights can be misused by anyone who downloads them)."""
    return 1.0 + openness_hazard * openness


def hazard(capability: np.ndarray, safety: np.ndarray, exposure: np.ndarray,
           rate: float) -> float:
    """Expected incidents per month: rate * sum_k cap_k (1 - safety_k) exposure_k.

    ``exposure``: from :func:`exposure` (fixed for a run, so the model computes it once).
    """
    return rate * float((capability * (1.0 - safety) * exposure).sum())


def raise_concern(risk: np.ndarray, incidents: int, salience: float) -> np.ndarray:
    """Each incident closes a share ``salience`` of the gap to 1: 1 - (1 - r)(1 - s)^n."""
    if incidents == 0:
        return risk
    return 1.0 - (1.0 - risk) * (1.0 - salience) ** incidents


def decay_concern(risk: np.ndarray, baseline: np.ndarray, decay: float) -> np.ndarray:
    """Salience fades: risk + decay * (baseline - risk)."""
    return risk + decay * (baseline - risk)
