"""GovernanceModel: the world's state as numpy arrays, venue sessions and shocks as Mesa events.

One step is one month (docs/ODD.md, section 3). Scheduled events of month k (venue sessions,
shocks) fire at model time k + 0.5, before the step that closes month k at time k + 1, so a month
reads: events, then regimes (lapse, withdrawal), labs, compliance, verification and trust,
alignment, export controls, capability, incidents, data collection. Shocks dated before the start
month are applied at set-up (initial conditions).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim.config import VENUE_TYPES, Event, RunConfig, Venue
from sim.model import metrics
from sim.model.agents import Country, Lab
from sim.model.collector import DeferredObservables, observables_collector
from sim.model.ledger import TrustLedger
from sim.model.mechanisms import alignment as align_m
from sim.model.mechanisms import clip
from sim.model.mechanisms import compliance as comp_m
from sim.model.mechanisms import incidents as inc_m
from sim.model.mechanisms import relations as rel_m
from sim.model.mechanisms.support import support
from sim.model.month import MonthMixin
from sim.model.regime_book import RegimeBook
from sim.model.sessions import SessionRecord, SessionsMixin


class _Call:
    """A scheduled callback kept alive on the model (Mesa holds callbacks by weak reference)."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def fire(self) -> None:
        self.fn(self.arg)


class GovernanceModel(MonthMixin, SessionsMixin, mesa.Model):
    """Countries and labs negotiating over AI safety in venues; see docs/ODD.md."""

    def __init__(self, run: RunConfig):
        super().__init__(rng=run.seed)
        self.run_config = run
        sc = run.scenario
        self.p = sc.params
        self.scenario_name = sc.name
        self.start = sc.start
        self.n_steps = run.steps
        # set-up as ODD section 5 describes it (the order matters: agents are numbered as
        # they are made, and the events before month 0 act on the starting state)
        self._init_countries(sc)
        self._init_relations(sc)
        self._init_labs(sc)
        self._init_records()
        self._init_caches(sc)
        self._init_calendar(sc)
        self._collector = observables_collector(metrics.OBSERVABLES)
        self._pending = DeferredObservables(self, self.n_steps + 1)
        self._observe()
        self._collect()

    def _init_countries(self, sc) -> None:
        """Names, indices and the countries' own state vectors from the scenario's roster."""
        cs, ls = sc.countries, sc.labs
        self.country_names = [c.name for c in cs]
        self.country_index = {n: i for i, n in enumerate(self.country_names)}
        self.lab_names = [lab.name for lab in ls]
        self.lab_index = {n: i for i, n in enumerate(self.lab_names)}
        self.blocs = np.array([c.bloc for c in cs])  # plot colours only
        self.n = len(cs)

        def col(attr):
            return np.array([getattr(c, attr) for c in cs], dtype=float)

        self._ideal_points = col("un_ideal_point")
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

    def _init_relations(self, sc) -> None:
        """Starting relations from pairwise facts (trust starts at its baseline) and the
        pairwise and per-country state that starts empty."""
        n, p, idx = self.n, self.p, self.country_index
        self.baseline = rel_m.baseline_trust(
            self._ideal_points,
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

    def _init_labs(self, sc) -> None:
        """The labs' state vectors, the race pressure and the incident exposure."""
        ls, n, p = sc.labs, self.n, self.p
        self.lab_home = np.array([self.country_index[lab.home] for lab in ls], dtype=int)
        self.lab_share = np.array([lab.capability for lab in ls], dtype=float)
        self.lab_safety = np.array([lab.safety_investment for lab in ls], dtype=float)
        self.lab_openness = np.array([lab.openness for lab in ls], dtype=float)
        self.lab_propensity = np.array([lab.track2_propensity for lab in ls], dtype=float)
        self.lab_pledge = np.zeros(len(ls))
        self.pressure = comp_m.race_pressure(self.capability)  # follows capability (step 7)
        share_by_home = np.bincount(self.lab_home, weights=self.lab_share, minlength=n)
        self.residual_share = clip(1.0 - share_by_home, 0.0, 1.0)
        self._exposure = inc_m.exposure(np.concatenate([self.lab_openness, np.zeros(n)]),
                                        p["openness_hazard"])  # labs, then states

    def _init_records(self) -> None:
        """What the run records: sessions, incidents, deals, the trust ledger, the forums."""
        n = self.n
        self.sessions: list[SessionRecord] = []
        self.incidents = 0
        self.deal_months = np.zeros((n, n), dtype=int)  # months the deal fired, per pair
        self.deal_count = 0
        self.ledger = TrustLedger(n)
        self.forums: dict[int, Venue] = {}  # leader index -> the forum it convened
        self.forum_causes: dict[str, tuple[str, str]] = {}  # leader -> (month, what caused it)

    def _init_caches(self, sc) -> None:
        """The thin Mesa agents over the arrays, and what the step keeps between months."""
        n, p, idx = self.n, self.p, self.country_index
        for i, c in enumerate(sc.countries):
            Country(self, i, c.name, c.bloc)
        for i, lab in enumerate(sc.labs):
            Lab(self, i, lab.name, lab.home)
        # controls and rivalry are zero outside the rows and columns of chip suppliers and of
        # the countries named in controls or rivalry events (sim/model/mechanisms/support.py)
        named = [idx[c] for e in sc.events if e.kind in ("controls", "rivalry")
                 for c in (e.actor, *(e.targets if e.kind == "rivalry" else ()))]
        self._support = support(n, [*np.flatnonzero(self.supply > 0), *named])
        self._j = np.empty((n, n))  # the month's propensities
        self._spare_baseline: np.ndarray | None = None  # large rosters: the step's other one
        # kept between the changes of their inputs (supply never changes)
        self._supplier = self.supply > 0
        self._supplier_rows = np.flatnonzero(self._supplier)
        self._hawk: np.ndarray | None = None  # month._hawk_col (hawkishness events drop it)
        self._club_factor: np.ndarray | None = None  # month._club (regime changes drop it)
        self._trust_rates = np.array([p["trust_loss"], p["trust_gain"]])  # by compliance
        n_labs = len(sc.labs)
        self._units_cap = np.empty(n_labs + n)  # the incident hazard's units: labs, then states
        self._units_safe = np.empty(n_labs + n)
        self._lab_dot = self._lab_sum = 0.0  # the labs' safety, as the last observation weighed it
        self._regime_term: np.ndarray | None = None  # propensity_regime * shared_depth

    def _init_calendar(self, sc) -> None:
        """Venues and events on Mesa's event list, events before month 0 applied now, and the
        starting alignments about the two leading powers (A: +1, B: -1)."""
        self._calls: list[_Call] = []
        self._venues = {venue.name: self._venue_masks(venue) for venue in sc.venues}
        for ev in sc.events:
            if ev.month < 0:
                self._apply_event(ev)
            elif ev.month < self.n_steps:
                self._schedule(self._apply_event, ev, ev.month, Priority.HIGH)
        self.poles = metrics.leaders(self.capability)
        self.alignment = align_m.initial_alignment(self.baseline, *self.poles,
                                                   sc.initial_alignment)
        for venue in sc.venues:
            self._schedule_venue(venue, venue.months)

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
            self._hawk = None
        else:
            t = VENUE_TYPES.index(attr.split(".", 1)[1])
            self.legitimacy[i, t] = clip(self.legitimacy[i, t] + delta, 0.0, 1.0)

    # -- regimes ----------------------------------------------------------------------------

    def _regimes_changed(self, changed: bool = True) -> None:
        """Recompute what the regimes in force imply: shared depth, verification links and
        each country's commitment (domestic rules or the deepest regime it keeps).
        ``changed=False``: a renewal that changed nothing but the month (RegimeBook.refresh)."""
        shared = self.book.shared_depth
        kept = self.book.refresh(self.month, self.p["regime_lapse"], changed)
        if self.book.shared_depth is not shared:  # else the regimes in force imply the same
            w = self.p["propensity_regime"]
            self._regime_term = w * self.book.shared_depth if w and self.book.active.any() \
                else None
            self._club_factor = None
        self.commitment = np.maximum(self.domestic, kept)
        np.minimum(self.obligation, self.commitment, out=self.obligation)

    def _renew_regime(self, venue: Venue, depth: float, signed: np.ndarray,
                      invited: np.ndarray, attended: np.ndarray) -> None:
        """A text signed by two or more renews the series' regime (RegimeBook.renew)."""
        changed = self.book.renew(venue.series, venue.type, depth, venue.verification, signed,
                                  invited, attended, self.month)
        self.shortfall[signed] = 0  # a member that signs again starts its record afresh
        self._regimes_changed(changed)

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

    def run(self) -> GovernanceModel:
        """Run all remaining steps; returns self for chaining."""
        while self.steps < self.n_steps:
            self.step()
        self.running = False
        return self

    # -- observables ------------------------------------------------------------------------

    @property
    def datacollector(self) -> mesa.DataCollector:
        """The run's Mesa DataCollector (sim.model.collector), its pending observables settled."""
        self._pending.settle(self._collector.model_vars)
        return self._collector

    def _collect(self) -> None:
        """The month's data collection: Mesa's collect, the observables' inputs kept."""
        self._collector.collect(self)
        self._pending.keep(self._collector.model_vars, self)

    @property
    def obs(self) -> dict[str, float]:
        """The observables of the latest month (metrics.OBSERVABLES)."""
        return {k: v[-1] for k, v in self.datacollector.model_vars.items()}

    def camps(self) -> tuple[np.ndarray, np.ndarray]:
        """(camp A, camp B) masks of the current alignments (A: leader A's side)."""
        return align_m.camps(self.alignment, self.poles[0],
                             self.run_config.outcome.camp_threshold)

    def regimes(self) -> metrics.RegimeStructure:
        """The regimes in force, as the outcome reads them."""
        return self.book.structure(self.capability, *self.poles)

    def _observe(self) -> None:
        """The month's observation: the labs' capability and weighted safety (which the next
        step reads) and the regimes in force, for the regime table and the regime observables.
        The observables themselves are settled when read (sim.model.collector)."""
        cap = self.capability
        self.lab_cap = lab_cap = self.lab_share * cap[self.lab_home]
        if lab_cap.size:
            self._lab_dot, self._lab_sum = float(lab_cap.dot(self.lab_safety)), float(lab_cap.sum())
        self.book.record(self.steps, cap, *self.poles)

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
            polarization_high=oc.polarization_high)

    def camps_found(self) -> dict[str, list[str]]:
        """The two camps and the non-aligned, by name."""
        names = np.array(self.country_names)
        a, b = self.camps()
        return {"A": list(names[a]), "B": list(names[b]), "nonaligned": list(names[~a & ~b])}
