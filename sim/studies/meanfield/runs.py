"""Mean field, the model's side: seeded runs of the homogeneous world and their band."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.studies.meanfield.world import EXACT_TOL, OBS, ZERO_SPREAD, one_blas_thread

# ---------------------------------------------------------------------------------------------
# the model's runs and the band


def simulate(run, seeds: Sequence[int]) -> dict[str, np.ndarray]:
    """Per seed and record: mean off-diagonal trust, mean implemented and mean commitment
    (arrays R x (steps + 1))."""
    out = {k: [] for k in OBS}
    with one_blas_thread():
        _simulate(run, seeds, out)
    return {k: np.array(v) for k, v in out.items()}


def _simulate(run, seeds: Sequence[int], out: dict[str, list]) -> None:
    """The loop of :func:`simulate`, appending each seed's rows to ``out``."""
    from sim.api import with_seed
    from sim.model.metrics import mean_trust
    from sim.model.model import GovernanceModel

    for seed in seeds:
        m = GovernanceModel(with_seed(run, seed))
        rows = {k: [] for k in OBS}
        for step in range(run.steps + 1):
            if step:
                m.step()
            rows["trust"].append(mean_trust(m.trust))
            rows["implemented"].append(float(m.implemented.mean()))
            rows["commitment"].append(float(m.commitment.mean()))
        for k in OBS:
            out[k].append(rows[k])


@dataclass(frozen=True)
class Band:
    mean: dict[str, np.ndarray]
    half: dict[str, np.ndarray]  # half-width of the simultaneous 95% band
    z: float
    runs: int


def band(runs: dict[str, np.ndarray], level: float = 0.95) -> Band:
    """Mean of the runs and its simultaneous band (Bonferroni over every random point)."""
    se = {k: v.std(axis=0, ddof=1) / np.sqrt(v.shape[0]) for k, v in runs.items()}
    se = {k: np.where(s > ZERO_SPREAD, s, 0.0) for k, s in se.items()}
    m = sum(int((s > 0).sum()) for s in se.values())
    z = float(ndtri(1.0 - (1.0 - level) / (2 * max(m, 1))))
    return Band({k: v.mean(axis=0) for k, v in runs.items()}, {k: z * s for k, s in se.items()},
                z, next(iter(runs.values())).shape[0])


def deviation(b: Band, path: dict[str, np.ndarray]) -> dict[str, float]:
    """Max |mean - path| in band half-widths per observable; where the band has zero width the
    path must match to EXACT_TOL, else the deviation is infinite."""
    out = {}
    for k, half in b.half.items():
        diff = np.abs(b.mean[k] - path[k])
        random = half > 0
        dev = float(np.max(diff[random] / half[random])) if random.any() else 0.0
        if np.any(diff[~random] > EXACT_TOL):
            dev = np.inf
        out[k] = dev
    return out
