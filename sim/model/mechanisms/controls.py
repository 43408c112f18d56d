"""Export controls, controls[i, j] in [0, 1]: the stringency supplier i imposes on j.

A supplier tightens on a target it finds threatening and relaxes slowly otherwise (docs/ODD.md,
section 3). Threat combines the target's capability relative to the supplier and its unverified
safety, both discounted by trust, plus rivalry outside AI; hawkishness scales it. US controls are
justified partly by safety and misuse concerns (002, 003), which is what makes the
safety-for-compute path possible; tariffs show motives beyond safety (002), hence the rivalry
term and the rivalry gate on the deal.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import clip, fill_diagonal


def control_pressure(capability: np.ndarray, trust: np.ndarray, verified_safety: np.ndarray,
                     rivalry: np.ndarray, hawkishness: np.ndarray, supply: np.ndarray,
                     alignment: np.ndarray, shared_depth: np.ndarray, w_capability: float,
                     w_unsafe: float, w_rivalry: float, club_easing: float) -> np.ndarray:
    """The level of controls each supplier would like on each target, in [0, 1].

    threat[i, j] = opposition_ij (1 - trust[i, j]) (w_capability min(cap_j / cap_i, 1)
                   + w_unsafe (1 - verified_safety[i, j])) + w_rivalry rivalry[i, j],
    opposition_ij = (1 - a_i a_j) / 2: 0 within a camp, 1/2 toward the non-aligned, 1 across;
    then the club penalty: threat (1 - club_easing shared_depth[i, j]), a supplier easing for
    fellow members of the regimes in force (the tiered chip rules of 2025);
    pressure = clip(hawkishness_i threat, 0, 1) for suppliers (supply_i > 0), 0 otherwise and on
    the diagonal. Controls are bloc policy: a distrusted ally is not a target (version 1 charged
    distrust to friends as well).
    """
    return control_pressure_rows(None, capability, trust, verified_safety, rivalry, hawkishness,
                                 supply, alignment, shared_depth, w_capability, w_unsafe,
                                 w_rivalry, club_easing)


def follow_leaders(pressure: np.ndarray, controls: np.ndarray, alignment: np.ndarray,
                   supply: np.ndarray, leaders: tuple[int, int], follow: float) -> np.ndarray:
    """Allied suppliers follow their bloc leader (the Dutch and Japanese tool controls of 2023
    matched the US rules of October 2022): supplier i's pressure on j is at least
    follow * max(0, a_i a_L) * controls[L, j], L the leader on i's side. Leaders and
    non-suppliers are unchanged."""
    return follow_leaders_rows(None, pressure, controls, alignment, supply, leaders, follow)


def adjust_controls(controls: np.ndarray, pressure: np.ndarray, tighten: float,
                    relax: float) -> np.ndarray:
    """Move toward pressure: fast when tightening (rate ``tighten``), slow when relaxing."""
    rate = np.empty_like(pressure)  # np.where(pressure > controls, tighten, relax)
    rate.fill(relax)
    np.copyto(rate, tighten, where=pressure > controls)
    return controls + rate * (pressure - controls)


def safety_for_compute(controls: np.ndarray, verified_safety: np.ndarray, trust: np.ndarray,
                       rivalry: np.ndarray, safety_threshold: float, trust_threshold: float,
                       rivalry_gate: float, easing: float) -> tuple[np.ndarray, np.ndarray]:
    """The deal of 002: verified safety buys compute.

    Where supplier i has verified target j's safety at or above ``safety_threshold``, trusts it
    at or above ``trust_threshold`` and their rivalry is below ``rivalry_gate``, a share
    ``easing`` of the controls is lifted this month. Returns (controls, fired mask).
    """
    fired = ((verified_safety >= safety_threshold) & (trust >= trust_threshold)
             & (rivalry < rivalry_gate) & (controls > 0))
    return controls * (1.0 - easing * fired), fired


def _rows(x: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """x[rows]; all of x (no copy) when ``rows`` is None."""
    return x if rows is None else x[rows]


def _zero_own(m: np.ndarray, rows: np.ndarray | None) -> None:
    """Zero the entries of rows ``rows`` of an (N, N) matrix that pair a country with itself,
    in place (m holds those rows; all rows when ``rows`` is None)."""
    if rows is None:
        fill_diagonal(m, 0.0)
    else:
        m[np.arange(rows.size), rows] = 0.0


def control_pressure_rows(rows: np.ndarray | None, capability: np.ndarray, trust: np.ndarray,
                          verified_safety: np.ndarray, rivalry: np.ndarray,
                          hawkishness: np.ndarray, supply: np.ndarray, alignment: np.ndarray,
                          shared_depth: np.ndarray, w_capability: float, w_unsafe: float,
                          w_rivalry: float, club_easing: float, *,
                          hawk_col: np.ndarray | None = None,
                          club: np.ndarray | None = None) -> np.ndarray:
    """control_pressure(...)[rows], computed on those rows only (|rows|, N): the pressure of
    a country that supplies no chips is zero, so only suppliers' rows need computing. ``rows``
    None: every row (the whole matrix). ``hawk_col``, ``club``: the factors the caller keeps
    between the changes of their inputs, (hawkishness * (supply > 0))[rows][:, None] and
    1 - club_easing * shared_depth[rows] (computed here when not given)."""
    ratio = np.minimum(capability / np.maximum(_rows(capability, rows), 1e-12)[:, None], 1.0)
    opposition = 0.5 - 0.5 * np.multiply.outer(_rows(alignment, rows), alignment)
    threat = opposition * (1.0 - _rows(trust, rows)) * (
        w_capability * ratio + w_unsafe * (1.0 - _rows(verified_safety, rows)))
    threat += w_rivalry * _rows(rivalry, rows)
    if club_easing:
        threat *= 1.0 - club_easing * _rows(shared_depth, rows) if club is None else club
    if hawk_col is None:
        hawk_col = (_rows(hawkishness, rows) * (_rows(supply, rows) > 0))[:, None]
    pressure = clip(hawk_col * threat, 0.0, 1.0)
    _zero_own(pressure, rows)
    return pressure


def follow_leaders_rows(rows: np.ndarray | None, pressure_rows: np.ndarray,
                        controls: np.ndarray, alignment: np.ndarray, supply: np.ndarray,
                        leaders: tuple[int, int], follow: float, *,
                        supplier: np.ndarray | None = None) -> np.ndarray:
    """follow_leaders(...)[rows] given the pressure's ``rows`` only (|rows|, N); the rows
    must include every supplier (only suppliers follow). ``rows`` None: every row.
    ``supplier``: supply > 0, when the caller keeps it."""
    a, b = leaders
    side_a = alignment * alignment[a] >= alignment * alignment[b]
    lead = b + (a - b) * side_a  # np.where(side_a, a, b), in integers
    weight = follow * np.maximum(alignment * alignment[lead], 0.0) * (
        supply > 0 if supplier is None else supplier)
    weight[a] = weight[b] = 0.0
    if not np.count_nonzero(weight):
        return pressure_rows
    out = np.maximum(pressure_rows, _rows(weight, rows)[:, None] * controls[_rows(lead, rows)])
    _zero_own(out, rows)
    return out
