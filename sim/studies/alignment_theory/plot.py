"""Alignment figure: the bifurcation diagram, one panel per world."""

from __future__ import annotations

import io

import numpy as np

from sim.studies.alignment_theory.diagram import WORLDS, SweepSettings
from sim.studies.alignment_theory.simulation import COUPLING
from sim.studies.alignment_theory.theory import (
    CRITICAL_BETA_J,
    clip_negligible,
    expected_abs_m,
    noisy_m,
    spontaneous_m,
)


def _theory_curves(s: SweepSettings) -> dict[str, np.ndarray | list[float] | float]:
    """The theory lines' abscissae and values: Curie-Weiss on a fine grid, the noisy polarized
    state on a coarser one (finer where the clip is negligible, to the eye), the finite-size
    floor below the critical point."""
    top = max((*s.beta_js, *s.model_beta_js)) * 1.04
    fine = np.linspace(0.0, top, 800)
    easy = [b for b in fine if b > CRITICAL_BETA_J and clip_negligible(b, s.rate, s.noise)]
    start = max(easy, default=CRITICAL_BETA_J)
    hard = np.linspace(start, top, max(3, int(np.ceil((top - start) / 0.15)) + 1))[1:]
    coarse = np.array([*easy, *hard])
    noisy = [noisy_m(b, s.rate, s.noise, points=201 if b in hard else 401)  # to the eye
             for b in coarse]
    below = fine[(fine > 0) & (fine < 0.98)]
    floor = [expected_abs_m(b, s.rate, s.noise, s.n) for b in below]
    return {"top": top, "fine": fine, "coarse": coarse, "noisy": noisy, "below": below,
            "floor": floor}


def _theory_lines(ax, s: SweepSettings, c: dict) -> None:
    """Curie-Weiss m*, the noisy polarized state, the unstable m = 0, the noise floor and the
    theory's critical point, in this order (the legend's)."""
    fine = c["fine"]
    ax.plot(fine, [spontaneous_m(b) for b in fine], color="#d62728", lw=1.8,
            label="theory: Curie-Weiss m* = tanh(beta J m*) (noise 0)")
    ax.plot(c["coarse"], c["noisy"], color="#9467bd", lw=1.2, ls="--",
            label=f"theory: polarized state with noise {s.noise:g} and the clip to [-1, 1]")
    above = fine[fine > CRITICAL_BETA_J]
    ax.plot(above, np.zeros_like(above), color="#d62728", lw=1.2, ls=":",
            label="theory: m = 0, unstable above the critical point")
    ax.plot(c["below"], c["floor"], color="#ff7f0e", lw=1.2, ls="-.",
            label=f"theory: stationary noise floor of |m| (N = {s.n})")
    ax.axvline(CRITICAL_BETA_J, color="#555555", lw=1, ls="-",
               label="critical point, theory: beta J = 1")


def _simulated_points(ax, s: SweepSettings, pick) -> None:
    """The layer's and the model's final |m| with 95% error bars, and crosses for the theory at
    the same N and horizon."""
    for source, colour, marker, dx, n, months in (
            ("layer", "#1f77b4", "o", -0.015, s.n, s.months),
            ("model", "#2ca02c", "s", 0.015, s.model_n, s.model_months)):
        pts = pick(source, "final_abs_m")
        if not pts:
            continue
        x = np.array([r["beta_j"] for r in pts])
        y = np.array([r["value"] for r in pts])
        err = np.array([r["ci_high"] - r["value"] for r in pts])
        what = ("alignment layer (pure functions)" if source == "layer"
                else "full GovernanceModel")
        ax.errorbar(x + dx, y, yerr=err, fmt=marker, ms=5, color=colour, capsize=3,
                    mfc="none" if source == "model" else colour,
                    label=f"{what}, N = {n}, {pts[0]['runs']} runs, {months} months: "
                          "final |m| +- 95% CI")
        th = [r for r in pick("theory", "final_abs_m") if r["n"] == n
              and r["months"] == months]
        ax.plot([r["beta_j"] + dx for r in th], [r["value"] for r in th], "x",
                color=colour, ms=6, mew=1.2,
                label=f"theory at N = {n} and {months} months (linear noise around "
                      "the map)")


def _critical_bands(ax, pick) -> str:
    """The growth-factor estimates of the critical point as shaded 95% CIs; returns the line
    the panel's title gives them."""
    found = []
    for source, colour in (("layer", "#1f77b4"), ("model", "#2ca02c")):
        crit = pick(source, "critical_beta_j")
        if crit:
            c = crit[0]
            ax.axvspan(c["ci_low"], c["ci_high"], color=colour, alpha=0.2,
                       label=f"critical point, {source} estimate (growth factor): 95% CI")
            found.append(f"{source} {c['value']:.3f} [{c['ci_low']:.3f}, "
                         f"{c['ci_high']:.3f}]")
    return "critical beta J: theory 1" + "".join(f"; {f}" for f in found)


def _panel_axes(ax, world: str, crit_line: str, top: float) -> None:
    """Title, axis labels (with units) and limits of one world's panel."""
    if world == "homogeneous":
        ax.set_title(f"Homogeneous world: J = {COUPLING:g} for every pair\n{crit_line}",
                     fontsize=9)
        ax.set_ylabel("final |m| (homogeneous: m = mean alignment;\ntwo communities: "
                      "m_s = mean(xi a)) [alignment units, 0-1]", fontsize=9)
    else:
        ax.set_title(f"Two communities: J = {COUPLING:g} within, -{COUPLING:g} across "
                     f"(order parameter m_s)\n{crit_line}", fontsize=9)
    ax.set_xlabel("coupling beta J [dimensionless: intensity of choice x propensity]")
    ax.set_xlim(0, top)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)


def figure_bytes(rows: list[dict], s: SweepSettings) -> bytes:
    """The bifurcation diagram as PNG bytes: one panel per world, final |m| (or |m_s|) against
    beta J. Lines: the Curie-Weiss m*, the polarized state with the model's noise and clip, the
    unstable m = 0, the stationary finite-size floor of |m| below the critical point (layer's
    N). Points with 95% error bars: the layer's and the model's final |m|; crosses: the theory
    for the same N and horizon. The critical point: theory (line) and the growth-factor
    estimates (bands, values in the panel titles). One legend below the panels, outside the
    data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5.6), sharey=True)
    curves = _theory_curves(s)
    for ax, world in zip(axes, WORLDS, strict=True):
        sel = [r for r in rows if r["world"] == world]

        def pick(source, quantity, sel=sel):
            return [r for r in sel if r["source"] == source and r["quantity"] == quantity]

        _theory_lines(ax, s, curves)
        _simulated_points(ax, s, pick)
        _panel_axes(ax, world, _critical_bands(ax, pick), curves["top"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=2, frameon=False)
    fig.suptitle(f"Alignment vs the Curie-Weiss mean field: order parameter after a polarized "
                 f"start (m0 = {s.m0:g}), rate {s.rate:g} per month, noise {s.noise:g}",
                 fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
