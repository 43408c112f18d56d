"""Venue sessions: who is invited, who comes, how deep a text is agreed, who signs.

A session is a pure function (:func:`hold_session`) of the venue's :class:`Setting` (fixed for
all its sessions), the run's :class:`Params`, the world's :class:`State` and pre-drawn
uniforms (docs/ODD.md, section 6.8):

1. invitees by the venue's rule: ``all`` (UN: every member), ``like_minded`` (countries whose
   alignment leans at least ``like_minded`` toward the host's side, plus explicit invitees;
   Downing Street's framing of the UK summit in 000), an explicit list (bilateral, Geneva),
   minus exclusions: who is left out follows from the camps the dynamics formed;
2. attendance: a logit of the venue type's legitimacy to the invitee plus its mean trust in the
   other invitees, against a cost (Chinese experts want the UN, 001); the host always comes, and
   both parties to a scheduled bilateral meeting come;
3. ideal depths: risk concern, lowered by hawkishness under race pressure;
4. the decision rule sets depth and who may sign (:mod:`sim.model.decision_rules`, one class
   per rule): :class:`~sim.model.decision_rules.Consensus` the depth all can accept (the minimum
   ideal, UN texts are shallow); :class:`~sim.model.decision_rules.HostProposal` the host tables
   its ideal and each attendee signs or not (summits: signatories vary, 002);
   :class:`~sim.model.decision_rules.Bargaining` a two-party Nash bargain over depth, or a dialogue
   only when there is no zone of agreement or no ambition (Geneva 2024, 002/003);
   :class:`~sim.model.decision_rules.Pledge` voluntary lab commitments (track two, 004);
5. signing, when the rule leaves it to each attendee: a logit of ideal depth minus the depth
   on the table minus a verification cost that grows with distrust of the host (intrusive
   verification from a distrusted host is costly), plus what membership of the club brings
   (the state's ``club_bonus``); labs sign by their own safety and trust in the host, pulled
   toward the host's camp when their home is in it and away when it is in the other (one
   Chinese lab signed the Seoul commitments of 2024: trust can carry a lab across);
6. exclusion: a venue whose rule excludes (host proposal) with a restricted invitation leaves
   the uninvited out, and they lose trust in the host and the attendees (applied by the
   model).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model.decision_rules import DecisionRule

NO_AGREEMENT_DEPTH = 0.01


class SessionResult(NamedTuple):
    """What one session did. Masks over countries (N) and labs (L)."""

    depth: float
    invited: np.ndarray
    attended: np.ndarray
    signed: np.ndarray
    excluded: np.ndarray
    labs_invited: np.ndarray
    labs_attended: np.ndarray
    labs_signed: np.ndarray
    dialogue_only: bool


def logistic(z: np.ndarray | float) -> np.ndarray:
    """1 / (1 + exp(-z)), overflow-safe."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def invitees(rule: str | np.ndarray, host: int, alignment: np.ndarray, also: np.ndarray,
             exclude: np.ndarray, like_minded: float = 0.0) -> np.ndarray:
    """Mask of invited countries. ``rule`` is "all", "like_minded", "none" or a mask.

    like-minded: a_i s_host >= ``like_minded``, s_host the sign of the host's alignment (+1 when
    the host is non-aligned): the host invites its own side and, for a negative threshold, the
    non-aligned who lean no further than that the other way."""
    n = alignment.shape[0]
    if isinstance(rule, np.ndarray):
        mask = rule.copy()
    elif rule == "all":
        mask = np.ones(n, bool)
    elif rule == "like_minded":
        side = 1.0 if host < 0 or alignment[host] >= 0 else -1.0
        mask = alignment * side >= like_minded
    else:
        mask = np.zeros(n, bool)
    mask = (mask | also) & ~exclude
    if host >= 0:
        mask[host] = True
    return mask


def attendance_weights(invited: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inv, others): the invitation as 0.0 / 1.0 and, for each country, the number of other
    invitees (at least 1), the weights of :func:`attendance_probability`'s mean trust."""
    inv = invited.astype(float)
    return inv, np.maximum(np.count_nonzero(invited) - inv, 1.0)


def attendance_probability(invited: np.ndarray, legitimacy: np.ndarray, trust: np.ndarray,
                           cost: float, sensitivity: float,
                           weights: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """P(attend) = logistic(k (legitimacy_i + mean trust of i in the other invitees - cost)).
    ``weights``: attendance_weights(invited), when the caller has them."""
    inv, others = attendance_weights(invited) if weights is None else weights
    mean_trust = (trust.dot(inv) - trust.diagonal() * inv) / others
    return logistic(sensitivity * (legitimacy + mean_trust - cost)) * inv


def ideal_depth(risk_concern: np.ndarray, hawkishness: np.ndarray, pressure: np.ndarray,
                drag: float) -> np.ndarray:
    """The depth each country would like: risk_concern * (1 - drag * hawkishness * pressure)."""
    return risk_concern * (1.0 - drag * hawkishness * pressure)


def signing_utility(ideal: np.ndarray, depth: float, verification: float,
                    trust_in_host: np.ndarray, verification_cost: float) -> np.ndarray:
    """ideal - depth - verification_cost * verification * (1 - trust in the host)."""
    return ideal - depth - verification_cost * verification * (1.0 - trust_in_host)


class Setting(NamedTuple):
    """A venue's session setting: what every session of the venue shares (built once per
    venue, by :meth:`sim.sessions.SessionsMixin._venue_masks`). Masks over countries (N) and
    labs (L); indices are country rows, -1 for none."""

    rule: DecisionRule  # the decision rule (sim.model.decision_rules.RULES)
    host: int  # the host country, -1 when the host is a lab or a private mediator
    lab_host_home: int  # home country of a lab host, else -1
    invite: str | np.ndarray  # "all", "like_minded", "none" or an invitation mask (N)
    also: np.ndarray  # (N) invited whatever the rule
    exclude: np.ndarray  # (N) never invited
    lab_invite: np.ndarray  # (L) labs invited
    type: int  # the venue type's column of the legitimacy matrix (config.VENUE_TYPES)
    ambition: float  # the deepest text the host would table, depth in [0, 1]
    verification: float  # verification strength of the text, in [0, 1]
    invited: np.ndarray | None = None  # the invitation when it does not read the state
    parties: tuple[int, int] | None = None  # the two parties whose rivalry narrows a bargain
    weights: tuple | None = None  # attendance_weights(invited) when ``invited`` is fixed


class Params(NamedTuple):
    """The scenario parameters a session reads (docs/PARAMETERS.md), fixed for a run."""

    cost: float  # attend_cost
    sensitivity: float  # attend_sensitivity
    sign_noise: float  # sign_noise
    verification_cost: float  # verification_cost
    like_minded: float  # like_minded: alignment threshold of a like-minded invitation
    lab_follow: float  # lab_follow: how far labs follow their home camp
    rivalry_narrowing: float  # rivalry_narrowing: depth a unit of rivalry takes off a bargain

    @classmethod
    def of(cls, p) -> Params:
        """From a scenario's parameter mapping."""
        return cls(cost=p["attend_cost"], sensitivity=p["attend_sensitivity"],
                   sign_noise=p["sign_noise"], verification_cost=p["verification_cost"],
                   like_minded=p["like_minded"], lab_follow=p["lab_follow"],
                   rivalry_narrowing=p["rivalry_narrowing"])


class State(NamedTuple):
    """The world's state a session reads (the model's arrays, not copied)."""

    trust: np.ndarray  # (N, N) trust of row in column, [0, 1]
    legitimacy: np.ndarray  # (N, 4) legitimacy of each venue type to each country, [0, 1]
    ideal: np.ndarray  # (N) ideal depths (:func:`ideal_depth`)
    alignment: np.ndarray  # (N) alignment in [-1, 1]
    rivalry: np.ndarray  # (N, N) rivalry, [0, 1]
    lab_home: np.ndarray  # (L) home country of each lab
    lab_safety: np.ndarray  # (L) safety investment, [0, 1]
    lab_propensity: np.ndarray  # (L) track-two propensity, [0, 1]
    club_bonus: np.ndarray | float = 0.0  # (N) what joining the venue's regime is worth


def hold_session(venue: Setting, params: Params, state: State,
                 draws: np.ndarray) -> SessionResult:
    """Run one session (see the module docstring). ``draws``: 2 (N + L) pre-drawn uniforms in
    [0, 1): attendance and signing of the countries, then attendance and signing of the labs.

    ``venue.invited`` is the invitation when it does not depend on the state (else
    :func:`invitees` computes it); ``state.club_bonus`` is added to each country's signing
    utility; ``params.lab_follow`` sets how far a lab's signing follows its home's camp.

    Kept as one function (just over 60 lines): it is steps 1-5 of ODD 6.8 in their order, each
    a call to a pure function of this module or of the session's decision rule.
    """
    rule, host, p = venue.rule, venue.host, params
    n = state.ideal.shape[0]
    n_labs = venue.lab_invite.shape[0]
    u_attend, u_sign = draws[:n], draws[n:2 * n]
    u_lab_attend, u_lab_sign = draws[2 * n:2 * n + n_labs], draws[2 * n + n_labs:]
    trust, ideal, alignment = state.trust, state.ideal, state.alignment
    invited = venue.invited
    if invited is None:
        invited = invitees(venue.invite, host, alignment, venue.also, venue.exclude,
                           p.like_minded)
    if rule.parties_meet:
        p_att = invited.astype(float)  # a scheduled leaders' meeting: the parties come
    else:
        p_att = attendance_probability(invited, state.legitimacy[:, venue.type], trust,
                                       p.cost, p.sensitivity,
                                       None if venue.invited is None else venue.weights)
        if host >= 0:
            p_att[host] = 1.0
    attended = invited & (u_attend < p_att)
    narrowing = 0.0
    if venue.parties is not None:
        narrowing = p.rivalry_narrowing * float(state.rivalry[venue.parties])
    depth = rule.depth(venue.ambition, ideal, attended, host, narrowing)

    signed = np.zeros(n, bool)
    dialogue_only = depth < NO_AGREEMENT_DEPTH
    host_row = venue.lab_host_home if host < 0 else host
    trust_in_host = trust[:, host_row] if host_row >= 0 else np.full(n, 0.5)
    if not dialogue_only and rule.countries_sign:
        if rule.free_choice:
            u = signing_utility(ideal, depth, venue.verification, trust_in_host,
                                p.verification_cost) + state.club_bonus
            willing = attended & (u_sign < logistic(u / p.sign_noise))
        else:
            willing = attended.copy()
        signed, dialogue_only = rule.signatories(willing, attended, host)

    lab_invite = venue.lab_invite
    labs_attended = lab_invite & (u_lab_attend < state.lab_propensity)
    labs_signed = np.zeros(n_labs, bool)
    if depth >= NO_AGREEMENT_DEPTH and labs_attended.any():
        lab_home = state.lab_home
        lab_u = 0.5 * (state.lab_safety + trust_in_host[lab_home]) - depth
        if p.lab_follow and host_row >= 0:  # labs follow their home camp (trust can cross it)
            side = 1.0 if alignment[host_row] >= 0 else -1.0
            lab_u = lab_u + (0.5 * p.lab_follow * side) * alignment[lab_home]
        labs_signed = labs_attended & (u_lab_sign < logistic(lab_u / p.sign_noise))

    exclusive = rule.excludes and not (isinstance(venue.invite, str) and venue.invite == "all")
    excluded = ~invited if exclusive else np.zeros(n, bool)
    return SessionResult(depth=depth, invited=invited, attended=attended, signed=signed,
                         excluded=excluded, labs_invited=lab_invite, labs_attended=labs_attended,
                         labs_signed=labs_signed, dialogue_only=bool(dialogue_only))
