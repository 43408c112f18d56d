"""The model against its own mean field, for a homogeneous world (docs/VALIDATION.md, section 3).

Assumptions, which make every country statistically identical and independent of the others:
N identical countries with equal UN ideal points and no alliances or partnerships (so every pair
starts from the same baseline trust ``a``, the ``affinity``: ``relation_base`` = a, voting adds
nothing), no labs, no shocks, no incidents (``incident_rate`` 0), no capability growth (equal
capabilities, race pressure 1 for all), no chip suppliers (no controls, no rivalry felt), one
recurring consensus venue inviting all, attendance made certain (``attend_cost`` far below
legitimacy + trust), and no withdrawal after a shortfall streak (``shortfall_limit`` beyond the
horizon: a withdrawal would make membership depend on each country's own compliance record, a
state the expected map below does not carry). Every session every country then signs the depth
d = min(ambition, ideal), ideal = risk_concern (1 - hawk_depth_drag hawkishness). All other
values are the baseline's. The alignment layer runs too but reads nothing back here (no
suppliers, no like-minded invitations, no counter-forum).

What is compared, per month k (record k = the state after k monthly steps):

- commitment C_k: deterministic; a session makes C = max(domestic, d) and renews the regime,
  which lapses ``regime_lapse`` months after its last renewal (C falls back to the domestic
  level); the obligation O phases in, O <- min(O + C / implementation_months, C), and falls at
  once with C (:func:`schedule`);
- implemented safety I (mean over countries): per country the AR(1) step of
  :func:`sim.model.mechanisms.compliance.comply`, I' = clip(I + r (C - I) + eps), eps ~ N(0, s^2),
  r = compliance_rate (1 - hawk_drag hawkishness);
- mean trust T between distinct countries, and the pair's baseline B (trust with memory): at a
  session t <- t + cosign_trust_gain d (1 - t); each month j's compliance K = [I_j >= tolerance
  O] is observed with probability v (the venue's verification, while its regime is in force):
  t <- t + gain (1 - t) if K else t - loss t; then t <- t + relax (B - t), and the baseline
  drifts toward lived trust, B <- B + drift (t - B).

Two worlds and their reference paths:

1. **Noise-free world (the test of the ODE).** Compliance noise 0 (``homogeneous_scenario``'s
   default; all else the baseline's), so I is deterministic and the same for every country, and
   so is compliance K_k = [I_k >= tolerance O_k]: E[t K] = E[t] K, the trust-compliance
   covariance that a closure would neglect is zero by construction. Trust stays random (each
   month j's compliance is observed by i only with probability v). The **ODE**
   (:func:`ode_path`) is solved with ``scipy.integrate.solve_ivp`` month by month: a session is
   an impulse at its month (T <- T + cosign d (1 - T)), then within the month the state
   z = (T, B, M, 1) follows the linear ODE dz/dt = log(A_k) z, A_k the month's expected map
   (verification with K, relaxation, drift, implementation): its flow over one month is A_k, so
   the ODE agrees with the discrete monthly step at every month (the naive continuous limit
   dz/dt = (A_k - 1) z, the increments taken as rates, does not, and leaves the band). The runs
   are tested against this path.
2. **Noisy world** (the baseline's compliance noise): the **exact expected map** of the discrete
   step (:func:`expected_map`). The step is a Markov chain in (I_j, t_ij, B_ij); t and B enter
   linearly, so the measures mu(x) = E[t; I_j in dx] and nu(x) = E[B; I_j in dx] evolve in
   closed form on a grid of I (transition kernel of the clipped Gaussian step, clipping exact,
   1001 points). It keeps the correlation between a country's trust record and its current
   compliance (I is autocorrelated), which the Gaussian-closure ODE (:func:`closure_ode_path`,
   kept for comparison) drops: that ODE leaves the band for trust (docs/VALIDATION.md). This
   world is read with :data:`NOISY_RUNS` runs (seeds 0-999) against the 99% band: a fixed seed
   set misses a correct path's simultaneous 95% band once in twenty, and seeds 0-199 alone do
   (their first compliance shocks run high; the world starts at the compliance boundary, so
   trust follows them), while 1,000 runs both average that out and resolve errors in the map
   that 200 cannot (a trust gain 10% too high).

The band: the mean of R seeded runs with its simultaneous 95% band (Bonferroni over all months
and observables, z from the normal), half-width z * sd / sqrt(R); a path passes when it stays
inside at every month. Deterministic series (commitment, month 0) must match to 1e-9.

Modules, data flowing one way: :mod:`.world` (the homogeneous scenario and its mean-field
parameters), :mod:`.theory` (the expected map and the ODE), :mod:`.runs` (the model's runs and
the band), :mod:`.plot` (the figure), :mod:`.comparison` (the checks), :mod:`.cli`
(``python -m sim.studies.meanfield``).
"""

from sim.studies.meanfield.cli import (
    main,
)
from sim.studies.meanfield.comparison import (
    BLOCK,
    LAPSE_WORLD,
    NOISY_MISWIRED,
    NOISY_RUNS,
    check,
)
from sim.studies.meanfield.plot import (
    DEFAULT_FIGURE,
    UNITS,
    figure,
)
from sim.studies.meanfield.runs import (
    Band,
    band,
    deviation,
    simulate,
)
from sim.studies.meanfield.theory import (
    closure_ode_path,
    complied_share,
    decorrelated_map,
    expected_map,
    generator,
    kernel,
    monthly_matrix,
    ode_path,
)
from sim.studies.meanfield.world import (
    EXACT_TOL,
    NOISY,
    OBS,
    ZERO_SPREAD,
    MeanField,
    Schedule,
    baseline_config,
    homogeneous_run,
    homogeneous_scenario,
    mean_field_of,
    one_blas_thread,
    schedule,
)

__all__ = [
    "BLOCK",
    "Band",
    "DEFAULT_FIGURE",
    "EXACT_TOL",
    "LAPSE_WORLD",
    "MeanField",
    "NOISY",
    "NOISY_MISWIRED",
    "NOISY_RUNS",
    "OBS",
    "Schedule",
    "UNITS",
    "ZERO_SPREAD",
    "band",
    "baseline_config",
    "check",
    "closure_ode_path",
    "complied_share",
    "decorrelated_map",
    "deviation",
    "expected_map",
    "figure",
    "generator",
    "homogeneous_run",
    "homogeneous_scenario",
    "kernel",
    "main",
    "mean_field_of",
    "monthly_matrix",
    "ode_path",
    "one_blas_thread",
    "schedule",
    "simulate",
]
