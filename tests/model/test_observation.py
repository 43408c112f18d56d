"""The deferred observables (sim.model.collector) are the plain metrics of each month's state,
bit for bit, whether they are settled every month, at the end or in batches."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

import sim
from sim.model import metrics
from sim.model.collector import DeferredObservables
from sim.model.mechanisms import alignment as align_m
from sim.model.model import GovernanceModel
from sim.model.regime_book import RegimeBook


def plain_observables(m: GovernanceModel) -> dict[str, float]:
    """The month's observables from the model's state by the plain metrics (what the model
    computed every month before they were deferred)."""
    cap, trust = m.capability, m.trust
    camp_a, camp_b = m.camps()
    total = float(cap.sum())
    rs = metrics.regime_structure(m.regime_members, m.regime_depth, m.regime_active, cap,
                                  *m.poles)
    lab_cap = m.lab_share * cap[m.lab_home]
    return {
        "mean_trust": metrics.mean_trust(trust),
        "cross_camp_trust": metrics.cross_camp_trust(trust, camp_a, camp_b),
        "polarization": metrics.polarization(m.alignment, cap),
        "camp_a_share": float(cap.dot(camp_a)) / total,
        "camp_b_share": float(cap.dot(camp_b)) / total,
        "regimes_in_force": float(rs.in_force), "regime_depth": rs.depth,
        "regime_coverage": rs.coverage, "shared_depth": rs.shared_depth,
        "global_safety": metrics.global_safety(cap, m.implemented),
        "mean_controls": metrics.mean_controls(m.controls, m.supply),
        "capability_gap": metrics.capability_gap(cap),
        "incidents": float(m.incidents),
        "lab_safety": float(lab_cap.dot(m.lab_safety)) / float(lab_cap.sum()),
        "deals": float(m.deal_count),
    }


def same_series(got: list, want: list) -> bool:
    """Equal float for float, the sign of zero included."""
    return len(got) == len(want) and all(
        type(g) is float and (g == w or (g != g and w != w)) and np.signbit(g) == np.signbit(w)
        for g, w in zip(got, want, strict=True))


@pytest.mark.parametrize("scenario,steps", [("baseline", 36), ("exclusive_club", 48),
                                            ("safety_for_compute", 30), ("un_members", 8)])
def test_deferred_observables_are_the_plain_metrics_month_by_month(scenario, steps, monkeypatch):
    run = sim.load_config(scenario, seed=3, steps=steps)
    eager = GovernanceModel(run)
    want = [plain_observables(eager)]
    while eager.steps < eager.n_steps:
        eager.step()
        want.append(plain_observables(eager))
        assert eager.obs == want[-1]  # settled every month
    expected = {k: [w[k] for w in want] for k in metrics.OBSERVABLES}
    if scenario in ("baseline", "exclusive_club"):
        assert any(v > 0 for v in expected["regimes_in_force"])
    monkeypatch.setattr(DeferredObservables, "MAX_PENDING", 7 * eager.n)  # batches of 7
    for model in (GovernanceModel(run).run(), eager):
        dc = model.datacollector
        assert type(dc) is mesa.DataCollector
        for key in metrics.OBSERVABLES:
            assert same_series(dc.model_vars[key], expected[key]), key
        assert len(dc.get_model_vars_dataframe()) == steps + 1
        assert len(dc._collection_steps) == steps + 1  # what mesa.batch_run reads, kept by Mesa


def test_capability_gap_many_is_capability_gap_row_by_row():
    rng = np.random.default_rng(5)
    caps = rng.random((40, 9))
    caps[3, [2, 6]] = 2.0  # a tie at the top
    caps[4, [1, 5]] = 1.5  # a tie for second
    caps[5] = 0.7  # all equal
    got = metrics.capability_gap_many(caps)
    assert [float(x) for x in got] == [metrics.capability_gap(c) for c in caps]
    one = rng.random((3, 1))
    assert [float(x) for x in metrics.capability_gap_many(one)] == [
        metrics.capability_gap(c) for c in one]


def test_camp_sizes_many_counts_the_camps():
    rng = np.random.default_rng(6)
    al = rng.uniform(-1, 1, (50, 12))
    al[:5, 2] = 0.0  # leader A exactly neutral
    al[5:8] = np.round(al[5:8], 1)  # alignments on the threshold
    for threshold in (0.3, 0.5):
        a, b = metrics.camp_sizes_many(al, 2, threshold)
        for k, row in enumerate(al):
            ca, cb = align_m.camps(row, 2, threshold)
            assert (a[k], b[k]) == (np.count_nonzero(ca), np.count_nonzero(cb))


def test_regime_book_structures_are_structure_month_by_month():
    rng = np.random.default_rng(8)
    n, a, b = 15, 0, 1
    book = RegimeBook(n)
    caps, steps = [], []
    for month in range(30):
        if month % 4 == 1 and month < 14:  # none in force from month 19
            signed = rng.random(n) < rng.uniform(0.2, 0.9)
            signed[rng.choice(n, 2, replace=False)] = True
            series = str(rng.choice(["un", "summit", "forum"]))
            book.renew(series, "un", float(rng.choice([0.3, 0.5])), 0.1, signed,
                       np.ones(n, bool), np.ones(n, bool), month)
        book.refresh(month, 6)
        cap = rng.random(n) * rng.choice([1.0, 1e-3])
        book.record(month, cap, a, b)
        caps.append((month, cap, book.structure(cap, a, b)))
        steps.append(month)
    totals = np.array([c.sum() for _, c, _ in caps])
    got = book.structures(np.array(steps[10:]), totals[10:])
    for row, (_, _, rs) in zip(got, caps[10:], strict=True):
        assert tuple(float(x) for x in row) == (rs.in_force, rs.depth, rs.coverage,
                                                rs.shared_depth)
    assert any(r[0] > 1 for r in got) and any(r[0] == 0 for r in got)


@pytest.mark.parametrize("n", [14, 193, 2000])
def test_stacked_row_sums_and_boolean_dots_are_the_monthly_ones(n):
    """Row sums of stacked (T, N) arrays are the 1-D sums (numpy's pairwise summation row by
    row), and a boolean mask in a dot is its 0/1 float array: the forms the settling uses."""
    rng = np.random.default_rng(n)
    x = rng.random((5, n)) * rng.choice([1e-6, 1.0, 1e6], size=(5, n))
    assert [float(s) for s in x.sum(axis=1)] == [float(r.sum()) for r in x]
    trust, mask, other = rng.random((n, n)), rng.random(n) < 0.4, rng.random(n) < 0.3
    fa, fb = mask.astype(float), other.astype(float)
    assert mask.dot(trust).dot(other) == fa.dot(trust).dot(fb)
    assert x[0].dot(mask) == x[0].dot(fa)


@pytest.mark.parametrize("n", [2, 14, 64, 65])
def test_polarization_many_counts_are_the_sorted_search(n):
    """Up to SEARCH_BY_COUNT_UP_TO countries the window bounds are counted, not searched: the
    same numbers, alignments on the window's edges included (a grid of 0.25 with h = 0.5)."""
    rng = np.random.default_rng(n)
    al = rng.choice(np.linspace(-1.0, 1.0, 9), size=(20, n))
    al[:5] = np.clip(rng.normal(0.0, 0.6, (5, n)), -1, 1)
    cap = rng.random((20, n)) + 0.01
    for h in (0.5, 0.25):
        assert metrics.polarization_many(al, cap, 1.0, h) == [
            metrics.polarization(a, c, 1.0, h) for a, c in zip(al, cap, strict=True)]
