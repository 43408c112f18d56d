"""Alignment sweep: the bifurcation diagram's numbers, their CSV, their agreement with theory."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.studies.alignment_theory.comparison import (
    Critical,
    estimate_critical,
    growth_factor,
    mean_ci,
)
from sim.studies.alignment_theory.simulation import model_run, simulate_layer, simulate_model
from sim.studies.alignment_theory.theory import (
    CRITICAL_BETA_J,
    expected_final_abs_m,
    map_path,
    noisy_m,
    spontaneous_m,
)

WORLDS = ("homogeneous", "two communities")
SWEEP = (0.5, 0.7, 0.8, 0.9, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0)
MODEL_SWEEP = (0.5, 0.8, 1.2, 1.5, 2.0, 3.0)
CRITICAL_SWEEP = (0.8, 0.9, 1.0, 1.1, 1.2)  # beta J values for the growth-factor estimate

# ---------------------------------------------------------------------------------------------
# the sweep (bifurcation diagram) and its outputs


@dataclass(frozen=True)
class SweepSettings:
    """What the bifurcation study runs (defaults: the documented figure)."""

    beta_js: tuple[float, ...] = SWEEP  # layer points
    model_beta_js: tuple[float, ...] = MODEL_SWEEP  # full-model points
    critical_beta_js: tuple[float, ...] = CRITICAL_SWEEP  # growth-factor points
    n: int = 50  # countries in the layer runs
    model_n: int = 20  # countries in the model runs
    seeds: int = 200  # layer runs per point
    model_seeds: int = 16  # model runs per point
    months: int = 600  # layer horizon
    model_months: int = 240  # model horizon
    tail: int = 60  # months averaged at the end
    m0: float = 0.8  # the polarized start
    critical_m0: float = 0.05  # the small start of the growth-factor estimate
    critical_months: int = 20
    critical_seeds: int = 400  # layer runs per growth-factor point
    model_critical_seeds: int = 40  # model runs per growth-factor point
    rate: float = 0.1  # alignment_rate, per month
    noise: float = 0.02  # alignment_noise


def _critical(s: SweepSettings, k: int, source: str, count: int) -> tuple[Critical, list]:
    """The growth-factor estimate of the critical coupling for one world and source
    (``layer``, ``model``, or ``map``: the same estimator on the noise-free map, whose offset
    from 1 is the estimator's own bias from the cubic term of tanh), and the growth factors.
    Each beta J point has its own seeds: with common random numbers the points' errors would
    be correlated (one run's noise lifts every growth factor alike), which the fit's
    independent-error standard error would not see."""
    mus, ses = [], []
    for i, bj in enumerate(s.critical_beta_js):  # independent seeds per point (see below)
        if source == "map":
            x = map_path(s.critical_m0, bj, s.rate, s.critical_months)
            mus.append((x[-1] / x[0]) ** (1.0 / s.critical_months))
            ses.append(1.0)
            continue
        if source == "layer":
            runs = simulate_layer(bj, n=s.n, rate=s.rate, noise=s.noise, m0=s.critical_m0,
                                  months=s.critical_months, seeds=count, k=k, seed=1 + i)
        else:
            run = model_run(bj, months=s.critical_months, n=s.model_n, rate=s.rate,
                            noise=s.noise, k=k)
            runs = simulate_model(run, m0=s.critical_m0, seeds=count,
                                  first_seed=1000 + i * count)
        mu, se = growth_factor(runs, s.critical_months)
        mus.append(mu)
        ses.append(se)
    return estimate_critical(s.critical_beta_js, mus, ses), list(zip(mus, ses, strict=True))


def sweep(s: SweepSettings = SweepSettings()) -> list[dict]:
    """Rows of the bifurcation diagram and the critical-point estimates, tidy: one number per
    row with its 95% interval (ci_low, ci_high; equal to the value for theory) and the runs,
    countries and months behind it. Per world (homogeneous, two communities):

    - theory ``m_star`` (Curie-Weiss, noise 0) and ``m_star_noisy`` (with the noise and the
      clip, :func:`noisy_m`) at every beta J of the sweeps;
    - ``final_abs_m``: the layer's and the model's (mean over the last ``tail`` months of each
      run from m0, then over runs, +- 95% CI) and the theory's for the same N and horizon
      (:func:`expected_final_abs_m`);
    - ``critical_beta_j`` and ``growth_slope_per_month`` (the fitted rate) from growth factors,
      for the layer, the model and the noise-free map (the estimator's own bias), and the
      theory's (1 and the rate).
    """
    rows: list[dict] = []
    z = float(ndtri(0.975))

    def row(world, source, quantity, beta_j, value, half=0.0, runs=0, n=0, months=0):
        rows.append({"world": world, "source": source, "quantity": quantity,
                     "beta_j": beta_j, "value": value, "ci_low": value - half,
                     "ci_high": value + half, "runs": runs, "n": n, "months": months})

    model_points = s.model_beta_js if s.model_seeds >= 2 else ()
    for k, world in enumerate(WORLDS, start=1):
        for bj in sorted(set(s.beta_js) | set(model_points)):
            row(world, "theory", "m_star", bj, spontaneous_m(bj))
            row(world, "theory", "m_star_noisy", bj, noisy_m(bj, s.rate, s.noise))
        for bj in s.beta_js:
            runs = simulate_layer(bj, n=s.n, rate=s.rate, noise=s.noise, m0=s.m0,
                                  months=s.months, seeds=s.seeds, k=k)
            row(world, "layer", "final_abs_m", bj, *mean_ci(runs.tail_abs(s.tail)), s.seeds,
                s.n, s.months)
            row(world, "theory", "final_abs_m", bj, expected_final_abs_m(
                bj, s.rate, s.noise, s.n, s.m0, s.months, s.tail), 0.0, 0, s.n, s.months)
        for bj in model_points:
            run = model_run(bj, months=s.model_months, n=s.model_n, rate=s.rate,
                            noise=s.noise, k=k)
            runs = simulate_model(run, m0=s.m0, seeds=s.model_seeds)
            row(world, "model", "final_abs_m", bj, *mean_ci(runs.tail_abs(s.tail)),
                s.model_seeds, s.model_n, s.model_months)
            row(world, "theory", "final_abs_m", bj, expected_final_abs_m(
                bj, s.rate, s.noise, s.model_n, s.m0, s.model_months, s.tail), 0.0, 0,
                s.model_n, s.model_months)
        for source, count, n in (("layer", s.critical_seeds, s.n),
                                 ("model", s.model_critical_seeds, s.model_n),
                                 ("map", 0, 0)):
            if source != "map" and count < 2:
                continue
            crit, _ = _critical(s, k, source, count)
            half_c = z * crit.se if source != "map" else 0.0
            half_b = z * crit.slope_se if source != "map" else 0.0
            row(world, source, "critical_beta_j", crit.beta_j, crit.beta_j, half_c, count, n,
                s.critical_months)
            row(world, source, "growth_slope_per_month", crit.beta_j, crit.slope, half_b,
                count, n, s.critical_months)
        row(world, "theory", "critical_beta_j", CRITICAL_BETA_J, CRITICAL_BETA_J)
        row(world, "theory", "growth_slope_per_month", CRITICAL_BETA_J, s.rate)
    return rows


def csv_text(rows: list[dict]) -> str:
    """The sweep's rows as CSV text (numbers to 6 significant digits)."""
    buf = io.StringIO()
    fields = ["world", "source", "quantity", "beta_j", "value", "ci_low", "ci_high", "runs",
              "n", "months"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in r.items()})
    return buf.getvalue()


def agreement(rows: list[dict]) -> list[dict]:
    """Per simulated point (world, source, beta J): the run mean, its 95% half-width, the
    theory for the same N and horizon, and their gap in half-widths (<= 1: inside the CI)."""
    theory = {(r["world"], r["beta_j"], r["n"], r["months"]): r["value"] for r in rows
              if r["source"] == "theory" and r["quantity"] == "final_abs_m"}
    out = []
    for r in rows:
        if r["source"] in ("layer", "model") and r["quantity"] == "final_abs_m":
            th = theory[(r["world"], r["beta_j"], r["n"], r["months"])]
            half = r["ci_high"] - r["value"]
            out.append({"world": r["world"], "source": r["source"], "beta_j": r["beta_j"],
                        "value": r["value"], "half": half, "theory": th,
                        "gap": abs(r["value"] - th) / half if half > 0 else np.inf})
    return out
