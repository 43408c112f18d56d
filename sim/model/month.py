"""The monthly step of :class:`sim.model.model.GovernanceModel` (docs/ODD.md, section 3).

Each month after the events: regimes (lapse, withdrawal), labs, compliance, verification and
trust, alignment, export controls, capability, incidents, data collection. Every number comes
from the pure functions of :mod:`sim.model.mechanisms`; :class:`MonthMixin` wires them over the
model's arrays. Pairwise terms are worked where they can be non-zero: verification on the rows
with a link, controls and rivalry on the rows and columns of their support
(:mod:`sim.model.mechanisms.support`), relaxation and drift in cache-sized blocks. The results are
the plain mechanisms' numbers, bit for bit (tests/model/test_speed_equivalence.py).
"""

from __future__ import annotations

import numpy as np

from sim.model.draws import uniform_rows
from sim.model.ledger import DRIFT
from sim.model.mechanisms import alignment as align_m
from sim.model.mechanisms import capability as cap_m
from sim.model.mechanisms import clip
from sim.model.mechanisms import compliance as comp_m
from sim.model.mechanisms import controls as ctrl_m
from sim.model.mechanisms import incidents as inc_m
from sim.model.mechanisms import labs as lab_m
from sim.model.mechanisms import regimes as reg_m
from sim.model.mechanisms import trust as trust_m
from sim.model.mechanisms.support import crossing, put_crossing, symmetric_rows

WHOLE_UP_TO = 64  # rosters up to this size draw verification uniforms as one (N, N) draw


class MonthMixin:
    """The monthly step of :class:`sim.model.model.GovernanceModel` (see the module docstring)."""

    def step(self) -> None:
        # One function over 60 lines, on purpose: it is the month's process schedule (ODD
        # section 3, steps 2-9) in the order the ODD gives, so the order can be read and checked
        # against it in one place; each step calls a pure mechanism or a helper below.
        p, rng, n = self.p, self.rng, self.n
        pressure = self.pressure
        ledger = self.ledger

        # 2. regimes: lapse without renewal; members short for too long withdraw
        if self.regime_depth.size:
            # during the step that closes month k, self.month is already k + 1
            leaving = self.shortfall >= p["shortfall_limit"]
            if np.count_nonzero(leaving) or self.book.lapsing(self.month, p["regime_lapse"]):
                self.regime_members[:, leaving] = False
                self.shortfall[leaving] = 0
                self._regimes_changed()

        # 3. labs: DSAIR imitation in the mean field, pulled up by home rules and pledges
        home = self.lab_home
        cap_home = self.capability[home]
        lab_cap = self.lab_cap  # labs' capability, from the last observation (still current)
        if lab_cap.size:
            # the labs' safe share as the last observation weighed it (lab_cap and lab_safety
            # have not changed since): dot / sum (model._observe)
            x = self._lab_dot / max(self._lab_sum, 1e-12)
            gap = 1.0 - cap_home / self.capability.max()
            s = lab_m.effective_speedup(p["race_s"], gap)
            advantage = lab_m.payoff_advantage(x, p["race_b"], p["race_c"], p["race_B"],
                                               p["race_W"], s, self.risk_concern[home])
            floor = np.maximum(self.implemented[home], self.lab_pledge)
            self.lab_safety = clip(
                self.lab_safety
                + lab_m.imitation_flow(self.lab_safety, x, advantage, p["race_beta"],
                                       p["lab_imitation_rate"])
                + lab_m.regulation_pull(self.lab_safety, floor, p["lab_regulation_pull"]),
                0.0, 1.0)

        # 4. compliance against the phased-in obligation (toward the deal's threshold too)
        self.obligation = comp_m.phase_in(self.obligation, self.commitment,
                                          p["implementation_months"])
        target = self.commitment
        if p["safety_for_compute"]:
            stake = comp_m.deal_stake(self.controls, self.rivalry, self.book.verif,
                                      p["deal_rivalry_gate"],
                                      None if self._support.dense else self._support.rows)
            target = comp_m.deal_incentive(self.commitment, stake, p["deal_safety_threshold"])
        shock = rng.normal(0.0, p["compliance_noise"], n)
        self.implemented = comp_m.comply(self.implemented, target, self.hawkishness,
                                         pressure, p["compliance_rate"], p["hawk_drag"], shock)
        ok = comp_m.complied(self.implemented, self.obligation, p["compliance_tolerance"])
        self.shortfall = reg_m.shortfall_streak(self.shortfall, ~ok & (self.obligation > 0))

        # 5. verification and trust (each change to the ledger), then the baseline's drift
        felt = self._trust_month(ok)

        # 6. alignment: each country moves to reduce its frustration
        h = align_m.field(self._propensity(felt), self.capability, self.alignment)
        self.alignment = align_m.update_alignment(
            self.alignment, h, p["alignment_beta"], p["alignment_rate"],
            rng.normal(0.0, p["alignment_noise"], n))

        # 7. export controls as bloc policy, allies following their leader; the deal
        self._controls_month()

        # 8. compute access and capability
        blocked = cap_m.blocked_share(self.controls, self.supply)
        self.substitution = cap_m.substitute(self.substitution, blocked, p["substitution_speed"])
        self.compute_access = cap_m.compute_access(blocked, self.substitution)
        by_home = np.bincount(home, weights=self.lab_share * self.lab_safety, minlength=n)
        spend = by_home + self.residual_share * self.implemented
        self.capability = cap_m.grow(self.capability, self.compute_access, spend,
                                     p["capability_growth"], p["safety_cost"])
        self.pressure = comp_m.race_pressure(self.capability)

        # 9. incidents
        units_cap, units_safe, n_labs = self._units_cap, self._units_safe, lab_cap.size
        units_cap[:n_labs] = lab_cap  # labs, then states (the concatenation, in place)
        np.multiply(self.residual_share, self.capability, out=units_cap[n_labs:])
        units_safe[:n_labs] = self.lab_safety
        units_safe[n_labs:] = self.implemented
        lam = inc_m.hazard(units_cap, units_safe, self._exposure, p["incident_rate"])
        k = int(rng.poisson(lam))
        self.incidents += k
        self.risk_concern = inc_m.decay_concern(
            inc_m.raise_concern(self.risk_concern, k, p["risk_salience"]),
            self.risk_baseline, p["risk_decay"])

        # 10. data collection
        ledger.close(self.steps)
        self._observe()
        self._collect()

    def _verification(self, t0: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Step 5, verification: each pair with a link observes with its probability what the
        other implemented and updates trust (docs/ODD.md 6.4). One uniform per ordered pair,
        as a whole (N, N) draw; on a large roster only the rows with a link are drawn (the
        generator skips the rest) and trust is updated in place, block by block
        (trust_m.verify_rows_inplace). Returns the trust after it: ``t0`` itself on a large
        roster or when no pair has a link, else a new array."""
        p, rng, n, book = self.p, self.rng, self.n, self.book
        rows = book.link_rows
        if not rows.size:
            uniform_rows(rng, n, [])  # the draw nobody uses: the stream moves past it
            return t0
        if n <= WHOLE_UP_TO:
            observed = rng.random((n, n)) < book.verif
            np.copyto(self.verified, self.implemented, where=observed)  # np.where, in place
            t1 = trust_m.verification_update(t0, observed, ok, p["trust_gain"], p["trust_loss"],
                                             rate=self._trust_rates.take(ok))
            np.subtract(t1, t0, out=self.ledger.slot("verification"))
            return t1
        if not hasattr(rng.bit_generator, "advance"):  # draws the whole matrix (see draws.py)
            observed = uniform_rows(rng, n, book.link_runs) < book.verif[rows]
            self.verified[rows] = np.where(observed, self.implemented[None, :],
                                           self.verified[rows])
            before = t0[rows]
            t0[rows] = after = trust_m.verification_update(before, observed, ok, p["trust_gain"],
                                                           p["trust_loss"])
            self.ledger.put_rows("verification", rows, after - before)
            return t0
        trust_m.verify_rows_inplace(rng, book.link_runs, t0, book.verif, self.verified,
                                    self.implemented, ok, p["trust_gain"], p["trust_loss"],
                                    self.ledger.slot_rows("verification", rows))
        return t0

    def _rivalry_cut(self, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Step 5, rivalry outside AI and controls either way erode trust. Returns this
        month's trust so far (a new array, not ``t0``) and the rivalry felt as the propensity
        takes it: the whole matrix, or on a sparse support the rows of felt + felt.T."""
        p, s, ledger = self.p, self._support, self.ledger
        weight, cut = 0.5 * p["controls_rivalry"], p["rivalry_trust_cut"]
        if s.dense:
            felt = self.rivalry + weight * (self.controls + self.controls.T)
            t2 = trust_m.rivalry_cut(t1, felt, cut)
            np.subtract(t2, t1, out=ledger.slot("rivalry"))
            return t2, felt
        t = t1.copy() if t1 is t0 and self.n <= WHOLE_UP_TO else t1  # large: in place
        felt_r, felt_c = trust_m.felt_rivalry_rows(self.rivalry, self.controls, s.rows, weight)
        t1_r, t1_c = crossing(t, s)
        t2_r = trust_m.rivalry_cut(t1_r, felt_r, cut)
        t2_c = trust_m.rivalry_cut(t1_c, felt_c[:, s.others].T, cut)
        put_crossing(t, s, t2_r, t2_c)
        ledger.put_crossing("rivalry", s, t2_r - t1_r, t2_c - t1_c)
        return t, symmetric_rows(felt_r, felt_c.T)

    def _trust_month(self, ok: np.ndarray) -> np.ndarray:
        """Step 5 (docs/ODD.md 6.4): verification, the rivalry cut, relaxation, clipping and
        the baseline's drift, each change to the ledger; rivalry fades. Returns the rivalry
        felt, for the propensity (see _rivalry_cut)."""
        p, n, ledger, s = self.p, self.n, self.ledger, self._support
        t0 = self.trust
        t, felt = self._rivalry_cut(t0, self._verification(t0, ok))
        # the new baseline: a fresh matrix on a small roster; a large one alternates between
        # two (a fresh 2,000 x 2,000 matrix costs its page faults every month)
        spare = self._spare_baseline if n > WHOLE_UP_TO else None
        baseline = np.empty((n, n)) if spare is None or spare is self.baseline else spare
        if ledger.cumulative is None:  # no per-pair record: the changes' sums alone
            tree = ledger.pairwise
            sums = trust_m.relax_clip_drift_sums(t, self.baseline, p["trust_relax"],
                                                 p["trust_drift"], new_baseline=baseline,
                                                 leaves=tree.leaves)
            for cause, parts in zip(("relaxation", "bounds", DRIFT), sums, strict=True):
                ledger.add_step_sum(cause, tree.total(parts))
            clipped = True
        else:
            clipped = trust_m.relax_clip_drift(
                t, self.baseline, p["trust_relax"], p["trust_drift"], new_baseline=baseline,
                d_relax=ledger.slot("relaxation"), d_bounds=ledger.slot("bounds"),
                d_drift=ledger.slot(DRIFT))
        if n > WHOLE_UP_TO:
            self._spare_baseline = self.baseline
        self.trust, self.baseline = t, baseline
        ledger.close_step(zero=() if clipped else ("bounds",))
        fade = 1.0 - p["rivalry_decay"]
        if s.dense:
            self.rivalry *= fade
        else:
            self.rivalry[np.ix_(s.rows, s.rows)] *= fade
        return felt

    def _propensity(self, felt: np.ndarray) -> np.ndarray:
        """Step 6: the pairs' propensities (align_m.propensity, the same numbers)."""
        p, s = self.p, self._support
        if s.dense:
            return align_m.propensity(self.trust, self.shared_depth,
                                      align_m.compute_dependence(self.supply, self.controls),
                                      felt, p["propensity_trust_neutral"],
                                      p["propensity_regime"], p["propensity_dependence"],
                                      p["propensity_rivalry"])
        dep = (align_m.dependence_rows(self.supply, self.controls, s.rows)
               if p["propensity_dependence"] else None)
        return align_m.propensity_on_support(
            self.trust, self._regime_term, dep, felt, s, p["propensity_trust_neutral"],
            p["propensity_dependence"], p["propensity_rivalry"], out=self._j)

    def _hawk_col(self) -> np.ndarray:
        """(hawkishness * (supply > 0))[rows][:, None], the suppliers' hawkishness as
        control_pressure_rows weighs it on the support's rows (all rows when dense); kept
        until a government event moves hawkishness (model._shift drops it)."""
        if self._hawk is None:
            rows = None if self._support.dense else self._support.rows
            hw = self.hawkishness * self._supplier
            self._hawk = (hw if rows is None else hw[rows])[:, None]
        return self._hawk

    def _club(self) -> np.ndarray | None:
        """1 - club_easing * shared_depth on the support's rows (all rows when dense), as
        control_pressure_rows takes it; kept until the regimes change (model._regimes_changed
        drops it). None when club_easing is 0."""
        ce = self.p["club_easing"]
        if not ce:
            return None
        if self._club_factor is None:
            depth = self.shared_depth if self._support.dense else \
                self.shared_depth[self._support.rows]
            self._club_factor = 1.0 - ce * depth
        return self._club_factor

    def _controls_month(self) -> None:
        """Step 7 (docs/ODD.md 6.6). On a sparse support, on its rows only: only suppliers,
        and countries named in controls events, ever hold controls."""
        p, s = self.p, self._support
        if s.dense:
            target = ctrl_m.control_pressure_rows(
                None, self.capability, self.trust, self.verified, self.rivalry,
                self.hawkishness, self.supply, self.alignment, self.shared_depth,
                p["threat_capability"], p["threat_unsafe"], p["threat_rivalry"],
                p["club_easing"], hawk_col=self._hawk_col(), club=self._club())
            target = ctrl_m.follow_leaders_rows(None, target, self.controls, self.alignment,
                                                self.supply, self.poles, p["controls_follow"],
                                                supplier=self._supplier)
            c = ctrl_m.adjust_controls(self.controls, target, p["controls_tighten_rate"],
                                       p["controls_relax_rate"])
            if p["safety_for_compute"]:
                c, fired = ctrl_m.safety_for_compute(
                    c, self.verified, self.trust, self.rivalry, p["deal_safety_threshold"],
                    p["deal_trust_threshold"], p["deal_rivalry_gate"], p["deal_easing"])
                self.deal_months += fired
                self.deal_count += int(np.count_nonzero(fired))
            self.controls = c
            return
        r = s.rows
        target = ctrl_m.control_pressure_rows(
            r, self.capability, self.trust, self.verified, self.rivalry, self.hawkishness,
            self.supply, self.alignment, self.shared_depth, p["threat_capability"],
            p["threat_unsafe"], p["threat_rivalry"], p["club_easing"],
            hawk_col=self._hawk_col(), club=self._club())
        target = ctrl_m.follow_leaders_rows(r, target, self.controls, self.alignment,
                                            self.supply, self.poles, p["controls_follow"],
                                            supplier=self._supplier)
        c = ctrl_m.adjust_controls(self.controls[r], target, p["controls_tighten_rate"],
                                   p["controls_relax_rate"])
        if p["safety_for_compute"]:
            c, fired = ctrl_m.safety_for_compute(
                c, self.verified[r], self.trust[r], self.rivalry[r],
                p["deal_safety_threshold"], p["deal_trust_threshold"], p["deal_rivalry_gate"],
                p["deal_easing"])
            self.deal_months[r] += fired
            self.deal_count += int(np.count_nonzero(fired))
        self.controls[r] = c
