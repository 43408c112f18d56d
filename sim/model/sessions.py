"""Venue sessions as the model holds them: each venue's setting built once (its decision rule
from :data:`sim.model.decision_rules.RULES`, its invitation masks), the session itself
(:func:`sim.model.venues.hold_session`), its effects on trust and regimes, and endogenous convening.

:class:`SessionsMixin` is part of :class:`sim.model.model.GovernanceModel` (kept apart so the model
module stays readable); it reads and writes the model's arrays.
"""

from __future__ import annotations

from functools import cached_property
from itertools import compress
from typing import NamedTuple

import numpy as np

from sim.config import VENUE_TYPES, Venue, month_label
from sim.model import decision_rules, venues
from sim.model.mechanisms import trust as trust_m

DENSE_UP_TO = 1024  # trust effects on the whole matrix up to this many pairs (32 countries)


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


class SessionsMixin:
    """Venue sessions of :class:`sim.model.model.GovernanceModel` (see the module docstring)."""

    def _club_bonus(self, venue: Venue) -> np.ndarray | float:
        """What joining the venue's regime is worth to each country: trust in its current
        members above the neutral level (the benefit of the club; Nordhaus 2015)."""
        w = self.p["club_trust_weight"]
        club = self.book.club_members(venue.series) if w else None
        if club is None:
            return 0.0
        members, k = club
        if k == 0:
            return 0.0
        mean_in = (self.trust.dot(members) - members) / np.maximum(k - members, 1)
        return w * (mean_in - self.p["propensity_trust_neutral"])

    def _mask(self, names) -> np.ndarray:
        m = np.zeros(self.n, bool)
        for name in names:
            m[self.country_index[name]] = True
        return m

    def _venue_masks(self, venue: Venue) -> venues.Setting:
        """The venue's session setting, built once (a venue's rules do not change): its
        decision rule from the registry, host, invitation masks, invited labs, and the
        invitation itself unless it reads the state."""
        if venue.labs == "all":
            lab_invite = np.ones(len(self.lab_names), bool)
        elif venue.labs == "none":
            lab_invite = np.zeros(len(self.lab_names), bool)
        else:
            lab_invite = np.isin(np.array(self.lab_names), venue.labs)
        rule = decision_rules.rule(venue.decision, f"scenario.venues.{venue.name}.decision")
        host = self.country_index.get(venue.host, -1)
        invite = venue.invite if isinstance(venue.invite, str) else self._mask(venue.invite)
        also, exclude = self._mask(venue.also_invite), self._mask(venue.exclude)
        invited = None
        if venue.invite != "like_minded":  # the only rule that reads the state
            invited = venues.invitees(invite, host, np.zeros(self.n), also, exclude)
        parties = None  # the first two of an explicit list (a bilateral venue lists two)
        listed = np.flatnonzero(invite) if not isinstance(invite, str) else ()
        if rule.rivalry_narrows and len(listed) >= 2:
            parties = (int(listed[0]), int(listed[1]))
        return venues.Setting(
            rule=rule, host=host,
            lab_host_home=int(self.lab_home[self.lab_index[venue.host]])
            if venue.host in self.lab_index else -1,
            invite=invite, also=also, exclude=exclude, lab_invite=lab_invite,
            type=VENUE_TYPES.index(venue.type), ambition=venue.ambition,
            verification=venue.verification, invited=invited, parties=parties,
            weights=None if invited is None else venues.attendance_weights(invited))

    @cached_property
    def _session_params(self) -> venues.Params:
        """The parameters every session reads (fixed for the run)."""
        return venues.Params.of(self.p)

    def _hold_session(self, venue: Venue) -> None:
        setting = self._venues[venue.name]
        ideal = venues.ideal_depth(self.risk_concern, self.hawkishness, self.pressure,
                                   self.p["hawk_depth_drag"])
        state = venues.State(
            trust=self.trust, legitimacy=self.legitimacy, ideal=ideal, alignment=self.alignment,
            rivalry=self.rivalry, lab_home=self.lab_home, lab_safety=self.lab_safety,
            lab_propensity=self.lab_propensity, club_bonus=self._club_bonus(venue))
        # uniforms: countries attend, sign; labs attend, sign
        draws = self.rng.random(2 * (self.n + len(self.lab_names)))
        res = venues.hold_session(setting, self._session_params, state, draws)
        self._apply_session(venue, res)
        self._record_session(venue, res)
        self._maybe_convene(venue, setting.host, res)

    @cached_property
    def _dense_sessions(self) -> bool:
        """Whether a session's trust effects are worked on the whole matrix (small rosters,
        where a numpy call costs the same whatever its size) rather than on the rows they
        change (large rosters); both give the same numbers."""
        return self.n * self.n <= DENSE_UP_TO

    def _apply_session(self, venue: Venue, res: venues.SessionResult) -> None:
        """A session's effects: a text signed by two or more renews the series' regime and its
        signatories trust each other more; a dialogue (bargaining, or track-two labs' home
        countries) builds some trust; those an exclusive venue leaves out trust its circle
        less; trust is then kept in [0, 1] (docs/ODD.md 6.8). Each effect changes the rows of
        the countries it concerns (the others' trust is unchanged) and goes to the ledger."""
        p = self.p
        rule = self._venues[venue.name].rule
        agreed = np.count_nonzero(res.signed) >= 2
        homes = None
        if rule.track_two and res.labs_attended.any():
            homes = np.bincount(self.lab_home[res.labs_attended], minlength=self.n) > 0
        effects = []  # (cause, the countries whose rows change, gain on a pair mask or None)
        if agreed:
            self._renew_regime(venue, res.depth, res.signed, res.invited, res.attended)
            effects.append(("cosigning", res.signed, lambda t_r, pair: trust_m.cosign_gain(
                t_r, pair, res.depth, p["cosign_trust_gain"])))
        if rule.dialogue:
            effects.append(("dialogue", res.attended, lambda t_r, pair: trust_m.dialogue_gain(
                t_r, pair, p["dialogue_trust_gain"])))
        if homes is not None:
            gain = p["dialogue_trust_gain"] * p["track2_spillover"]
            effects.append(("dialogue", homes, lambda t_r, pair: trust_m.dialogue_gain(
                t_r, pair, gain)))
        if res.excluded.any():
            effects.append(("exclusion", res.excluded, None))  # a loss of trust in the circle
        if effects:
            form = self._effects_dense if self._dense_sessions else self._effects_rows
            self.trust = form(effects, res.attended)

    def _effects_dense(self, effects: list, circle: np.ndarray) -> np.ndarray:
        """The trust after ``effects`` (see :meth:`_apply_session`), worked on the whole
        matrix: an effect leaves other rows as they were, so each change recorded is the
        one :meth:`_effects_rows` records, and trust is clipped on the rows changed."""
        t, ledger, penalty = self.trust, self.ledger, self.p["exclusion_penalty"]
        for cause, mask, gain in effects:
            after = trust_m.exclusion_loss(t, mask, circle, penalty) if gain is None else \
                gain(t, trust_m.pair_mask(mask))
            ledger.add(cause, after - t)
            t = after
        if not trust_m.is_kept(t):  # then clip the rows changed, if need be
            rows = np.flatnonzero(np.logical_or.reduce([mask for _, mask, _ in effects]))
            before = t[rows]
            if not trust_m.is_kept(before, rows):
                after = trust_m.clip_trust_rows(before, rows)
                t[rows] = after
                ledger.add_rows("bounds", rows, after - before)
        return t

    def _effects_rows(self, effects: list, circle: np.ndarray) -> np.ndarray:
        """The trust after ``effects`` (see :meth:`_apply_session`), worked on the rows each
        changes; trust is then clipped on the rows changed (if that changes anything)."""
        ledger, penalty = self.ledger, self.p["exclusion_penalty"]
        t = self.trust.copy()  # the trust after this session
        touched = np.zeros(self.n, bool)

        def change(cause: str, mask: np.ndarray, effect) -> None:
            rows = np.flatnonzero(mask)
            before = t[rows]
            after = effect(before, rows)
            t[rows] = after
            touched[rows] = True
            ledger.add_rows(cause, rows, after - before)

        for cause, mask, gain in effects:
            if gain is None:
                change(cause, mask, lambda t_r, r: trust_m.exclusion_loss(
                    t_r, np.ones(r.size, bool), circle, penalty))
            else:
                change(cause, mask, lambda t_r, r, m=mask, g=gain: g(
                    t_r, trust_m.pair_rows(m, r)))
        rows = np.flatnonzero(touched)
        if not trust_m.is_kept(t[rows], rows):  # clipping (else it would change nothing)
            change("bounds", touched, lambda t_r, r: trust_m.clip_trust_rows(t_r, r))
        return t

    def _record_session(self, venue: Venue, res: venues.SessionResult) -> None:
        """Pledges of the labs that signed, and the session's :class:`SessionRecord` (its
        signatories only when two or more signed: one signature is no text)."""
        names, lab_names = self.country_names, self.lab_names
        labs_signed = tuple(compress(lab_names, res.labs_signed))
        if labs_signed:
            np.maximum(self.lab_pledge, res.depth, out=self.lab_pledge, where=res.labs_signed)
        signed = tuple(compress(names, res.signed))
        month = self.month
        label = self._month_labels.get(month)
        if label is None:
            label = self._month_labels[month] = month_label(self.start, month)
        self.sessions.append(SessionRecord(
            step=month + 1, month=label, venue=venue.name,
            label=venue.label, type=venue.type, host=venue.host, decision=venue.decision,
            depth=round(res.depth, 6), verification=venue.verification,
            invitees=tuple(compress(names, res.invited)),
            attendees=tuple(compress(names, res.attended)),
            signatories=signed if len(signed) >= 2 else (),
            labs_attended=tuple(compress(lab_names, res.labs_attended)),
            labs_signed=labs_signed, dialogue_only=res.dialogue_only))

    @cached_property
    def _month_labels(self) -> dict[int, str]:
        """Month index -> its label (sim.config.month_label), as the sessions ask for them."""
        return {}

    def _maybe_convene(self, venue: Venue, host: int, res: venues.SessionResult) -> None:
        """Endogenous convening: a leading power with no regime of its own (one that leaves the
        other leader out), shut out of a session hosted by the other camp or invited by a host
        of the other camp it trusts below ``counter_forum_trust``, convenes a forum of its own
        (China's Global AI Governance Initiative of October 2023 and its World AI Conference
        proposals are the real case)."""
        cf = self.run_config.scenario.counter_forum
        if cf is None or host < 0:
            return
        for k, x in enumerate(self.poles):
            if x in self.forums or x == host:
                continue
            other_camp = self.alignment[host] * self.alignment[x] < 0
            shut_out = res.excluded[x]
            distrust = res.invited[x] and self.trust[x, host] < self.p["counter_forum_trust"]
            # whether x has a regime of its own, asked last (the regimes' structure)
            if other_camp and (shut_out or distrust) and not self.book.own(*self.poles)[k]:
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
        self.forum_causes[name] = (month_label(self.start, self.month), cause.label)
        self._venues[forum.name] = self._venue_masks(forum)
        self._schedule_venue(forum, (self.month + max(cf.delay, 1),))
