"""GovernanceModel: the world's state as numpy arrays, venue sessions and shocks as Mesa events.

One step is one month (docs/ODD.md, section 3). Scheduled events of month k (venue sessions,
shocks) fire at model time k + 0.5, before the step that closes month k at time k + 1, so a month
reads: events, then regimes (lapse, withdrawal), labs, compliance, verification and trust,
alignment, export controls, capability, incidents, data collection. Shocks dated before the start
month are applied at set-up (initial conditions).
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim import metrics
from sim.agents import Country, Lab
from sim.config import VENUE_TYPES, Event, RunConfig, Venue
from sim.draws import uniform_rows
from sim.ledger import DRIFT, TrustLedger
from sim.mechanisms import alignment as align_m
from sim.mechanisms import capability as cap_m
from sim.mechanisms import clip
from sim.mechanisms import compliance as comp_m
from sim.mechanisms import controls as ctrl_m
from sim.mechanisms import incidents as inc_m
from sim.mechanisms import labs as lab_m
from sim.mechanisms import regimes as reg_m
from sim.mechanisms import relations as rel_m
from sim.mechanisms import trust as trust_m
from sim.mechanisms.support import crossing, put_crossing, support, symmetric_rows
from sim.regime_book import RegimeBook
from sim.sessions import SessionRecord, SessionsMixin


class _Call:
    """A scheduled callback kept alive on the model (Mesa holds callbacks by weak reference)."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def fire(self) -> None:
        self.fn(self.arg)


class GovernanceModel(SessionsMixin, mesa.Model):
    """Countries and labs negotiating over AI safety in venues; see docs/ODD.md."""

    def __init__(self, run: RunConfig):
        super().__init__(rng=run.seed)
        self.run_config = run
        sc = run.scenario
        self.p = p = sc.params
        self.scenario_name = sc.name
        self.start = sc.start
        self.n_steps = run.steps

        cs, ls = sc.countries, sc.labs
        self.country_names = [c.name for c in cs]
        self.country_index = {n: i for i, n in enumerate(self.country_names)}
        self.lab_names = [lab.name for lab in ls]
        self.lab_index = {n: i for i, n in enumerate(self.lab_names)}
        self.blocs = np.array([c.bloc for c in cs])  # plot colours only
        n, n_labs = len(cs), len(ls)
        self.n = n

        def col(attr):
            return np.array([getattr(c, attr) for c in cs], dtype=float)

        self.capability = col("capability")
        self.supply = col("chip_supply")
        self.hawkishness = col("hawkishness")
        self.risk_concern = col("risk_concern")
        self.risk_baseline = self.risk_concern.copy()
        self.domestic = col("commitment")  # domestic rules in force at the start
        self.commitment = self.domestic.copy()
        self.implemented = col("implemented")
        # what compliance is judged against: what is already in place, rising on schedule to
        # the commitment (domestic rules phase in like signed ones; 6.3)
        self.obligation = np.minimum(self.implemented, self.domestic)
        self.legitimacy = np.array([[c.legitimacy[t] for t in VENUE_TYPES] for c in cs])

        # starting relations from pairwise facts; trust starts at its baseline
        idx = self.country_index
        self.baseline = rel_m.baseline_trust(
            col("un_ideal_point"),
            rel_m.group_matrix([[idx[m] for m in g] for g in sc.alliances], n),
            rel_m.group_matrix([[idx[m] for m in g] for g in sc.partnerships], n),
            p["relation_base"], p["relation_alliance"], p["relation_partnership"],
            p["relation_voting"], p["voting_scale"])
        self.trust = self.baseline.copy()
        self.controls = np.zeros((n, n))
        self.rivalry = np.zeros((n, n))
        self.verified = np.zeros((n, n))  # last verified implemented safety of j seen by i
        self.substitution = np.zeros(n)
        self.compute_access = np.ones(n)
        self.shortfall = np.zeros(n, dtype=int)  # months in a row short of the obligation

        self.book = RegimeBook(n)  # regimes: one per venue series, grown as texts are signed

        self.lab_home = np.array([self.country_index[lab.home] for lab in ls], dtype=int)
        self.lab_share = np.array([lab.capability for lab in ls], dtype=float)
        self.lab_safety = np.array([lab.safety_investment for lab in ls], dtype=float)
        self.lab_openness = np.array([lab.openness for lab in ls], dtype=float)
        self.lab_propensity = np.array([lab.track2_propensity for lab in ls], dtype=float)
        self.lab_pledge = np.zeros(n_labs)
        self.pressure = comp_m.race_pressure(self.capability)  # follows capability (step 7)
        share_by_home = np.bincount(self.lab_home, weights=self.lab_share, minlength=n)
        self.residual_share = clip(1.0 - share_by_home, 0.0, 1.0)
        self._exposure = inc_m.exposure(np.concatenate([self.lab_openness, np.zeros(n)]),
                                        p["openness_hazard"])  # labs, then states

        self.sessions: list[SessionRecord] = []
        self.incidents = 0
        self.deal_months = np.zeros((n, n), dtype=int)  # months the deal fired, per pair
        self.deal_count = 0
        self.ledger = TrustLedger(n)
        self.forums: dict[int, Venue] = {}  # leader index -> the forum it convened
        self.forum_causes: dict[str, tuple[str, str]] = {}  # leader -> (month, what caused it)

        for i, c in enumerate(cs):
            Country(self, i, c.name, c.bloc)
        for i, lab in enumerate(ls):
            Lab(self, i, lab.name, lab.home)

        # controls and rivalry are zero outside the rows and columns of chip suppliers and of
        # the countries named in controls or rivalry events (sim/mechanisms/support.py)
        named = [idx[c] for e in sc.events if e.kind in ("controls", "rivalry")
                 for c in (e.actor, *(e.targets if e.kind == "rivalry" else ()))]
        self._support = support(n, [*np.flatnonzero(self.supply > 0), *named])
        self._deltas = tuple(np.empty((n, n)) for _ in range(3))  # relaxation, bounds, drift
        self._j = np.empty((n, n))  # the month's propensities
        self._regime_term: np.ndarray | None = None  # propensity_regime * shared_depth

        self._calls: list[_Call] = []
        self._venues = {venue.name: self._venue_masks(venue) for venue in sc.venues}
        for ev in sc.events:
            if ev.month < 0:
                self._apply_event(ev)
            elif ev.month < self.n_steps:
                self._schedule(self._apply_event, ev, ev.month, Priority.HIGH)
        # the two leading powers at set-up are the poles of alignment (A: +1, B: -1)
        self.poles = metrics.leaders(self.capability)
        self.alignment = align_m.initial_alignment(self.baseline, *self.poles,
                                                   sc.initial_alignment)
        for venue in sc.venues:
            self._schedule_venue(venue, venue.months)

        self._observed: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={k: partial(_read_observable, key=k) for k in metrics.OBSERVABLES})
        self._observe()
        self.datacollector.collect(self)

    # -- scheduling -------------------------------------------------------------------------

    def _schedule(self, fn, arg, month: int, priority: Priority) -> None:
        call = _Call(fn, arg)
        self._calls.append(call)
        self.schedule_event(call.fire, at=month + 0.5, priority=priority)

    def _schedule_venue(self, venue: Venue, months: tuple[int, ...]) -> None:
        for m in months:
            if m < self.n_steps:
                self._schedule(self._hold_session, venue, m, Priority.DEFAULT)
        if venue.every and months:
            first = months[-1] + venue.every
            if first < self.n_steps:
                call = _Call(self._hold_session, venue)
                self._calls.append(call)
                self.schedule_recurring(call.fire, Schedule(interval=venue.every,
                                                            start=first + 0.5,
                                                            end=self.n_steps))

    @property
    def month(self) -> int:
        """0-based index of the month being played (events of month k fire at time k + 0.5;
        inside the step that closes month k, the clock already reads k + 1)."""
        return int(self.time)

    def country(self, name: str) -> Country:
        return next(a for a in self.agents_by_type[Country] if a.name == name)

    def lab(self, name: str) -> Lab:
        return next(a for a in self.agents_by_type[Lab] if a.name == name)

    # -- exogenous shocks -------------------------------------------------------------------

    def _apply_event(self, ev: Event) -> None:
        i = self.country_index[ev.actor]
        js = [self.country_index[t] for t in ev.targets]
        if ev.kind == "controls":
            self.controls[i, js] = clip(self.controls[i, js] + ev.delta, 0.0, 1.0)
        elif ev.kind == "rivalry":
            self.rivalry[i, js] = np.maximum(self.rivalry[i, js] + ev.delta, 0.0)
            self.rivalry[js, i] = np.maximum(self.rivalry[js, i] + ev.delta, 0.0)
        elif ev.kind == "government":
            for attr, delta in ev.changes:
                self._shift(i, attr, delta)
            if ev.withdraw and self.regime_members.shape[0]:
                self.regime_members[:, i] = False
                self._regimes_changed()
        else:
            attr = ev.kind if ev.kind != "legitimacy" else f"legitimacy.{ev.venue_type}"
            self._shift(i, attr, ev.delta)

    def _shift(self, i: int, attr: str, delta: float) -> None:
        """Move one country attribute by ``delta`` within [0, 1] (risk concern moves its
        baseline too: a new line, not a passing scare)."""
        if attr == "risk_concern":
            for arr in (self.risk_concern, self.risk_baseline):
                arr[i] = clip(arr[i] + delta, 0.0, 1.0)
        elif attr == "hawkishness":
            self.hawkishness[i] = clip(self.hawkishness[i] + delta, 0.0, 1.0)
        else:
            t = VENUE_TYPES.index(attr.split(".", 1)[1])
            self.legitimacy[i, t] = clip(self.legitimacy[i, t] + delta, 0.0, 1.0)

    # -- regimes ----------------------------------------------------------------------------

    def _regimes_changed(self) -> None:
        """Recompute what the regimes in force imply: shared depth, verification links and
        each country's commitment (domestic rules or the deepest regime it keeps)."""
        kept = self.book.refresh(self.month, self.p["regime_lapse"])
        w = self.p["propensity_regime"]
        self._regime_term = w * self.book.shared_depth if w and self.book.active.any() else None
        self.commitment = np.maximum(self.domestic, kept)
        np.minimum(self.obligation, self.commitment, out=self.obligation)

    def _renew_regime(self, venue: Venue, depth: float, signed: np.ndarray,
                      invited: np.ndarray, attended: np.ndarray) -> None:
        """A text signed by two or more renews the series' regime (RegimeBook.renew)."""
        self.book.renew(venue.series, venue.type, depth, venue.verification, signed, invited,
                        attended, self.month)
        self.shortfall[signed] = 0  # a member that signs again starts its record afresh
        self._regimes_changed()

    # regimes, as the model's public attributes (arrays of the RegimeBook)
    regime_series = property(lambda self: self.book.series, doc="venue series of each regime")
    regime_type = property(lambda self: self.book.types, doc="venue type of each regime")
    regime_members = property(lambda self: self.book.members, doc="(R, N) membership")
    regime_depth = property(lambda self: self.book.depth, doc="(R,) depth of the last text")
    regime_verification = property(lambda self: self.book.verification,
                                   doc="(R,) verification of the last text")
    regime_renewed = property(lambda self: self.book.renewed, doc="(R,) month of renewal")
    regime_active = property(lambda self: self.book.active, doc="(R,) in force")
    shared_depth = property(lambda self: self.book.shared_depth,
                            doc="(N, N) deepest regime in force both belong to")
    verif = property(lambda self: self.book.verif,
                     doc="(N, N) monthly probability that i observes j's compliance")

    @property
    def regime_rows(self) -> list[dict]:
        """One dict per month and regime in force (the rows of ``regimes.csv``)."""
        return self.book.rows(self.start, self.country_names, self.poles)

    # -- the monthly step -------------------------------------------------------------------

    def step(self) -> None:
        p, rng, n = self.p, self.rng, self.n
        pressure = self.pressure
        ledger = self.ledger

        # 2. regimes: lapse without renewal; members short for too long withdraw
        if self.regime_depth.size:
            # during the step that closes month k, self.month is already k + 1
            active = self.book.in_force(self.month, p["regime_lapse"])
            leaving = self.shortfall >= p["shortfall_limit"]
            if leaving.any() or not np.array_equal(active, self.regime_active):
                self.regime_members[:, leaving] = False
                self.shortfall[leaving] = 0
                self._regimes_changed()

        # 3. labs: DSAIR imitation in the mean field, pulled up by home rules and pledges
        home = self.lab_home
        cap_home = self.capability[home]
        lab_cap = self.lab_cap  # labs' capability, from the last observation (still current)
        if lab_cap.size:
            x = float(lab_cap.dot(self.lab_safety)) / max(float(lab_cap.sum()), 1e-12)
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
                                      p["deal_rivalry_gate"], self._support.rows)
            target = comp_m.deal_incentive(self.commitment, stake, p["deal_safety_threshold"])
        shock = rng.normal(0.0, p["compliance_noise"], n)
        self.implemented = comp_m.comply(self.implemented, target, self.hawkishness,
                                         pressure, p["compliance_rate"], p["hawk_drag"], shock)
        ok = comp_m.complied(self.implemented, self.obligation, p["compliance_tolerance"])
        self.shortfall = reg_m.shortfall_streak(self.shortfall, ~ok & (self.obligation > 0))

        # 5. verification and trust (each change to the ledger), then the baseline's drift
        felt_sym = self._trust_month(ok)

        # 6. alignment: each country moves to reduce its frustration
        j = align_m.propensity_on_support(
            self.trust, self._regime_term,
            align_m.dependence_rows(self.supply, self.controls, self._support.rows)
            if p["propensity_dependence"] else None,
            felt_sym, self._support, p["propensity_trust_neutral"],
            p["propensity_dependence"], p["propensity_rivalry"], out=self._j)
        h = align_m.field(j, self.capability, self.alignment)
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
        units_cap = np.concatenate([lab_cap, self.residual_share * self.capability])
        units_safe = np.concatenate([self.lab_safety, self.implemented])
        lam = inc_m.hazard(units_cap, units_safe, self._exposure, p["incident_rate"])
        k = int(rng.poisson(lam))
        self.incidents += k
        self.risk_concern = inc_m.decay_concern(
            inc_m.raise_concern(self.risk_concern, k, p["risk_salience"]),
            self.risk_baseline, p["risk_decay"])

        # 10. data collection
        ledger.close(self.steps)
        self._observe()
        self.datacollector.collect(self)

    def _trust_month(self, ok: np.ndarray) -> np.ndarray | None:
        """Step 5 (docs/ODD.md 6.4): verification, the rivalry cut, relaxation, clipping and
        the baseline's drift, each change to the ledger; rivalry fades. Verification uniforms
        are drawn only for rows with a link and rivalry acts only on its support's rows and
        columns (the same numbers as the whole matrices). Returns the support rows of
        felt + felt.T (for the propensity; None when it has no rivalry weight)."""
        p, rng, n, ledger, book, s = self.p, self.rng, self.n, self.ledger, self.book, self._support
        t0 = self.trust
        t = t0.copy()  # this month's trust, changed in place below
        u = uniform_rows(rng, n, book.link_runs)
        rows = book.link_rows
        if rows.size:
            observed = u < book.verif[rows]
            self.verified[rows] = np.where(observed, self.implemented[None, :],
                                           self.verified[rows])
            before = t0[rows]
            t[rows] = after = trust_m.verification_update(before, observed, ok,
                                                          p["trust_gain"], p["trust_loss"])
            ledger.add_rows("verification", rows, after - before)
        felt_r, felt_c = trust_m.felt_rivalry_rows(self.rivalry, self.controls, s.rows,
                                                   0.5 * p["controls_rivalry"])
        t1_r, t1_c = crossing(t, s)
        t2_r = trust_m.rivalry_cut(t1_r, felt_r, p["rivalry_trust_cut"])
        t2_c = trust_m.rivalry_cut(t1_c, felt_c[:, s.others].T, p["rivalry_trust_cut"])
        put_crossing(t, s, t2_r, t2_c)
        ledger.add_crossing("rivalry", s, t2_r - t1_r, t2_c - t1_c)
        d_relax, d_bounds, d_drift = self._deltas
        baseline = np.empty((n, n))
        trust_m.relax_clip_drift(t, self.baseline, p["trust_relax"], p["trust_drift"],
                                 new_baseline=baseline, d_relax=d_relax, d_bounds=d_bounds,
                                 d_drift=d_drift)
        self.trust, self.baseline = t, baseline
        ledger.add("relaxation", d_relax)
        ledger.add("bounds", d_bounds)
        ledger.add(DRIFT, d_drift)
        fade = 1.0 - p["rivalry_decay"]
        if s.others.size:
            self.rivalry[np.ix_(s.rows, s.rows)] *= fade
        else:
            self.rivalry *= fade
        return symmetric_rows(felt_r, felt_c.T) if p["propensity_rivalry"] else None

    def _controls_month(self) -> None:
        """Step 7 (docs/ODD.md 6.6) on the support's rows: only suppliers, and countries
        named in controls events, ever hold controls."""
        p, r = self.p, self._support.rows
        target = ctrl_m.control_pressure_rows(
            r, self.capability, self.trust, self.verified, self.rivalry, self.hawkishness,
            self.supply, self.alignment, self.shared_depth, p["threat_capability"],
            p["threat_unsafe"], p["threat_rivalry"], p["club_easing"])
        target = ctrl_m.follow_leaders_rows(r, target, self.controls, self.alignment,
                                            self.supply, self.poles, p["controls_follow"])
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

    def run(self) -> GovernanceModel:
        """Run all remaining steps; returns self for chaining."""
        while self.steps < self.n_steps:
            self.step()
        self.running = False
        return self

    # -- observables ------------------------------------------------------------------------

    @property
    def obs(self) -> dict[str, float]:
        """The observables of the latest month (metrics.OBSERVABLES)."""
        return dict(self._observed)

    def camps(self) -> tuple[np.ndarray, np.ndarray]:
        """(camp A, camp B) masks of the current alignments (A: leader A's side)."""
        return align_m.camps(self.alignment, self.poles[0],
                             self.run_config.outcome.camp_threshold)

    def regimes(self) -> metrics.RegimeStructure:
        """The regimes in force, as the outcome reads them."""
        return self.book.structure(self.capability, *self.poles)

    def _observe(self) -> None:
        """This month's observables (metrics.OBSERVABLES) and regime rows."""
        self.lab_cap = lab_cap = self.lab_share * self.capability[self.lab_home]
        cap = self.capability
        camp_a, camp_b = self.camps()
        total = float(cap.sum())
        rs = self.regimes()
        self._observed = {
            "mean_trust": metrics.mean_trust(self.trust),
            "cross_camp_trust": metrics.cross_camp_trust(self.trust, camp_a, camp_b),
            "polarization": metrics.polarization(self.alignment, cap),
            "camp_a_share": float(cap.dot(camp_a)) / total,
            "camp_b_share": float(cap.dot(camp_b)) / total,
            "regimes_in_force": float(rs.in_force),
            "regime_depth": rs.depth,
            "regime_coverage": rs.coverage,
            "shared_depth": rs.shared_depth,
            "global_safety": metrics.global_safety(cap, self.implemented),
            "mean_controls": metrics.mean_controls(self.controls, self.supply),
            "capability_gap": metrics.capability_gap(cap),
            "incidents": float(self.incidents),
            "lab_safety": float(lab_cap.dot(self.lab_safety)) / float(lab_cap.sum())
            if lab_cap.size else 0.0,
            "deals": float(self.deal_count),
        }
        self.book.record(self.steps, cap)

    def outcome_basis(self) -> dict:
        """What the outcome is decided on: the regime structure and the leaders' camps now,
        polarization averaged over the last ``outcome.window`` months (the initial state only
        counts before the first month)."""
        oc = self.run_config.outcome
        series = self.datacollector.model_vars["polarization"]
        recent = series[1:] or series
        a, b = self.poles
        al = align_m.oriented(self.alignment, a)
        rs = self.regimes()
        return {
            "leaders": [self.country_names[a], self.country_names[b]],
            "leader_alignment": [float(al[a]), float(al[b])],
            "leaders_apart": bool(al[a] >= oc.camp_threshold and al[b] <= -oc.camp_threshold),
            "shared_depth": rs.shared_depth,
            "shared_coverage": rs.shared_coverage,
            "a_own_regime": rs.a_own,
            "b_own_regime": rs.b_own,
            "regimes_in_force": rs.in_force,
            "polarization_mean": float(np.mean(recent[-oc.window:])),
            "window": oc.window,
        }

    def outcome(self) -> str:
        """cooperation / bifurcation / fragmentation for the current state (docs/ODD.md 6.9)."""
        oc = self.run_config.outcome
        basis = self.outcome_basis()
        return metrics.classify_outcome(
            shared_depth=basis["shared_depth"], shared_coverage=basis["shared_coverage"],
            polarization=basis["polarization_mean"], leaders_apart=basis["leaders_apart"],
            a_own=basis["a_own_regime"], b_own=basis["b_own_regime"],
            depth_threshold=oc.depth_threshold, coverage_threshold=oc.coverage_threshold,
            polarization_low=oc.polarization_low, polarization_high=oc.polarization_high)

    def camps_found(self) -> dict[str, list[str]]:
        """The two camps and the non-aligned, by name."""
        names = np.array(self.country_names)
        a, b = self.camps()
        return {"A": list(names[a]), "B": list(names[b]), "nonaligned": list(names[~a & ~b])}


def _read_observable(model: GovernanceModel, key: str) -> float:
    """DataCollector reporter: one observable of the model's latest month."""
    return model._observed[key]
