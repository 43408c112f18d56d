"""Mean field, the checks: the ODE and the expected map against the band, three worlds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.config import MAX_STEPS
from sim.studies.meanfield.plot import figure
from sim.studies.meanfield.runs import band, deviation, simulate
from sim.studies.meanfield.theory import closure_ode_path, decorrelated_map, expected_map, ode_path
from sim.studies.meanfield.world import OBS, homogeneous_run, mean_field_of

LAPSE_WORLD = {"implemented": 0.15, "every": 40}  # sessions 40 months apart: the regime lapses
# (regime_lapse 36) and, starting compliant, countries stay so only thanks to the phase-in


NOISY_RUNS = 1000  # the noisy world's runs: its band resolves a 10% error in the trust gain
BLOCK = 200  # the noisy world's runs are also read in consecutive blocks of this many seeds
NOISY_MISWIRED = (("phase_in", 1.0), ("tolerance", 0.75), ("gain", 0.055))  # the exact map
# with obligations in force at once, a tolerance of 0.75 (0.8) and a trust gain 10% too high


def check(runs: int = 200, steps: int = 60, figure_path: Path | None = None,
          noisy: bool = True, noisy_runs: int = NOISY_RUNS, **scenario) -> dict:
    """Run the comparison. ``ode``: deviations (band units) of the ODE path from the mean of
    ``runs`` runs of the noise-free homogeneous world (the test); ``lapse_ode``: the same in
    the noise-free world of :data:`LAPSE_WORLD` (regime lapse and phase-in at work). With
    ``noisy``, ``noisy_runs`` runs of the first world with the baseline's compliance noise
    against the exact expected map (``exact``; ``exact_99``: in half-widths of the 99% band;
    ``exact_blocks``: the 99% deviations, trust and implemented, of each consecutive block of
    :data:`BLOCK` seeds), the same map mis-wired (``noisy_miswired``, 99% band), the
    decorrelated map and the Gaussian-closure ODE (which leave the band: ``decorrelated``,
    ``closure``)."""
    run = homogeneous_run(steps, **scenario)
    mf = mean_field_of(run)
    sims = simulate(run, range(runs))
    b = band(sims)
    ode = ode_path(mf)
    if figure_path is not None:
        figure(b, ode, Path(figure_path), sims)
    lrun = homogeneous_run(steps, **{**scenario, **LAPSE_WORLD})
    lmf = mean_field_of(lrun)
    lb = band(simulate(lrun, range(runs)))
    res = {"runs": runs, "z": b.z, "ode": deviation(b, ode),
           "ode_minus_map": {k: float(np.max(np.abs(ode[k] - expected_map(mf)[k])))
                             for k in OBS},
           "lapse_ode": deviation(lb, ode_path(lmf)),
           "lapse_miswired": {name: max(deviation(lb, ode_path(dataclasses.replace(
               lmf, **{name: value}))).values())
               for name, value in (("phase_in", 1.0), ("lapse", float(MAX_STEPS)),
                                   ("drift", 0.0))}}
    if noisy:
        nrun = homogeneous_run(steps, **{**scenario, "noise": None})
        nmf = mean_field_of(nrun)
        nsims = simulate(nrun, range(noisy_runs))
        nb, nb99 = band(nsims), band(nsims, 0.99)
        exact = expected_map(nmf)
        blocks = [(lo, deviation(band({k: v[lo:lo + BLOCK] for k, v in nsims.items()}, 0.99),
                                 exact))
                  for lo in range(0, noisy_runs - BLOCK + 1, BLOCK)] if noisy_runs > BLOCK else []
        res.update({"noisy_runs": noisy_runs, "noisy_z": nb.z, "exact": deviation(nb, exact),
                    "exact_99": deviation(nb99, exact), "exact_blocks": blocks,
                    "noisy_miswired": {name: max(deviation(nb99, expected_map(
                        dataclasses.replace(nmf, **{name: value}))).values())
                        for name, value in NOISY_MISWIRED},
                    "decorrelated": deviation(nb, decorrelated_map(nmf)),
                    "closure": deviation(nb, closure_ode_path(nmf))})
    return res
