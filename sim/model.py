"""GovernanceModel: the world's state as numpy arrays, venue sessions and shocks as Mesa events.

One step is one month (MODEL.md, Dynamics). Scheduled events of month k (venue sessions, shocks)
fire at model time k + 0.5, before the step that closes month k at time k + 1, so a month reads:
events, then labs, compliance, verification and trust, export controls, capability, incidents,
data collection. Shocks dated before the start month are applied at set-up (initial conditions).
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
from sim.mechanisms import capability as cap_m
from sim.mechanisms import clip
from sim.mechanisms import compliance as comp_m
from sim.mechanisms import controls as ctrl_m
from sim.mechanisms import incidents as inc_m
from sim.mechanisms import labs as lab_m
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


class ObservablesCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per observable (``model_vars``,
    ``get_model_vars_dataframe`` as usual), filled in one pass from the model's ``obs`` dict.

    The stock ``collect`` calls and deep-copies each reporter in turn, which cost as much as a
    third of the monthly step; the observables are plain floats computed together, so one pass
    over the dict records the same values.

    The observables of the trust split (:data:`sim.metrics.SPLIT_OBSERVABLES`, the month's one
    eigenvector computation) are deferred: ``collect`` keeps a copy of the trust matrix, and the
    split is computed for every pending month when the data are read (``model_vars``,
    ``get_model_vars_dataframe``, ``model.obs``). The numbers are the same; run back to back, the
    eigen-solver stays in cache, which saves about a fifth of a default run.
    """

    MAX_PENDING = 1_000_000  # trust entries held back at most (8 MB), then the split is settled

    def __init__(self, keys: tuple[str, ...]):
        self._pending: list[tuple[int, np.ndarray]] = []  # (row, trust) awaiting the split
        super().__init__(model_reporters={k: partial(_read_observable, key=k) for k in keys})

    @property
    def model_vars(self) -> dict[str, list]:
        if self._pending:
            self._settle()
        return self._vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._vars = value

    def collect(self, model: GovernanceModel) -> None:
        self._collection_steps.append(model.time)
        observed = model._observed
        for key, series in self._vars.items():
            series.append(observed.get(key))
        self._pending.append((len(self._collection_steps) - 1, model.trust.copy()))
        if len(self._pending) * model.trust.size > self.MAX_PENDING:
            self._settle()

    def _settle(self) -> None:
        rows = [row for row, _ in self._pending]
        values = metrics.split_observables_many(np.stack([t for _, t in self._pending]))
        for key, column in values.items():
            series = self._vars[key]
            for row, value in zip(rows, column.tolist(), strict=True):
                series[row] = value
        self._pending.clear()


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
        self.p = sc.params
        self.scenario_name = sc.name
        self.start = sc.start
        self.n_steps = run.steps

        cs, ls = sc.countries, sc.labs
        self.country_names = [c.name for c in cs]
        self.country_index = {n: i for i, n in enumerate(self.country_names)}
        self.lab_names = [lab.name for lab in ls]
        self.lab_index = {n: i for i, n in enumerate(self.lab_names)}
        self.blocs = np.array([c.bloc for c in cs])
        n, n_labs = len(cs), len(ls)
        self.n = n

        def col(attr):
            return np.array([getattr(c, attr) for c in cs], dtype=float)

        self.capability = col("capability")
        self.supply = col("chip_supply")
        self.hawkishness = col("hawkishness")
        self.risk_concern = col("risk_concern")
        self.risk_baseline = self.risk_concern.copy()
        self.commitment = col("commitment")
        self.implemented = col("implemented")
        self.legitimacy = np.array([[c.legitimacy[t] for t in VENUE_TYPES] for c in cs])

        same = self.blocs[:, None] == self.blocs[None, :]
        self.affinity = np.where(same, sc.affinity_within, sc.affinity_across)
        for a, b, v in sc.affinity_pairs:
            i, j = self.country_index[a], self.country_index[b]
            self.affinity[i, j] = self.affinity[j, i] = v
        np.fill_diagonal(self.affinity, 1.0)
        self.trust = self.affinity.copy()
        self.controls = np.zeros((n, n))
        self.rivalry = np.zeros((n, n))
        self.verified = np.zeros((n, n))  # last verified implemented safety of j seen by i
        self.cosign_depth = np.zeros((n, n))  # deepest agreement i and j both signed
        self.verif = np.zeros((n, n))  # monthly probability that i observes j's compliance
        self.substitution = np.zeros(n)
        self.compute_access = np.ones(n)

        self.lab_home = np.array([self.country_index[lab.home] for lab in ls], dtype=int)
        self.lab_share = np.array([lab.capability for lab in ls], dtype=float)
        self.lab_safety = np.array([lab.safety_investment for lab in ls], dtype=float)
        self.lab_openness = np.array([lab.openness for lab in ls], dtype=float)
        self.lab_propensity = np.array([lab.track2_propensity for lab in ls], dtype=float)
        self.lab_pledge = np.zeros(n_labs)
        self.pressure = comp_m.race_pressure(self.capability)  # follows capability (step 6)
        share_by_home = np.bincount(self.lab_home, weights=self.lab_share, minlength=n)
        self.residual_share = clip(1.0 - share_by_home, 0.0, 1.0)
        self._exposure = inc_m.exposure(np.concatenate([self.lab_openness, np.zeros(n)]),
                                        self.p["openness_hazard"])  # labs, then states

        self._agreements: list[tuple[float, np.ndarray]] = []  # (depth, signatory mask)
        self.deepest = np.zeros((0, n), dtype=bool)  # signatories of the deepest in force
        self.deepest_depth = -np.inf
        self.sessions: list[SessionRecord] = []
        self.incidents = 0
        self.deal_months = np.zeros((n, n), dtype=int)  # months the deal fired, per pair
        self.deal_count = 0  # deal_months.sum(), kept as it grows

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
        for venue in sc.venues:
            for m in venue.months:
                if m < self.n_steps:
                    self._schedule(self._hold_session, venue, m, Priority.DEFAULT)
            if venue.every and venue.months:
                first = venue.months[-1] + venue.every
                if first < self.n_steps:
                    call = _Call(self._hold_session, venue)
                    self._calls.append(call)
                    self.schedule_recurring(call.fire, Schedule(interval=venue.every,
                                                                start=first + 0.5,
                                                                end=self.n_steps))

        self._observed: dict[str, float] = {}
        self.datacollector = ObservablesCollector(metrics.OBSERVABLES)
        self._observe()
        self.datacollector.collect(self)

    # -- scheduling -------------------------------------------------------------------------

    def _schedule(self, fn, arg, month: int, priority: Priority) -> None:
        call = _Call(fn, arg)
        self._calls.append(call)
        self.schedule_event(call.fire, at=month + 0.5, priority=priority)

    @property
    def month(self) -> int:
        """0-based index of the month being played (events of month k fire at time k + 0.5)."""
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
        elif ev.kind == "risk_concern":
            for arr in (self.risk_concern, self.risk_baseline):
                arr[i] = clip(arr[i] + ev.delta, 0.0, 1.0)
        elif ev.kind == "hawkishness":
            self.hawkishness[i] = clip(self.hawkishness[i] + ev.delta, 0.0, 1.0)
        elif ev.kind == "legitimacy":
            t = VENUE_TYPES.index(ev.venue_type)
            self.legitimacy[i, t] = clip(self.legitimacy[i, t] + ev.delta, 0.0, 1.0)

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
        if venue.invite != "like_minded":  # the only rule that reads trust
            masks["invited"] = venues.invitees(masks["rule"], masks["host"], self.trust,
                                               masks["also"], masks["exclude"])
        return masks

    def _hold_session(self, venue: Venue) -> None:
        p, n, rng = self.p, self.n, self.rng
        vm = self._venues[venue.name]
        ideal = venues.ideal_depth(self.risk_concern, self.hawkishness, self.pressure,
                                   p["hawk_depth_drag"])
        n_labs = len(self.lab_names)
        u = rng.random(2 * (n + n_labs))  # attend, sign; labs attend, labs sign
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
            invited=vm.get("invited"))
        self._apply_session(venue, res)

    def _apply_session(self, venue: Venue, res: venues.SessionResult) -> None:
        p = self.p
        t = self.trust
        agreed = np.count_nonzero(res.signed) >= 2
        if agreed:
            self._agreements.append((res.depth, res.signed))
            self.deepest, self.deepest_depth = metrics.add_agreement(
                self.deepest, self.deepest_depth, res.depth, res.signed)
            np.maximum(self.commitment, res.depth, out=self.commitment, where=res.signed)
            pair = trust_m.pair_mask(res.signed)
            np.maximum(self.cosign_depth, res.depth, out=self.cosign_depth, where=pair)
            np.maximum(self.verif, venue.verification, out=self.verif, where=pair)
            t = trust_m.cosign_gain(t, pair, res.depth, p["cosign_trust_gain"])
        if venue.decision == "bargaining":
            t = trust_m.dialogue_gain(t, res.attended, p["dialogue_trust_gain"])
        if venue.decision == "pledge" and res.labs_attended.any():
            homes = np.bincount(self.lab_home[res.labs_attended], minlength=self.n) > 0
            t = trust_m.dialogue_gain(t, homes, p["dialogue_trust_gain"] * p["track2_spillover"])
        if res.excluded.any():
            t = trust_m.exclusion_loss(t, res.excluded, res.attended, p["exclusion_penalty"])
        self.trust = trust_m.clip_trust(t)
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

    @property
    def agreement_depth(self) -> np.ndarray:
        """Depths of the agreements signed so far (two or more signatories), in order."""
        return np.array([d for d, _ in self._agreements], dtype=float)

    @property
    def agreement_members(self) -> np.ndarray:
        """Signatory masks (A, N) of the agreements signed so far, in order."""
        return np.array([m for _, m in self._agreements], dtype=bool).reshape(-1, self.n)

    # -- the monthly step -------------------------------------------------------------------

    def step(self) -> None:
        p, rng, n = self.p, self.rng, self.n
        pressure = self.pressure

        # 2. labs: DSAIR imitation in the mean field, pulled up by home rules and pledges
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

        # 3. compliance (toward the deal's threshold too, where the offer stands)
        target = self.commitment
        if p["safety_for_compute"]:
            open_offer = (self.rivalry < p["deal_rivalry_gate"]) & (self.verif > 0)
            stake = (self.controls * open_offer).max(axis=0)
            target = comp_m.deal_incentive(self.commitment, stake, p["deal_safety_threshold"])
        shock = rng.normal(0.0, p["compliance_noise"], n)
        self.implemented = comp_m.comply(self.implemented, target, self.hawkishness,
                                         pressure, p["compliance_rate"], p["hawk_drag"], shock)
        ok = comp_m.complied(self.implemented, self.commitment, p["compliance_tolerance"])

        # 4. verification and trust
        observed = rng.random((n, n)) < self.verif
        self.verified = np.where(observed, self.implemented[None, :], self.verified)
        t = trust_m.verification_update(self.trust, observed, ok, p["trust_gain"],
                                        p["trust_loss"])
        t = trust_m.rivalry_cut(t, self.rivalry, p["rivalry_trust_cut"])
        t = trust_m.relax_toward_affinity(t, self.affinity, p["trust_relax"])
        self.trust = trust_m.clip_trust(t)
        self.rivalry *= 1.0 - p["rivalry_decay"]

        # 5. export controls and the safety-for-compute deal
        target = ctrl_m.control_pressure(self.capability, self.trust, self.verified, self.rivalry,
                                         self.hawkishness, self.supply, p["threat_capability"],
                                         p["threat_unsafe"], p["threat_rivalry"])
        self.controls = ctrl_m.adjust_controls(self.controls, target, p["controls_tighten_rate"],
                                               p["controls_relax_rate"])
        if p["safety_for_compute"]:
            self.controls, fired = ctrl_m.safety_for_compute(
                self.controls, self.verified, self.trust, self.rivalry,
                p["deal_safety_threshold"], p["deal_trust_threshold"], p["deal_rivalry_gate"],
                p["deal_easing"])
            self.deal_months += fired
            self.deal_count += int(np.count_nonzero(fired))

        # 6. compute access and capability
        blocked = cap_m.blocked_share(self.controls, self.supply)
        self.substitution = cap_m.substitute(self.substitution, blocked, p["substitution_speed"])
        self.compute_access = cap_m.compute_access(blocked, self.substitution)
        by_home = np.bincount(home, weights=self.lab_share * self.lab_safety, minlength=n)
        spend = by_home + self.residual_share * self.implemented
        self.capability = cap_m.grow(self.capability, self.compute_access, spend,
                                     p["capability_growth"], p["safety_cost"])
        self.pressure = comp_m.race_pressure(self.capability)

        # 7. incidents
        units_cap = np.concatenate([lab_cap, self.residual_share * self.capability])
        units_safe = np.concatenate([self.lab_safety, self.implemented])
        lam = inc_m.hazard(units_cap, units_safe, self._exposure, p["incident_rate"])
        k = int(rng.poisson(lam))
        self.incidents += k
        self.risk_concern = inc_m.decay_concern(
            inc_m.raise_concern(self.risk_concern, k, p["risk_salience"]),
            self.risk_baseline, p["risk_decay"])

        # 8. data collection
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
        return {k: v[-1] for k, v in self.datacollector.model_vars.items()}

    @property
    def side(self) -> np.ndarray:
        """The current spectral split of the trust graph: a bool mask of one bloc."""
        return metrics.trust_split(self.trust).side

    def _observe(self) -> None:
        """This month's observables but those of the trust split, which the collector defers."""
        self.lab_cap = lab_cap = self.lab_share * self.capability[self.lab_home]
        self._observed = {
            "regime_coverage": metrics.regime_coverage(self.deepest, self.capability),
            "global_safety": metrics.global_safety(self.capability, self.implemented),
            "mean_controls": metrics.mean_controls(self.controls, self.supply),
            "capability_gap": metrics.capability_gap(self.capability),
            "incidents": float(self.incidents),
            "lab_safety": float(lab_cap.dot(self.lab_safety)) / float(lab_cap.sum()) if lab_cap.size
            else 0.0,
            "deals": float(self.deal_count),
        }

    def outcome_basis(self) -> dict:
        """What the outcome is decided on: the leaders' shared depth, whether they sit in
        different blocs with separate regimes, and trust and the index averaged over the last
        ``outcome.window`` months (the initial state only counts before the first month)."""
        window = self.run_config.outcome.window
        mv = self.datacollector.model_vars

        def recent(key: str) -> float:
            series = mv[key][1:] or mv[key]
            return float(np.mean(series[-window:]))

        a, b = metrics.leaders(self.capability)
        side = self.side
        return {
            "leaders": [self.country_names[a], self.country_names[b]],
            "leaders_cosign_depth": float(self.cosign_depth[a, b]),
            "leaders_split": bool(side[a] != side[b]),
            "separate_regimes": metrics.separate_regimes(self.agreement_depth,
                                                         self.agreement_members, a, b),
            "cross_bloc_trust_mean": recent("cross_bloc_trust"),
            "bifurcation_index_mean": recent("bifurcation_index"),
            "window": window,
        }

    def outcome(self) -> str:
        """cooperation / bifurcation / fragmentation for the current state (MODEL.md)."""
        oc = self.run_config.outcome
        basis = self.outcome_basis()
        return metrics.classify_outcome(
            leaders_cosign_depth=basis["leaders_cosign_depth"],
            cross_trust=basis["cross_bloc_trust_mean"],
            bif_index=basis["bifurcation_index_mean"], leaders_split=basis["leaders_split"],
            separate=basis["separate_regimes"], depth_threshold=oc.depth_threshold,
            cross_trust_threshold=oc.cross_trust_threshold,
            bifurcation_threshold=oc.bifurcation_threshold)

    def blocs_found(self) -> dict[str, list[str]]:
        """The two blocs of the current spectral split, by name."""
        names = np.array(self.country_names)
        side = self.side
        return {"A": list(names[~side]), "B": list(names[side])}


def _read_observable(model: GovernanceModel, key: str) -> float:
    """DataCollector reporter: one observable from the model's latest ``obs``."""
    return model.obs[key]
