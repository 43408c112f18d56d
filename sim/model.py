"""GovernanceModel: the world's state as numpy arrays, venue sessions and shocks as Mesa events.

One step is one month (docs/ODD.md, section 3). Scheduled events of month k (venue sessions,
shocks) fire at model time k + 0.5, before the step that closes month k at time k + 1, so a month
reads: events, then regimes (lapse, withdrawal), labs, compliance, verification and trust,
alignment, export controls, capability, incidents, data collection. Shocks dated before the start
month are applied at set-up (initial conditions).
"""

from __future__ import annotations

from functools import partial
from itertools import compress
from typing import NamedTuple

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim import metrics, venues
from sim.agents import Country, Lab
from sim.config import VENUE_TYPES, Event, RunConfig, Venue, month_label
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


class SessionRecord(NamedTuple):
    """One venue session as it happened (a named tuple: cheap to build, immutable)."""

    step: int
    month: str
    venue: str
    label: str
    type: str
    host: str
    decision: str
    depth: float
    verification: float
    invitees: tuple[str, ...]
    attendees: tuple[str, ...]
    signatories: tuple[str, ...]
    labs_attended: tuple[str, ...]
    labs_signed: tuple[str, ...]
    dialogue_only: bool


class _Call:
    """A scheduled callback kept alive on the model (Mesa holds callbacks by weak reference)."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def fire(self) -> None:
        self.fn(self.arg)


class GovernanceModel(mesa.Model):
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
        self.obligation = self.domestic.copy()  # what compliance is judged against
        self.implemented = col("implemented")
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

        # regimes: one per venue series, grown as texts are signed
        self.regime_series: list[str] = []
        self.regime_type: list[str] = []
        self.regime_members = np.zeros((0, n), dtype=bool)
        self.regime_depth = np.zeros(0)
        self.regime_verification = np.zeros(0)
        self.regime_renewed = np.zeros(0)
        self.regime_active = np.zeros(0, dtype=bool)
        self.shared_depth = np.zeros((n, n))  # deepest regime in force both belong to
        self.verif = np.zeros((n, n))  # monthly probability that i observes j's compliance

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

        for i, c in enumerate(cs):
            Country(self, i, c.name, c.bloc)
        for i, lab in enumerate(ls):
            Lab(self, i, lab.name, lab.home)

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
        self.regime_rows: list[dict] = []
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
        self.regime_active = reg_m.in_force(self.regime_members, self.regime_renewed,
                                            self.month, self.p["regime_lapse"])
        act = self.regime_active
        self.shared_depth = reg_m.shared_max(self.regime_members, self.regime_depth, act)
        self.verif = reg_m.shared_max(self.regime_members, self.regime_verification, act)
        self.commitment = np.maximum(self.domestic, reg_m.member_max(
            self.regime_members, self.regime_depth, act))
        np.minimum(self.obligation, self.commitment, out=self.obligation)

    def _renew_regime(self, venue: Venue, depth: float, signed: np.ndarray,
                      invited: np.ndarray, attended: np.ndarray) -> None:
        """A text signed by two or more: the series' regime enters into force or is renewed.
        Its members are the signatories and the members invited who stayed away (absence is
        not withdrawal); a member at the table that does not sign, or not invited to the
        renewal, is out."""
        if venue.series in self.regime_series:
            r = self.regime_series.index(venue.series)
            self.regime_members[r] = signed | (self.regime_members[r] & invited & ~attended)
            self.regime_depth[r] = depth
            self.regime_verification[r] = venue.verification
            self.regime_renewed[r] = self.month
        else:
            self.regime_series.append(venue.series)
            self.regime_type.append(venue.type)
            self.regime_members = np.vstack([self.regime_members, signed])
            self.regime_depth = np.append(self.regime_depth, depth)
            self.regime_verification = np.append(self.regime_verification, venue.verification)
            self.regime_renewed = np.append(self.regime_renewed, float(self.month))
        self.shortfall[signed] = 0  # a member that signs again starts its record afresh
        self._regimes_changed()

    def _club_bonus(self, venue: Venue) -> np.ndarray | float:
        """What joining the venue's regime is worth to each country: trust in its current
        members above the neutral level (the benefit of the club; Nordhaus 2015)."""
        w = self.p["club_trust_weight"]
        if not w or venue.series not in self.regime_series:
            return 0.0
        r = self.regime_series.index(venue.series)
        members = self.regime_members[r] & self.regime_active[r]
        k = np.count_nonzero(members)
        if k == 0:
            return 0.0
        mean_in = (self.trust.dot(members) - members) / np.maximum(k - members, 1)
        return w * (mean_in - self.p["propensity_trust_neutral"])

    # -- venue sessions ---------------------------------------------------------------------

    def _mask(self, names) -> np.ndarray:
        m = np.zeros(self.n, bool)
        for name in names:
            m[self.country_index[name]] = True
        return m

    def _venue_masks(self, venue: Venue) -> dict:
        """Index arrays a venue's sessions need, built once (a venue's rules do not change)."""
        if venue.labs == "all":
            lab_invite = np.ones(len(self.lab_names), bool)
        elif venue.labs == "none":
            lab_invite = np.zeros(len(self.lab_names), bool)
        else:
            lab_invite = np.isin(np.array(self.lab_names), venue.labs)
        masks = {
            "host": self.country_index.get(venue.host, -1),
            "lab_host_home": int(self.lab_home[self.lab_index[venue.host]])
            if venue.host in self.lab_index else -1,
            "rule": venue.invite if isinstance(venue.invite, str) else self._mask(venue.invite),
            "also": self._mask(venue.also_invite), "exclude": self._mask(venue.exclude),
            "lab_invite": lab_invite, "type": VENUE_TYPES.index(venue.type),
        }
        if venue.invite != "like_minded":  # the only rule that reads the state
            masks["invited"] = venues.invitees(masks["rule"], masks["host"], np.zeros(self.n),
                                               masks["also"], masks["exclude"])
        return masks

    def _hold_session(self, venue: Venue) -> None:
        p, n, rng = self.p, self.n, self.rng
        vm = self._venues[venue.name]
        ideal = venues.ideal_depth(self.risk_concern, self.hawkishness, self.pressure,
                                   p["hawk_depth_drag"])
        n_labs = len(self.lab_names)
        u = rng.random(2 * (n + n_labs))  # attend, sign; labs attend, labs sign
        narrowing = 0.0
        if venue.decision == "bargaining" and not isinstance(vm["rule"], str):
            i, j = np.flatnonzero(vm["rule"])[:2]
            narrowing = p["rivalry_narrowing"] * float(self.rivalry[i, j])
        res = venues.hold_session(
            rule=vm["rule"], decision=venue.decision, host=vm["host"], ambition=venue.ambition,
            verification=venue.verification, trust=self.trust,
            legitimacy=self.legitimacy[:, vm["type"]], ideal=ideal, also=vm["also"],
            exclude=vm["exclude"], lab_invite=vm["lab_invite"], lab_home=self.lab_home,
            lab_safety=self.lab_safety, lab_propensity=self.lab_propensity,
            lab_host_home=vm["lab_host_home"], cost=p["attend_cost"],
            sensitivity=p["attend_sensitivity"], sign_noise=p["sign_noise"],
            verification_cost=p["verification_cost"], u_attend=u[:n], u_sign=u[n:2 * n],
            u_lab_attend=u[2 * n:2 * n + n_labs], u_lab_sign=u[2 * n + n_labs:],
            alignment=self.alignment, like_minded=p["like_minded"], narrowing=narrowing,
            club_bonus=self._club_bonus(venue), lab_follow=p["lab_follow"],
            invited=vm.get("invited"))
        self._apply_session(venue, res)
        self._maybe_convene(venue, vm["host"], res)

    def _apply_session(self, venue: Venue, res: venues.SessionResult) -> None:
        p = self.p
        t0 = self.trust
        t = t0
        agreed = np.count_nonzero(res.signed) >= 2
        ledger = self.ledger
        if agreed:
            self._renew_regime(venue, res.depth, res.signed, res.invited, res.attended)
            t = trust_m.cosign_gain(t, res.signed, res.depth, p["cosign_trust_gain"])
            ledger.add("cosigning", t - t0)
        if venue.decision == "bargaining":
            t1 = t
            t = trust_m.dialogue_gain(t, res.attended, p["dialogue_trust_gain"])
            ledger.add("dialogue", t - t1)
        if venue.decision == "pledge" and res.labs_attended.any():
            homes = np.bincount(self.lab_home[res.labs_attended], minlength=self.n) > 0
            t1 = t
            t = trust_m.dialogue_gain(t, homes, p["dialogue_trust_gain"] * p["track2_spillover"])
            ledger.add("dialogue", t - t1)
        if res.excluded.any():
            t1 = t
            t = trust_m.exclusion_loss(t, res.excluded, res.attended, p["exclusion_penalty"])
            ledger.add("exclusion", t - t1)
        if t is not t0:
            self.trust = trust_m.clip_trust(t)
            ledger.add("bounds", self.trust - t)
        np.maximum(self.lab_pledge, res.depth, out=self.lab_pledge, where=res.labs_signed)
        names, lab_names = self.country_names, self.lab_names
        month = self.month
        self.sessions.append(SessionRecord(
            step=month + 1, month=month_label(self.start, month), venue=venue.name,
            label=venue.label, type=venue.type, host=venue.host, decision=venue.decision,
            depth=round(res.depth, 6), verification=venue.verification,
            invitees=tuple(compress(names, res.invited)),
            attendees=tuple(compress(names, res.attended)),
            signatories=tuple(compress(names, res.signed)) if agreed else (),
            labs_attended=tuple(compress(lab_names, res.labs_attended)),
            labs_signed=tuple(compress(lab_names, res.labs_signed)),
            dialogue_only=res.dialogue_only))

    def _maybe_convene(self, venue: Venue, host: int, res: venues.SessionResult) -> None:
        """Endogenous convening: a leading power with no regime of its own (one that leaves the
        other leader out), shut out of a session hosted by the other camp or invited by a host
        of the other camp it trusts below ``counter_forum_trust``, convenes a forum of its own
        (China's Global AI Governance Initiative of October 2023 and its World AI Conference
        proposals are the real case)."""
        cf = self.run_config.scenario.counter_forum
        if cf is None or host < 0:
            return
        rs = self.regimes()
        for x, own in zip(self.poles, (rs.a_own, rs.b_own), strict=True):
            if x in self.forums or x == host or own:
                continue
            other_camp = self.alignment[host] * self.alignment[x] < 0
            shut_out = res.excluded[x]
            distrust = res.invited[x] and self.trust[x, host] < self.p["counter_forum_trust"]
            if other_camp and (shut_out or distrust):
                self._convene(x, cf, venue)

    def _convene(self, x: int, cf, cause: Venue) -> None:
        name = self.country_names[x]
        side = np.sign(self.alignment[x]) or 1.0
        home_side = self.alignment[self.lab_home] * side > 0
        forum = Venue(
            name=f"forum_{name}", type=cf.type, host=name, decision=cf.decision,
            invite="like_minded", also_invite=(), exclude=(), ambition=cf.ambition,
            verification=cf.verification,
            labs=tuple(compress(self.lab_names, home_side)) or "none", months=(),
            every=cf.every, label=f"{name}-led forum", series=f"forum_{name}")
        self.forums[x] = forum
        self.forum_causes = getattr(self, "forum_causes", {})
        self.forum_causes[name] = (month_label(self.start, self.month), cause.label)
        self._venues[forum.name] = self._venue_masks(forum)
        self._schedule_venue(forum, (self.month + max(cf.delay, 1),))

    # -- the monthly step -------------------------------------------------------------------

    def step(self) -> None:
        p, rng, n = self.p, self.rng, self.n
        pressure = self.pressure
        ledger = self.ledger

        # 2. regimes: lapse without renewal; members short for too long withdraw
        if self.regime_depth.size:
            # during the step that closes month k, self.month is already k + 1
            active = reg_m.in_force(self.regime_members, self.regime_renewed, self.month,
                                    p["regime_lapse"])
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
            open_offer = (self.rivalry < p["deal_rivalry_gate"]) & (self.verif > 0)
            stake = (self.controls * open_offer).max(axis=0)
            target = comp_m.deal_incentive(self.commitment, stake, p["deal_safety_threshold"])
        shock = rng.normal(0.0, p["compliance_noise"], n)
        self.implemented = comp_m.comply(self.implemented, target, self.hawkishness,
                                         pressure, p["compliance_rate"], p["hawk_drag"], shock)
        ok = comp_m.complied(self.implemented, self.obligation, p["compliance_tolerance"])
        self.shortfall = reg_m.shortfall_streak(self.shortfall, ~ok & (self.obligation > 0))

        # 5. verification and trust (each change to the ledger), then the baseline's drift
        t0 = self.trust
        observed = rng.random((n, n)) < self.verif
        self.verified = np.where(observed, self.implemented[None, :], self.verified)
        t1 = trust_m.verification_update(t0, observed, ok, p["trust_gain"], p["trust_loss"])
        felt = self.rivalry + (0.5 * p["controls_rivalry"]) * (self.controls + self.controls.T)
        t2 = trust_m.rivalry_cut(t1, felt, p["rivalry_trust_cut"])
        t3 = trust_m.relax_toward_affinity(t2, self.baseline, p["trust_relax"])
        self.trust = trust_m.clip_trust(t3)
        ledger.add("verification", t1 - t0)
        ledger.add("rivalry", t2 - t1)
        ledger.add("relaxation", t3 - t2)
        ledger.add("bounds", self.trust - t3)
        b0 = self.baseline
        self.baseline = trust_m.drift_baseline(b0, self.trust, p["trust_drift"])
        ledger.add(DRIFT, self.baseline - b0)
        self.rivalry *= 1.0 - p["rivalry_decay"]

        # 6. alignment: each country moves to reduce its frustration
        j = align_m.propensity(self.trust, self.shared_depth,
                               align_m.compute_dependence(self.supply, self.controls), felt,
                               p["propensity_trust_neutral"], p["propensity_regime"],
                               p["propensity_dependence"], p["propensity_rivalry"])
        h = align_m.field(j, self.capability, self.alignment)
        self.alignment = align_m.update_alignment(
            self.alignment, h, p["alignment_beta"], p["alignment_rate"],
            rng.normal(0.0, p["alignment_noise"], n))

        # 7. export controls as bloc policy, allies following their leader; the deal
        target = ctrl_m.control_pressure(self.capability, self.trust, self.verified, self.rivalry,
                                         self.hawkishness, self.supply, self.alignment,
                                         self.shared_depth, p["threat_capability"],
                                         p["threat_unsafe"], p["threat_rivalry"],
                                         p["club_easing"])
        target = ctrl_m.follow_leaders(target, self.controls, self.alignment, self.supply,
                                       self.poles, p["controls_follow"])
        self.controls = ctrl_m.adjust_controls(self.controls, target, p["controls_tighten_rate"],
                                               p["controls_relax_rate"])
        if p["safety_for_compute"]:
            self.controls, fired = ctrl_m.safety_for_compute(
                self.controls, self.verified, self.trust, self.rivalry,
                p["deal_safety_threshold"], p["deal_trust_threshold"], p["deal_rivalry_gate"],
                p["deal_easing"])
            self.deal_months += fired
            self.deal_count += int(np.count_nonzero(fired))

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
        return metrics.regime_structure(self.regime_members, self.regime_depth,
                                        self.regime_active, self.capability, *self.poles)

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
        if self.regime_active.any():
            cov = reg_m.coverage(self.regime_members, cap)
            for r in np.flatnonzero(self.regime_active):
                self.regime_rows.append({
                    "step": self.steps, "regime": self.regime_series[r],
                    "type": self.regime_type[r], "depth": float(self.regime_depth[r]),
                    "verification": float(self.regime_verification[r]),
                    "members": int(self.regime_members[r].sum()),
                    "coverage": float(cov[r]),
                    "leader_a": bool(self.regime_members[r, self.poles[0]]),
                    "leader_b": bool(self.regime_members[r, self.poles[1]]),
                    "renewed": month_label(self.start, int(self.regime_renewed[r])),
                    "member_names": ";".join(compress(self.country_names,
                                                      self.regime_members[r]))})

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
