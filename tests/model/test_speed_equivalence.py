"""The model's faster forms give the same numbers, bit for bit, as the plain forms they replace.

Each fast form (worked on the rows that can change, fused into one pass, drawn only where it is
used) is pinned here to the plain mechanism it stands for, on random states that reach the
cases it skips (zeros off a support, clipping, regimes that do not cover everyone).
``benchmarks/equivalence.py`` checks whole runs against recorded outputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.config import month_label
from sim.model import metrics
from sim.model.draws import uniform_rows
from sim.model.ledger import TrustLedger
from sim.model.mechanisms import alignment as align_m
from sim.model.mechanisms import compliance as comp_m
from sim.model.mechanisms import controls as ctrl_m
from sim.model.mechanisms import regimes as reg_m
from sim.model.mechanisms import trust as trust_m
from sim.model.mechanisms.support import (
    add_symmetric,
    crossing,
    put_crossing,
    support,
    symmetric_rows,
)
from sim.model.model import GovernanceModel
from sim.model.regime_book import RegimeBook


def same(a, b) -> bool:
    """Identical arrays (shape, values; NaN nowhere)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b)


def sparse_world(rng, n: int, rows: np.ndarray):
    """Controls non-zero only in ``rows``; rivalry only among ``rows``; supply only there."""
    controls = np.zeros((n, n))
    controls[rows] = rng.random((rows.size, n)) * (rng.random((rows.size, n)) < 0.6)
    controls[rows, rows] = 0.0
    rivalry = np.zeros((n, n))
    rv = rng.random((rows.size, rows.size)) * 0.5
    rivalry[np.ix_(rows, rows)] = rv + rv.T
    supply = np.zeros(n)
    supply[rows[: max(1, rows.size - 1)]] = rng.random(max(1, rows.size - 1))
    return controls, rivalry, supply


@pytest.mark.parametrize("n,k", [(14, 8), (40, 5), (9, 0)])
def test_support_terms_match_the_whole_matrices(n, k):
    rng = np.random.default_rng(n)
    rows = np.sort(rng.choice(n, k, replace=False)) if k else np.zeros(0, np.intp)
    controls, rivalry, supply = sparse_world(rng, n, rows)
    s = support(n, rows)
    assert s.others.size == 0 or set(s.rows) == set(rows.tolist())
    w = 0.15
    felt = rivalry + w * (controls + controls.T)
    fr, fc = trust_m.felt_rivalry_rows(rivalry, controls, s.rows, w)
    assert same(fr, felt[s.rows]) and same(fc, felt[:, s.rows].T)
    assert same(symmetric_rows(fr, fc.T), (felt + felt.T)[s.rows])
    assert np.all(felt[np.ix_(s.others, s.others)] == 0)
    dep = align_m.compute_dependence(supply, controls)
    assert same(align_m.dependence_rows(supply, controls, s.rows), (dep + dep.T)[s.rows])
    m = rng.random((n, n))
    r, c = crossing(m, s)
    m2 = m.copy()
    put_crossing(m2, s, r, c)
    assert same(m2, m)
    x = (felt + felt.T) * 0.7
    m3 = m.copy()
    add_symmetric(m3, s, x[s.rows])
    assert same(m3, m + x)


@pytest.mark.parametrize("n,k,weights", [(14, 8, (0.5, 0.5, 1.0)), (40, 5, (0.3, 0.0, 2.0)),
                                         (30, 4, (0.0, 0.7, 0.0))])
def test_propensity_on_support_is_propensity(n, k, weights):
    rng = np.random.default_rng(k)
    rows = np.sort(rng.choice(n, k, replace=False))
    controls, rivalry, supply = sparse_world(rng, n, rows)
    trust = rng.random((n, n))
    depth = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    w_reg, w_dep, w_riv = weights
    felt = rivalry + 0.15 * (controls + controls.T)
    plain = align_m.propensity(trust, depth, align_m.compute_dependence(supply, controls), felt,
                               0.4, w_reg, w_dep, w_riv)
    s = support(n, rows)
    fr, fc = trust_m.felt_rivalry_rows(rivalry, controls, s.rows, 0.15)
    fast = align_m.propensity_on_support(
        trust, w_reg * depth if w_reg else None, align_m.dependence_rows(supply, controls, s.rows),
        symmetric_rows(fr, fc.T), s, 0.4, w_dep, w_riv, out=np.empty((n, n)))
    assert same(fast, plain)


@pytest.mark.parametrize("n,block", [(14, 32768), (50, 120), (50, 1), (37, 500)])
def test_relax_clip_drift_is_the_plain_sequence(n, block):
    rng = np.random.default_rng(block)
    t2 = rng.uniform(-0.05, 1.05, (n, n))  # some entries for the clip to act on
    base = rng.random((n, n))
    np.fill_diagonal(base, 1.0)
    t3 = trust_m.relax_toward_affinity(t2, base, 0.02)
    trust = trust_m.clip_trust(t3)
    new_base = trust_m.drift_baseline(base, trust, 0.01)
    out = t2.copy()
    got = [np.empty((n, n)) for _ in range(4)]
    clipped = trust_m.relax_clip_drift(out, base, 0.02, 0.01, new_baseline=got[0],
                                       d_relax=got[1], d_bounds=got[2], d_drift=got[3],
                                       block=block)
    assert clipped == bool((trust - t3).any())
    assert same(out, trust) and same(got[0], new_base)
    assert same(got[1], t3 - t2) and same(got[2], trust - t3) and same(got[3], new_base - base)
    assert got[1].sum() == (t3 - t2).sum() and got[2].sum() == (trust - t3).sum()


def control_pressure_plain(capability, trust, verified_safety, rivalry, hawkishness, supply,
                           alignment, shared_depth, w_capability, w_unsafe, w_rivalry,
                           club_easing):
    """controls.control_pressure as version 2 first wrote it, on whole matrices."""
    ratio = np.minimum(capability / np.maximum(capability, 1e-12)[:, None], 1.0)
    opposition = 0.5 - 0.5 * np.multiply.outer(alignment, alignment)
    threat = opposition * (1.0 - trust) * (w_capability * ratio
                                           + w_unsafe * (1.0 - verified_safety))
    threat += w_rivalry * rivalry
    if club_easing:
        threat *= 1.0 - club_easing * shared_depth
    pressure = np.clip((hawkishness * (supply > 0))[:, None] * threat, 0.0, 1.0)
    np.fill_diagonal(pressure, 0.0)
    return pressure


def follow_leaders_plain(pressure, controls, alignment, supply, leaders, follow):
    """controls.follow_leaders as version 2 first wrote it, on whole matrices."""
    a, b = leaders
    side_a = alignment * alignment[a] >= alignment * alignment[b]
    lead = np.where(side_a, a, b)
    weight = follow * np.maximum(alignment * alignment[lead], 0.0) * (supply > 0)
    weight[[a, b]] = 0.0
    if not weight.any():
        return pressure
    out = np.maximum(pressure, weight[:, None] * controls[lead])
    np.fill_diagonal(out, 0.0)
    return out


@pytest.mark.parametrize("deal", [False, True])
def test_controls_on_rows_match_the_whole_matrices(deal):
    rng = np.random.default_rng(3)
    n = 25
    rows = np.array([0, 1, 4, 7, 11])
    controls, rivalry, supply = sparse_world(rng, n, rows)
    cap, trust, verified = rng.random(n) + 0.1, rng.random((n, n)), rng.random((n, n))
    align, hawk, depth = rng.uniform(-1, 1, n), rng.random(n), rng.random((n, n))
    args = (cap, trust, verified, rivalry, hawk, supply, align, depth, 1.0, 0.6, 1.0, 0.5)
    plain = control_pressure_plain(*args)
    assert same(ctrl_m.control_pressure(*args), plain)
    rows_p = ctrl_m.control_pressure_rows(rows, *args)
    assert same(rows_p, plain[rows])
    assert np.all(np.delete(plain, rows, axis=0) == 0)
    poles = (0, 1)
    full = follow_leaders_plain(plain, controls, align, supply, poles, 0.7)
    assert same(ctrl_m.follow_leaders(plain, controls, align, supply, poles, 0.7), full)
    assert same(ctrl_m.follow_leaders_rows(rows, rows_p, controls, align, supply, poles, 0.7),
                full[rows])
    assert np.all(np.delete(full, rows, axis=0) == 0)
    new = ctrl_m.adjust_controls(controls, full, 0.08, 0.01)
    got = ctrl_m.adjust_controls(controls[rows], full[rows], 0.08, 0.01)
    if deal:
        new, fired = ctrl_m.safety_for_compute(new, verified, trust, rivalry, 0.3, 0.3, 0.4, 0.1)
        got, fired_r = ctrl_m.safety_for_compute(got, verified[rows], trust[rows], rivalry[rows],
                                                 0.3, 0.3, 0.4, 0.1)
        assert same(fired_r, fired[rows]) and not np.delete(fired, rows, axis=0).any()
    assert same(got, new[rows]) and np.all(np.delete(new, rows, axis=0) == 0)


def test_shared_max_signatures_and_linked_rows_match_shared_max():
    rng = np.random.default_rng(5)
    n, r = 30, 6
    members = rng.random((r, n)) < np.array([0.9, 0.2, 0.5, 0.1, 0.05, 0.95])[:, None]
    values = np.array([0.3, 0.7, 0.0, 0.5, 0.9, 0.3])
    for active in (np.ones(r, bool), np.array([1, 0, 1, 1, 0, 1], bool), np.zeros(r, bool)):
        plain = reg_m.shared_max(members, values, active)
        assert same(reg_m.shared_max_signatures(members, (values,), active)[0], plain)
        assert same(reg_m.linked_rows(members, values, active),
                    np.flatnonzero(plain.any(axis=1)))
        both = (values, np.array([0.1, -0.2, 0.0, 0.4, 0.05, 0.2]))
        for stack_up_to in (1 << 16, 0):  # the stacked masks, and by signatures
            got = reg_m.shared_max_many(members, both, active, stack_up_to)
            assert all(same(g, reg_m.shared_max(members, v, active))
                       for g, v in zip(got, both, strict=True))


def test_shared_max_stacked_is_shared_max_member_max_and_linked_rows():
    rng = np.random.default_rng(15)
    n, r = 30, 6
    members = rng.random((r, n)) < np.array([0.9, 0.2, 0.5, 0.1, 0.05, 0.95])[:, None]
    values = np.array([[0.3, 0.7, 0.0, 0.5, 0.9, 0.3], [0.1, 0.0, 0.0, 0.4, 0.05, 0.2]])
    for active in (np.ones(r, bool), np.array([1, 0, 1, 1, 0, 1], bool), np.zeros(r, bool)):
        for stack_up_to in (1 << 16, 0):  # the stacked masks, and by signatures
            shared, top = reg_m.shared_max_stacked(members, values, active, stack_up_to)
            assert len(shared) == 2 and top.shape == (2, n)
            for v, got, got_top in zip(values, shared, top, strict=True):
                assert same(got, reg_m.shared_max(members, v, active))
                assert same(got_top, reg_m.member_max(members, v, active))
                assert same(got_top.nonzero()[0], reg_m.linked_rows(members, v, active))


def test_regime_book_refresh_after_an_unchanged_renewal_is_a_full_refresh():
    rng = np.random.default_rng(8)
    n = 10
    fast, plain = RegimeBook(n), RegimeBook(n)
    everyone = np.ones(n, bool)
    signed = rng.random(n) < 0.6
    signed[:2] = True
    for month, (series, sig) in enumerate((("un", signed), ("un", signed), ("g7", signed),
                                           ("un", signed), ("un", ~signed), ("g7", signed))):
        changed = fast.renew(series, "un", 0.3, 0.1, sig, everyone, everyone, month)
        plain.renew(series, "un", 0.3, 0.1, sig, everyone, everyone, month)
        assert changed == (month not in (1, 3, 5))
        for later in (month, month + 4):  # the second: "un" lapses (lapse 3)
            kept, kept_plain = fast.refresh(later, 3, changed), plain.refresh(later, 3)
            assert same(kept, kept_plain) and same(kept, reg_m.member_max(
                plain.members, plain.depth, plain.active))
            assert same(fast.shared_depth, plain.shared_depth) and same(fast.verif, plain.verif)
            assert same(fast.link_rows, plain.link_rows) and same(fast.active, plain.active)
            assert fast.structure(everyone * 1.0, 0, 1) == plain.structure(everyone * 1.0, 0, 1)
            for s in ("un", "g7", "none"):
                r = plain.index(s)
                club = fast.club_members(s)
                assert (club is None) if r < 0 else (
                    same(club[0], plain.members[r] & plain.active[r])
                    and club[1] == np.count_nonzero(club[0]))


def test_runs_and_uniform_rows_keep_the_stream():
    assert reg_m.runs(np.array([0, 1, 2, 5, 7, 8])) == [(0, 3), (5, 6), (7, 9)]
    assert reg_m.runs(np.zeros(0, np.intp)) == []
    n = 11
    for rows in ([], [0, 1, 2, 5, 7, 8], list(range(n)), [10], [3]):
        rows = np.array(rows, dtype=np.intp)
        a, b = np.random.default_rng(9), np.random.default_rng(9)
        a.normal(size=3), b.normal(size=3)
        full = a.random((n, n))
        got = uniform_rows(b, n, reg_m.runs(rows))
        assert same(got, full[rows])
        assert a.random() == b.random() and a.normal() == b.normal()


def test_uniform_rows_without_advance_draws_the_whole_matrix():
    rows = np.array([1, 2, 6])
    a = np.random.Generator(np.random.MT19937(4))
    b = np.random.Generator(np.random.MT19937(4))
    full = a.random((8, 8))
    assert same(uniform_rows(b, 8, reg_m.runs(rows)), full[rows])
    assert a.random() == b.random()


def test_ledger_rows_and_crossing_record_what_add_records():
    rng = np.random.default_rng(2)
    n = 12
    s = support(n, [2, 3, 9])
    delta = np.zeros((n, n))
    r, c = rng.normal(size=(3, n)), rng.normal(size=(n - 3, 3))
    put_crossing(delta, s, r, c)
    plain, fast = TrustLedger(n), TrustLedger(n)
    plain.add("rivalry", delta)
    fast.add_crossing("rivalry", s, r, c)
    rows = np.array([1, 4])
    d2 = np.zeros((n, n))
    d2[rows] = rng.normal(size=(2, n))
    plain.add("verification", d2)
    fast.add_rows("verification", rows, d2[rows])
    plain.close(1), fast.close(1)
    assert plain.rows == fast.rows
    for cause in plain.cumulative:
        assert same(plain.cumulative[cause], fast.cumulative[cause])
    assert not fast._zeros().any()


def eager_regime_rows(m: GovernanceModel) -> list[dict]:
    """The regime rows of the model's current month, built as version 2 first built them."""
    out = []
    if m.regime_active.any():
        cov = reg_m.coverage(m.regime_members, m.capability)
        for r in np.flatnonzero(m.regime_active):
            out.append({
                "step": m.steps, "regime": m.regime_series[r], "type": m.regime_type[r],
                "depth": float(m.regime_depth[r]),
                "verification": float(m.regime_verification[r]),
                "members": int(m.regime_members[r].sum()), "coverage": float(cov[r]),
                "leader_a": bool(m.regime_members[r, m.poles[0]]),
                "leader_b": bool(m.regime_members[r, m.poles[1]]),
                "renewed": month_label(m.start, int(m.regime_renewed[r])),
                "member_names": ";".join(n for n, k in zip(m.country_names, m.regime_members[r],
                                                            strict=True) if k)})
    return out


@pytest.mark.parametrize("scenario", ["baseline", "exclusive_club"])
def test_regime_rows_read_lazily_are_the_rows_built_each_month(scenario):
    m = GovernanceModel(sim.load_config(scenario, seed=2, steps=72))
    expected = eager_regime_rows(m)
    while m.steps < m.n_steps:
        m.step()
        expected += eager_regime_rows(m)
    assert expected and m.regime_rows == expected


def test_deal_stake_on_rows_is_the_whole_maximum():
    rng = np.random.default_rng(8)
    n = 20
    for rows in (np.array([0, 3, 4]), np.zeros(0, np.intp)):
        controls, rivalry, _ = sparse_world(rng, n, rows)
        verif = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
        plain = (controls * ((rivalry < 0.25) & (verif > 0))).max(axis=0)
        assert same(comp_m.deal_stake(controls, rivalry, verif, 0.25), plain)
        assert same(comp_m.deal_stake(controls, rivalry, verif, 0.25, rows), plain)


def test_session_effects_on_rows_match_the_whole_matrices():
    rng = np.random.default_rng(6)
    n = 15
    trust = trust_m.clip_trust(rng.uniform(-0.1, 1.1, (n, n)))
    signed, circle = rng.random(n) < 0.5, rng.random(n) < 0.6
    rows = np.flatnonzero(signed)
    assert same(trust_m.pair_rows(signed, rows), trust_m.pair_mask(signed)[rows])
    full = trust_m.cosign_gain(trust, signed, 0.4, 0.25)
    part = trust_m.cosign_gain(trust[rows], trust_m.pair_rows(signed, rows), 0.4, 0.25)
    assert same(part, full[rows]) and same(np.delete(full, rows, axis=0),
                                           np.delete(trust, rows, axis=0))
    full = trust_m.dialogue_gain(trust, signed, 0.04)
    assert same(trust_m.dialogue_gain(trust[rows], trust_m.pair_rows(signed, rows), 0.04),
                full[rows])
    full = trust_m.exclusion_loss(trust, signed, circle, 0.08)
    assert same(trust_m.exclusion_loss(trust[rows], np.ones(rows.size, bool), circle, 0.08),
                full[rows])
    wild = rng.uniform(-0.1, 1.1, (n, n))
    assert same(trust_m.clip_trust_rows(wild[rows], rows), trust_m.clip_trust(wild)[rows])


def polarization_plain(alignment, capability, alpha=1.0, bandwidth=0.5):
    """metrics.polarization as version 2 first wrote it (the reference its faster form keeps)."""
    pi = capability / float(capability.sum())
    order = np.argsort(alignment, kind="stable")
    a, w = alignment[order], pi[order]
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cwa = np.concatenate([[0.0], np.cumsum(w * a)])
    n = a.size
    k = np.arange(n)
    dist = a * cw[k] - cwa[k] + (cwa[n] - cwa[k + 1]) - a * (cw[n] - cw[k + 1])
    lo = np.searchsorted(a, a - bandwidth, side="left")
    hi = np.searchsorted(a, a + bandwidth, side="right")
    wl, sl = cw[k + 1] - cw[lo], cwa[k + 1] - cwa[lo]
    wr, sr = cw[hi] - cw[k + 1], cwa[hi] - cwa[k + 1]
    f = wl * (1.0 - a / bandwidth) + sl / bandwidth + wr * (1.0 + a / bandwidth) - sr / bandwidth
    value = 2.0 ** alpha * float((w * np.maximum(f, 0.0) ** alpha).dot(dist))
    return min(max(value, 0.0), 1.0)


@pytest.mark.parametrize("n", [2, 14, 193, 2000])
def test_polarization_is_the_plain_form(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        al = np.clip(rng.normal(rng.uniform(-1, 1), rng.uniform(0.05, 1), n), -1, 1)
        al[rng.random(n) < 0.2] = 1.0  # ties
        cap = rng.random(n) * rng.choice([1e-3, 1.0])
        for alpha, h in ((1.0, 0.5), (1.3, 0.3), (1.6, 1.0)):
            assert metrics.polarization(al, cap, alpha, h) == polarization_plain(al, cap, alpha, h)


@pytest.mark.parametrize("n", [1, 14, 193])
def test_polarization_many_is_polarization_month_by_month(n):
    rng = np.random.default_rng(n + 1)
    al = np.clip(rng.normal(0.0, 0.7, (30, n)), -1, 1)
    al[rng.random((30, n)) < 0.2] = -1.0  # ties
    cap = rng.random((30, n)) * rng.choice([1e-3, 1.0], (30, 1))
    for alpha, h in ((1.0, 0.5), (1.6, 0.3)):
        assert metrics.polarization_many(al, cap, alpha, h) == [
            metrics.polarization(a, c, alpha, h) for a, c in zip(al, cap, strict=True)]


def test_regime_book_lapsing_says_when_the_regimes_in_force_change():
    rng = np.random.default_rng(3)
    n = 12
    book = RegimeBook(n)
    assert not book.lapsing(0, 3)
    for month, series in enumerate(("un", "summit", "un", "forum")):
        signed = rng.random(n) < 0.6
        signed[:2] = True
        book.renew(series, "un", 0.3, 0.1, signed, np.ones(n, bool), np.ones(n, bool), month)
        book.refresh(month, 3)
        for later in range(month, month + 8):
            assert book.lapsing(later, 3) == (not same(book.in_force(later, 3), book.active))


def test_regime_book_structure_is_regime_structure():
    rng = np.random.default_rng(12)
    n = 20
    book = RegimeBook(n)
    for month, series in enumerate(("un", "summit", "forum", "bilateral", "un", "summit")):
        signed = rng.random(n) < rng.uniform(0.1, 0.9)
        signed[rng.choice(n, 2, replace=False)] = True
        book.renew(series, "un", round(float(rng.choice([0.3, 0.5])), 1), 0.1, signed,
                   np.ones(n, bool), np.ones(n, bool), month)
        book.refresh(month + 1, 3)
        for a, b in ((0, 1), (1, 0), (2, 5)):
            for cap in (rng.random(n), rng.random(n) * 1e-3):
                expected = metrics.regime_structure(book.members, book.depth, book.active,
                                                    cap, a, b)
                assert book.structure(cap, a, b) == expected
                assert book.own(a, b) == (expected.a_own, expected.b_own)


def test_is_kept_says_when_clipping_changes_nothing():
    rng = np.random.default_rng(4)
    t = trust_m.clip_trust(rng.random((9, 9)))
    rows = np.array([1, 4, 5])
    assert trust_m.is_kept(t[rows], rows) and trust_m.is_kept(t[:0], rows[:0])
    assert trust_m.is_kept(t)
    for i, j, v in ((0, 3, 1.0000001), (1, 2, -1e-300), (2, 5, 0.99)):  # (2, 5): self-trust
        bad = t[rows].copy()
        bad[i, j] = v
        assert not trust_m.is_kept(bad, rows)
        assert not np.array_equal(trust_m.clip_trust_rows(bad, rows), bad)
        whole = t.copy()
        whole[rows[i], j] = v
        assert not trust_m.is_kept(whole)
        assert not np.array_equal(trust_m.clip_trust(whole), whole)
    nan = t.copy()
    nan[4, 4] = np.nan
    assert not trust_m.is_kept(nan) and not trust_m.is_kept(nan[rows], rows)


@pytest.mark.parametrize("n", [6, 12, 401])
def test_ledger_step_slots_record_what_add_records(n):
    """Three months of the step's changes through the slots (whole, rows, crossing, unwritten)
    against add() of each change: the same rows, cumulative changes and a clean slate."""
    rng = np.random.default_rng(n)
    plain, fast = TrustLedger(n), TrustLedger(n)
    s = support(n, [1, 4])
    for month in range(3):
        session = rng.normal(size=(n, n))  # a session's change before the step
        plain.add("bounds", session)
        fast.add("bounds", session)
        changes = {}
        if month != 1:  # verification only on some rows, not every month
            rows = np.sort(rng.choice(n, 3, replace=False))
            changes["verification"] = np.zeros((n, n))
            changes["verification"][rows] = rng.normal(size=(3, n))
            fast.put_rows("verification", rows, changes["verification"][rows])
        r, c = rng.normal(size=(s.rows.size, n)), rng.normal(size=(s.others.size, s.rows.size))
        changes["rivalry"] = np.zeros((n, n))
        put_crossing(changes["rivalry"], s, r, c)
        fast.put_crossing("rivalry", s, r, c)
        for cause in ("relaxation", "drift") + (("bounds",) if month == 0 else ()):
            changes[cause] = rng.normal(size=(n, n))
            fast.slot(cause)[...] = changes[cause]
        for cause in ("verification", "rivalry", "relaxation", "bounds", "drift"):
            if cause in changes:
                plain.add(cause, changes[cause])
        fast.close_step()
        plain.close(month + 1), fast.close(month + 1)
    assert plain.rows == fast.rows
    if plain.cumulative is not None:
        for cause in plain.cumulative:
            assert same(plain.cumulative[cause], fast.cumulative[cause])


@pytest.mark.parametrize("size,leaf", [(1, 128), (127, 128), (5000, 128), (160_801, 4096),
                                       (4_000_000, 1 << 15)])
def test_pairwise_sum_from_leaves_is_the_sum(size, leaf):
    """The sum of a contiguous array rebuilt from the sums of PairwiseSum's leaves is
    ndarray.sum() (numpy's pairwise summation), bit for bit, whatever the magnitudes."""
    from sim.model.ledger import PairwiseSum
    rng = np.random.default_rng(size)
    tree = PairwiseSum(size, leaf)
    assert tree.leaves[0][0] == 0 and tree.leaves[-1][1] == size
    assert all(a[1] == b[0] for a, b in zip(tree.leaves, tree.leaves[1:], strict=False))
    for scale in (1.0, 1e-9, 1e9):
        x = rng.normal(size=size) * scale * rng.choice([1e-6, 1.0, 1e6], size=size)
        assert tree.total([np.add.reduce(x[a:b]) for a, b in tree.leaves]) == x.sum()


@pytest.mark.parametrize("n,leaf", [(14, 128), (37, 300), (401, 1 << 15)])
def test_relax_clip_drift_sums_is_the_plain_sequence(n, leaf):
    from sim.model.ledger import PairwiseSum
    rng = np.random.default_rng(n)
    t2 = rng.uniform(-0.05, 1.05, (n, n))
    base = rng.random((n, n))
    np.fill_diagonal(base, 1.0)
    t3 = trust_m.relax_toward_affinity(t2, base, 0.02)
    trust = trust_m.clip_trust(t3)
    new_base = trust_m.drift_baseline(base, trust, 0.01)
    tree = PairwiseSum(n * n, leaf)
    out, nb = t2.copy(), np.empty((n, n))
    sums = trust_m.relax_clip_drift_sums(out, base, 0.02, 0.01, new_baseline=nb,
                                         leaves=tree.leaves)
    assert same(out, trust) and same(nb, new_base)
    for parts, change in zip(sums, (t3 - t2, trust - t3, new_base - base), strict=True):
        assert tree.total(parts) == change.sum()


@pytest.mark.parametrize("n,runs", [(70, [(0, 70)]), (70, [(3, 9), (20, 21), (50, 70)]),
                                    (130, [(0, 5), (129, 130)]), (70, [])])
def test_verify_rows_inplace_is_the_plain_update(n, runs):
    rng = np.random.default_rng(n + len(runs))
    rows = np.array([r for a, b in runs for r in range(a, b)], dtype=np.intp)
    trust = rng.random((n, n))
    verif = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
    verified, implemented = rng.random((n, n)), rng.random(n)
    ok = rng.random(n) < 0.6
    g1, g2 = np.random.default_rng(4), np.random.default_rng(4)
    observed = uniform_rows(g1, n, runs) < verif[rows]
    want_verified = verified.copy()
    want_verified[rows] = np.where(observed, implemented[None, :], verified[rows])
    want = trust.copy()
    want[rows] = trust_m.verification_update(trust[rows], observed, ok, 0.05, 0.2)
    delta = np.zeros((n, n))
    got = trust.copy()
    trust_m.verify_rows_inplace(g2, runs, got, verif, verified, implemented, ok, 0.05, 0.2,
                                delta, block=500)
    assert same(got, want) and same(verified, want_verified) and same(delta, want - trust)
    assert g1.random() == g2.random()


def test_ledger_slot_rows_and_known_zero_slots_record_what_add_records():
    n = 70  # past SUM_WHOLE_UP_TO: the slots are summed one by one
    rng = np.random.default_rng(11)
    plain, fast = TrustLedger(n), TrustLedger(n)
    for month, rows in enumerate((np.array([1, 5, 6]), np.array([5, 6, 9]), np.array([2]))):
        change = np.zeros((n, n))
        change[rows] = rng.normal(size=(rows.size, n))
        plain.add("verification", change)
        fast.slot_rows("verification", rows)[rows] = change[rows]
        plain.add("bounds", np.zeros((n, n)))
        fast.slot("bounds")[...] = 0.0
        drift = rng.normal(size=(n, n))
        plain.add("drift", drift)
        fast.add_step_sum("drift", float(drift.sum()))
        fast.close_step(zero=("bounds",))
        plain.close(month + 1), fast.close(month + 1)
        assert not np.delete(fast.step[0], rows, axis=0).any()
    assert plain.rows == fast.rows
    for cause in plain.cumulative:
        assert same(plain.cumulative[cause], fast.cumulative[cause]) or cause == "drift"


def test_controls_with_kept_factors_match_the_plain_forms():
    """control_pressure_rows with the factors the model keeps between changes of their inputs
    (the suppliers' hawkishness, the club factor) and follow_leaders_rows with the supplier
    mask kept are the plain forms."""
    rng = np.random.default_rng(13)
    n = 14
    rows = np.array([0, 1, 2, 5, 9])
    controls, rivalry, supply = sparse_world(rng, n, rows)
    cap, trust, verified = rng.random(n) + 0.1, rng.random((n, n)), rng.random((n, n))
    align, hawk, depth = rng.uniform(-1, 1, n), rng.random(n), rng.random((n, n))
    args = (cap, trust, verified, rivalry, hawk, supply, align, depth, 1.0, 0.6, 1.0, 0.5)
    plain = control_pressure_plain(*args)
    for r in (None, rows):
        pick = (lambda x: x) if r is None else (lambda x, r=r: x[r])
        kept = ctrl_m.control_pressure_rows(
            r, *args, hawk_col=pick(hawk * (supply > 0))[:, None], club=pick(1.0 - 0.5 * depth))
        assert same(kept, pick(plain))
        for poles in ((0, 1), (2, 0)):
            full = follow_leaders_plain(plain, controls, align, supply, poles, 0.7)
            got = ctrl_m.follow_leaders_rows(r, pick(plain), controls, align, supply, poles, 0.7,
                                             supplier=supply > 0)
            assert same(got, pick(full))


@pytest.mark.parametrize("scenario", ["baseline", "safety_for_compute"])
def test_observables_are_the_metrics_plain_forms(scenario):
    """The observables the model computes with kept parts (supplier rows, world capability,
    the labs' weighted safety) are metrics' plain functions of the state, month by month."""
    m = GovernanceModel(sim.load_config(scenario, seed=3, steps=24))
    while m.steps < m.n_steps:
        m.step()
        o, cap = m.obs, m.capability
        assert o["mean_controls"] == metrics.mean_controls(m.controls, m.supply)
        assert o["global_safety"] == metrics.global_safety(cap, m.implemented)
        lab_cap = m.lab_share * cap[m.lab_home]
        assert o["lab_safety"] == float(lab_cap.dot(m.lab_safety)) / float(lab_cap.sum())
        assert m.book.structure(cap, *m.poles, total=float(cap.sum())) == \
            metrics.regime_structure(m.regime_members, m.regime_depth, m.regime_active, cap,
                                     *m.poles)
        assert m.datacollector.model_vars["polarization"][-1] == metrics.polarization(
            m.alignment, cap)


def test_monthly_forms_without_where_are_the_where_forms():
    """The step's replacements of np.where (the verification rates by compliance, the
    controls' rates, the shortfall streak) give the same arrays, dtype included."""
    rng = np.random.default_rng(21)
    ok = rng.random(30) < 0.5
    assert same(np.array([0.2, 0.05]).take(ok), np.where(ok, 0.05, 0.2))
    trust, observed = rng.random((30, 30)), rng.random((30, 30)) < 0.3
    assert same(trust_m.verification_update(trust, observed, ok, 0.05, 0.2,
                                            rate=np.array([0.2, 0.05]).take(ok)),
                trust_m.verification_update(trust, observed, ok, 0.05, 0.2))
    controls, pressure = rng.random((6, 30)), rng.random((6, 30))
    rate = np.where(pressure > controls, 0.08, 0.01)
    assert same(ctrl_m.adjust_controls(controls, pressure, 0.08, 0.01),
                controls + rate * (pressure - controls))
    streak, short = rng.integers(0, 9, 30), rng.random(30) < 0.5
    got = reg_m.shortfall_streak(streak, short)
    assert same(got, np.where(short, streak + 1, 0)) and got.dtype == streak.dtype


def test_deferred_polarization_is_polarization_month_by_month(monkeypatch):
    """The stock DataCollector's series, polarization settled when read (all at once, or in
    batches when many months are pending), are polarization computed every month; Mesa's own
    record of collection times is kept (mesa.batch_run reads it)."""
    import mesa

    from sim.model.collector import DeferredObservables
    run = sim.load_config("baseline", seed=4, steps=30)
    eager = GovernanceModel(run)
    expected = [metrics.polarization(eager.alignment, eager.capability)]
    while eager.steps < eager.n_steps:
        eager.step()
        expected.append(metrics.polarization(eager.alignment, eager.capability))
    monkeypatch.setattr(DeferredObservables, "MAX_PENDING", 14 * 7)  # settle every 7 months
    for model in (GovernanceModel(run).run(), eager):
        dc = model.datacollector
        assert type(dc) is mesa.DataCollector
        assert dc.model_vars["polarization"] == expected
        assert len(dc.get_model_vars_dataframe()) == len(expected) == 31
        assert len(dc._collection_steps) == 31  # what mesa.batch_run reads, kept by Mesa
