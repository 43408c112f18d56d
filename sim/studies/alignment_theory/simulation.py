"""Alignment simulations: the layer alone over many seeds, and the full model, homogeneous."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError
from sim.model.mechanisms import alignment as align_m
from sim.model.mechanisms import fill_diagonal
from sim.studies.meanfield import baseline_config, one_blas_thread

NEUTRAL = 0.4  # the baseline's propensity_trust_neutral: trust that neither attracts nor repels
COUPLING = 0.2  # J used by the checks: trust 0.6 within a community, 0.2 across

# ---------------------------------------------------------------------------------------------
# simulations: the layer alone, and the full model


def communities(n: int, k: int) -> np.ndarray:
    """xi (N,): +1 for every country (k = 1) or +1 for the first half and -1 for the second
    (k = 2, the two-community world)."""
    if k not in (1, 2):
        raise ConfigError("communities", k, "must be 1 (homogeneous) or 2 (two communities)")
    if k == 2 and (n < 4 or n % 2):
        raise ConfigError("n", n, "two communities need an even number of countries >= 4")
    xi = np.ones(n)
    if k == 2:
        xi[n // 2:] = -1.0
    return xi


@dataclass(frozen=True)
class Runs:
    """Seeded runs of a homogeneous (or two-community) world.

    m: (S, months + 1) order parameter per seed and month (mean alignment, or the staggered
    mean(xi a) in the two-community world); final: (S, N) alignments at the last month.
    """

    m: np.ndarray
    final: np.ndarray
    beta_j: float
    rate: float
    noise: float
    n: int
    xi: np.ndarray
    trust_change: float = 0.0  # largest change of any trust value over the run (model only)

    @property
    def seeds(self) -> int:
        return self.m.shape[0]

    @property
    def mean_abs(self) -> np.ndarray:
        """(months + 1,) the mean over runs of |m| per month (the sign of m is a gauge)."""
        return np.abs(self.m).mean(axis=0)

    @property
    def final_m(self) -> np.ndarray:
        """(S,) the order parameter at the last month of each run."""
        return self.m[:, -1]

    def tail_abs(self, months: int) -> np.ndarray:
        """(S,) mean |m| over the last ``months`` months of each seed."""
        return np.abs(self.m[:, -months:]).mean(axis=1)

    def camps(self) -> np.ndarray:
        """(S, 2) mean final alignment of each community (the first half, then the second;
        for one community both are the mean over the halves)."""
        half = self.n // 2
        return np.stack([self.final[:, :half].mean(axis=1), self.final[:, half:].mean(axis=1)],
                        axis=1)


def simulate_layer(beta_j: float, *, n: int = 50, j: float = COUPLING, rate: float = 0.1,
                   noise: float = 0.02, m0: float = 0.5, months: int = 120, seeds: int = 200,
                   k: int = 1, seed: int = 0, neutral: float = NEUTRAL) -> Runs:
    """The alignment layer alone, with the model's pure functions
    (:func:`sim.model.mechanisms.alignment.propensity`, ``field``, ``update_alignment``), for N
    countries of equal capability and ``seeds`` independent runs at once.

    Trust is neutral + j xi_i xi_j (so J_ij = j xi_i xi_j; k = 1 homogeneous, k = 2 two
    communities); beta = beta_j / j; every country starts at m0 xi_i. Each seed has its own
    stream (``numpy.random.SeedSequence(seed).spawn(seeds)``) for its monthly shocks
    (N(0, noise^2) per country). The runs are columns of an (N, S) array: ``field`` reads it
    with capability as an (N, 1) column, which is the per-run field for every column at once
    (tests/studies/test_alignment_theory.py checks it). j in (0, min(neutral, 1 - neutral)] keeps
    trust in [0, 1]; months >= 1; rate in (0, 1].
    """
    if not 0 < j <= min(neutral, 1.0 - neutral):
        raise ConfigError("j", j, f"must be in (0, {min(neutral, 1 - neutral)}] so that trust "
                          "stays in [0, 1]")
    xi = communities(n, k)
    trust = neutral + j * np.outer(xi, xi)
    fill_diagonal(trust, 1.0)
    zero = np.zeros((n, n))
    jm = align_m.propensity(trust, zero, zero, zero, neutral, 0.0, 0.0, 0.0)
    cap = np.ones((n, 1))
    beta = beta_j / j
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(seeds)]
    shocks = np.stack([g.normal(0.0, noise, (months, n)) for g in streams], axis=-1)
    a = np.repeat((m0 * xi)[:, None], seeds, axis=1)
    out = np.empty((seeds, months + 1))
    out[:, 0] = xi @ a / n
    with one_blas_thread():
        for month in range(months):
            h = align_m.field(jm, cap, a)
            a = align_m.update_alignment(a, h, beta, rate, shocks[month])
            out[:, month + 1] = xi @ a / n
    return Runs(out, a.T.copy(), beta_j, rate, noise, n, xi)


def model_scenario(base: dict, beta_j: float, *, n: int = 20, j: float = COUPLING,
                   rate: float = 0.1, noise: float = 0.02, k: int = 1) -> dict:
    """A plain-dict scenario (for :func:`sim.config.build_scenario`) of the homogeneous world
    for the full model, from the baseline's composed scenario ``base``.

    N identical countries (equal capability, no chip supply, no labs), no venues, no events, no
    incidents, no capability growth, no compliance noise; no alliances or partnerships. Starting
    relations come from UN ideal points alone: relation_voting = 2 j, relation_base =
    neutral - j, all ideal points 0 (k = 1: every pair's baseline trust neutral + j) or the two
    halves at +-voting_scale / 2 (k = 2: neutral + j within a half, neutral - j across, since
    their voting distance is the whole scale). Alignment: beta = beta_j / j, the given rate and
    noise. With no verification (no regime), no rivalry or controls (no suppliers, no events)
    and trust starting at its baseline, trust never moves (relaxation and drift act on
    trust - baseline = 0), so J = trust - neutral is known and constant: the model's alignment
    is then the homogeneous Curie-Weiss system. All other values are the baseline's."""
    from sim.studies.meanfield import homogeneous_scenario

    p = {s: {k_: v["value"] if isinstance(v, dict) else v for k_, v in (base.get(s) or {}).items()}
         for s in ("levers", "uncertainties", "constants")}
    neutral = next(v["propensity_trust_neutral"] for v in p.values()
                   if "propensity_trust_neutral" in v)
    scale = next(v["voting_scale"] for v in p.values() if "voting_scale" in v)
    if not 0 < j <= min(neutral, 1.0 - neutral):
        raise ConfigError("j", j, f"must be in (0, {min(neutral, 1 - neutral)}] so that trust "
                          "stays in [0, 1]")
    xi = communities(n, k)
    src = "alignment Curie-Weiss check (sim/studies/alignment_theory/): assumption"
    return homogeneous_scenario(
        base, n=n, venue=False, noise=0.0, ideal_points=list(xi * scale / 2 if k == 2 else 0 * xi),
        name="alignment_homogeneous", source=src,
        params={"relation_base": neutral - j, "relation_voting": 2 * j,
                "alignment_beta": beta_j / j, "alignment_rate": rate, "alignment_noise": noise})


def model_run(beta_j: float, *, months: int = 120, **kwargs):
    """Validated run settings (sim.config) for :func:`model_scenario` from the baseline."""
    from sim.config import build_run_config

    cfg = baseline_config()
    cfg["scenario"] = model_scenario(cfg["scenario"], beta_j, **kwargs)
    cfg["steps"] = months
    return build_run_config(cfg)


def world_of(model) -> tuple[float, np.ndarray]:
    """(beta J, xi) of a model built from :func:`model_scenario`, read from its state at
    set-up: J from its trust matrix and neutral level; ConfigError when the capabilities are
    unequal or the propensity is not +-J xi_i xi_j."""
    p = model.p
    n = model.n
    zero = np.zeros((n, n))
    jm = align_m.propensity(model.trust, zero, zero, zero, p["propensity_trust_neutral"],
                            0.0, 0.0, 0.0)
    xi = np.where(jm[0] >= 0, 1.0, -1.0)
    xi[0] = 1.0
    coupling = float(jm[0, 1:].dot(xi[1:])) / (n - 1)
    target = coupling * np.outer(xi, xi)
    fill_diagonal(target, 0.0)
    if (np.ptp(model.capability) > 0 or coupling <= 0 or not np.allclose(jm, target, atol=1e-12)
            or model.supply.any() or model.verif.any()):
        raise ConfigError("scenario", model.scenario_name, "the Curie-Weiss check needs equal "
                          "capabilities, no suppliers, no verification and propensities +-J")
    return p["alignment_beta"] * coupling, xi


def simulate_model(run, *, m0: float = 0.5, seeds: int = 20, first_seed: int = 0) -> Runs:
    """The full GovernanceModel in the world of :func:`model_scenario`, seeds first_seed, ...:
    after set-up every country's alignment is set to m0 xi_i (the model's own starts, from
    relations, put the two leaders at +1 and -1 and everyone else at 0: m = 0, not a chosen
    m0), then the model steps month by month and the order parameter mean(xi a) is read after
    each step. Also records the largest change of any trust value over the run (0 in this
    world)."""
    with one_blas_thread():
        rows, finals, change, beta_j, xi = _model_runs(run, m0, seeds, first_seed)
    p = run.scenario.params
    return Runs(np.array(rows), np.array(finals), beta_j, p["alignment_rate"],
                p["alignment_noise"], len(xi), xi, change)


def _model_runs(run, m0: float, seeds: int, first_seed: int):
    """The loop of :func:`simulate_model`: per seed, the order parameter per month, the final
    alignments, the largest trust change, and (beta J, xi) read from the model."""
    from sim.api import with_seed
    from sim.model.model import GovernanceModel

    rows, finals, change = [], [], 0.0
    beta_j = xi = None
    for seed in range(first_seed, first_seed + seeds):
        model = GovernanceModel(with_seed(run, seed))
        beta_j, xi = world_of(model)
        t0 = model.trust.copy()
        model.alignment = m0 * xi
        row = [float(xi @ model.alignment) / model.n]
        for _ in range(run.steps):
            model.step()
            row.append(float(xi @ model.alignment) / model.n)
        change = max(change, float(np.max(np.abs(model.trust - t0))))
        rows.append(row)
        finals.append(model.alignment.copy())
    return rows, finals, change, beta_j, xi
