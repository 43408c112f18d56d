"""Shared machinery of the version-2 studies (docs/STUDIES.md).

This module owns what the study modules (:mod:`sim.studies.tipping`, :mod:`sim.studies.pathdep` and
``benchmarks/outcome_robustness.py``) have in common: composing a scenario into a plain dict
that a study may edit before validation (:func:`scenario_dict`, :func:`run_config`), mapping a
per-run function over many seeds on the pool of :mod:`sim.runs` (:func:`map_runs`), the
outcome basis of a run and its re-classification under other thresholds (:func:`basis_of`,
:func:`classify`), paired 95% intervals (:func:`paired_interval`), and the fast mode of the
study commands (``AIGOV_FAST=1`` or ``--fast``).
"""

from __future__ import annotations

import copy
import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from sim.config import RunConfig, build_run_config
from sim.model.metrics import classify_outcome
from sim.runs import Failed, run_many

OUTCOMES = ("cooperation", "bifurcation", "fragmentation")
THRESHOLDS = ("depth_threshold", "coverage_threshold", "polarization_high", "camp_threshold")
MAX_JOBS = 2  # the studies share a small machine: never more workers than this by default


def fast_mode(flag: bool = False) -> bool:
    """True when a study should run its small version (``--fast`` or ``AIGOV_FAST=1``)."""
    return flag or os.environ.get("AIGOV_FAST", "") not in ("", "0")


def scenario_dict(scenario: str = "baseline", overrides: Sequence[str] = ()) -> dict:
    """The composed config tree of ``scenario`` plus overrides, as a plain dict to edit (a
    fresh copy each call; the composition itself is done once per process)."""
    return copy.deepcopy(_composed(scenario, tuple(overrides)))


@functools.lru_cache(maxsize=32)
def _composed(scenario: str, overrides: tuple[str, ...]) -> dict:
    from omegaconf import OmegaConf

    from sim.config import compose_config

    return OmegaConf.to_container(compose_config(scenario, list(overrides)), resolve=True)


def run_config(data: dict, *, seed: int | None = None, steps: int | None = None) -> RunConfig:
    """Validate an (edited) config dict into run settings, optionally with seed and steps."""
    data = copy.deepcopy(data)
    if seed is not None:
        data["seed"] = seed
    if steps is not None:
        data["steps"] = steps
    return build_run_config(data)


# -- running many seeds ---------------------------------------------------------------------------


def map_runs(fn: Callable[..., Any], tasks: Sequence[tuple], jobs: int = MAX_JOBS,
             chunk: int = 5, progress: bool | None = None, desc: str = "runs") -> list:
    """``[fn(*task) for task in tasks]``, in order, on ``jobs`` worker processes (1: here),
    through the one pool of :mod:`sim.runs`, with a tqdm bar on stderr when ``progress``
    (default: when stderr is a terminal).

    ``fn`` must be a module-level function (workers import it); each task is a tuple of
    picklable arguments, typically (RunConfig, seed, ...). Results are independent of ``jobs``.
    A task whose worker died raises RuntimeError: a study needs every run.
    """
    if progress is None:
        progress = sys.stderr.isatty()
    out = run_many(fn, list(tasks), jobs=jobs, chunk=chunk, progress=progress, desc=desc)
    for task, res in zip(tasks, out, strict=True):
        if isinstance(res, Failed):
            raise RuntimeError(f"{getattr(fn, '__name__', fn)}{task[1:]!r}: {res.error}")
    return out


# -- outcome basis and re-classification ----------------------------------------------------------


def basis_of(model) -> dict:
    """What the outcome is decided on (``model.outcome_basis()``), flat, with the class."""
    b = model.outcome_basis()
    a, bb = b["leader_alignment"]
    return {"outcome": model.outcome(), "shared_depth": b["shared_depth"],
            "shared_coverage": b["shared_coverage"], "polarization_mean": b["polarization_mean"],
            "leader_a_alignment": a, "leader_b_alignment": bb,
            "leaders_apart": b["leaders_apart"], "a_own_regime": b["a_own_regime"],
            "b_own_regime": b["b_own_regime"], "regimes_in_force": b["regimes_in_force"]}


def classify(basis: dict, thresholds: dict) -> str:
    """The class of a stored basis under ``thresholds`` (the four keys of :data:`THRESHOLDS`);
    the leaders' camps are re-read from their oriented alignments with ``camp_threshold``."""
    camp = thresholds["camp_threshold"]
    apart = basis["leader_a_alignment"] >= camp and basis["leader_b_alignment"] <= -camp
    return classify_outcome(
        shared_depth=basis["shared_depth"], shared_coverage=basis["shared_coverage"],
        polarization=basis["polarization_mean"], leaders_apart=bool(apart),
        a_own=bool(basis["a_own_regime"]), b_own=bool(basis["b_own_regime"]),
        depth_threshold=thresholds["depth_threshold"],
        coverage_threshold=thresholds["coverage_threshold"],
        polarization_high=thresholds["polarization_high"])


def shares(outcomes: Sequence[str]) -> dict[str, float]:
    """Share of each outcome (0 for an empty list)."""
    n = max(len(outcomes), 1)
    return {o: sum(x == o for x in outcomes) / n for o in OUTCOMES}


# -- statistics ----------------------------------------------------------------------------------


def paired_interval(diff: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences and its Student-t interval (``scipy.stats.t.interval``):
    (mean, low, high); the bounds are nan for fewer than two pairs and equal the mean when
    every difference is the same."""
    d = np.asarray(diff, dtype=float)
    m = float(d.mean())
    if d.size < 2:
        return m, float("nan"), float("nan")
    se = float(d.std(ddof=1)) / float(np.sqrt(d.size))
    if se == 0.0:
        return m, m, m
    lo, hi = stats.t.interval(confidence, d.size - 1, loc=m, scale=se)
    return m, float(lo), float(hi)


def seeds_for(n: int, root: int = 0) -> list[int]:
    """Seeds 0..n-1 offset by ``root`` (the same seeds in every arm: common random numbers)."""
    return [root + k for k in range(n)]


# -- output --------------------------------------------------------------------------------------


def jsonable(obj):
    """``obj`` with numpy scalars as Python numbers (for json.dumps)."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return obj


def pyplot():
    """matplotlib.pyplot on the non-interactive backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes (the figure is closed)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    pyplot().close(fig)
    return buf.getvalue()
