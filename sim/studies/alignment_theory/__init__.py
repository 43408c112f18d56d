"""Alignment: the Curie-Weiss check (docs/VALIDATION.md, section 4).

This module owns the mean-field theory of the alignment layer
(:mod:`sim.model.mechanisms.alignment`) and its comparison with simulations: of the layer alone
(the pure functions, many seeds at once) and of the full :class:`sim.model.model.GovernanceModel`
in a homogeneous world.

The theory is the Curie-Weiss reading that Galam (Physica A 230, 1996) gave of the landscape
theory of aggregation of Axelrod and Bennett (Brit. J. Pol. Sci. 23, 1993). Each month every
country moves a share ``rate`` of the way toward tanh(beta h_i), h_i = sum_j omega_ij J_ij a_j
(plus noise). In a **homogeneous world** (N countries of equal capability, J_ij = J for every
pair, omega_ij = 1/(N-1)) the field is J times the mean alignment of the others, so the mean
alignment m = mean(a) obeys, for many countries and small noise, the monthly map

    m_{k+1} = m_k + rate (tanh(beta J m_k) - m_k)                          (the model's step)

whose continuous-time limit (rate -> 0, time in months) is the Curie-Weiss ODE

    dm/dt = rate (tanh(beta J m) - m).

Both have the fixed points m = tanh(beta J m): only m = 0 (one non-aligned world) below the
critical coupling beta J = 1, and two polarized states +-m* (m = 0 unstable) above it. In a
**two-community world** (communities xi_i = +-1, J_ij = J xi_i xi_j: attraction within,
repulsion across; Mattis) the staggered alignment m_s = mean(xi_i a_i) obeys the same equations:
one world below beta J = 1, two opposed camps above it.

The map is the forward-Euler step (one month) of the ODE, so the two share their fixed points
and stability but not their transients: the ODE's path differs from the map's by O(rate). The
model is compared with the map (and with the ODE solved month by month with the field frozen
over each month and the rate -ln(1 - rate), which is the map exactly: ``ode_path(...,
monthly=True)``); the continuous ODE is shown alongside, and its transient gap is measured.
Finite N and noise add fluctuations of m around the fixed point, of variance
noise^2 / (N (1 - mu^2)) with mu the map's slope there (:func:`fluctuation_sd`); they set the
floor of |m| below the critical point.

Units: alignment a and m in [-1, 1] (dimensionless; +1 leader A's camp); J in trust units
(propensity, trust minus the neutral level); beta in 1/trust units; beta J dimensionless; rate
per month; noise the s.d. of a country's monthly alignment shock (alignment units); time in
months.

Command: ``python -m sim.studies.alignment_theory --out DIR`` writes ``alignment_meanfield.png``
(the bifurcation diagram) and ``alignment_meanfield.csv`` (its numbers and the critical points).

Modules, data flowing one way: :mod:`.theory` (the Curie-Weiss mean field), :mod:`.simulation`
(the layer alone and the full model), :mod:`.comparison` (bands, growth factors, the critical
coupling's estimate), :mod:`.diagram` (the sweep and its table), :mod:`.plot` (the figure),
:mod:`.cli` (``python -m sim.studies.alignment_theory``).
"""

from sim.studies.alignment_theory.cli import (
    CSV_NAME,
    FIGURE_NAME,
    main,
)
from sim.studies.alignment_theory.comparison import (
    Critical,
    band,
    deviation,
    estimate_critical,
    growth_factor,
    mean_ci,
)
from sim.studies.alignment_theory.diagram import (
    CRITICAL_SWEEP,
    MODEL_SWEEP,
    SWEEP,
    WORLDS,
    SweepSettings,
    agreement,
    csv_text,
    sweep,
)
from sim.studies.alignment_theory.plot import (
    figure_bytes,
)
from sim.studies.alignment_theory.simulation import (
    COUPLING,
    NEUTRAL,
    Runs,
    communities,
    model_run,
    model_scenario,
    simulate_layer,
    simulate_model,
    world_of,
)
from sim.studies.alignment_theory.theory import (
    CRITICAL_BETA_J,
    FixedPoint,
    clip_negligible,
    clipped_stationary_mean,
    critical_beta,
    expected_abs_m,
    expected_final_abs_m,
    fluctuation_sd,
    map_path,
    noisy_m,
    ode_path,
    self_consistent,
    spontaneous_m,
)

__all__ = [
    "COUPLING",
    "CRITICAL_BETA_J",
    "CRITICAL_SWEEP",
    "CSV_NAME",
    "Critical",
    "FIGURE_NAME",
    "FixedPoint",
    "MODEL_SWEEP",
    "NEUTRAL",
    "Runs",
    "SWEEP",
    "SweepSettings",
    "WORLDS",
    "agreement",
    "band",
    "clip_negligible",
    "clipped_stationary_mean",
    "communities",
    "critical_beta",
    "csv_text",
    "deviation",
    "estimate_critical",
    "expected_abs_m",
    "expected_final_abs_m",
    "figure_bytes",
    "fluctuation_sd",
    "growth_factor",
    "main",
    "map_path",
    "mean_ci",
    "model_run",
    "model_scenario",
    "noisy_m",
    "ode_path",
    "self_consistent",
    "simulate_layer",
    "simulate_model",
    "spontaneous_m",
    "sweep",
    "world_of",
]
