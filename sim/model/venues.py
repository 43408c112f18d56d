"""Venue sessions: who is invited, who comes, how deep a text is agreed, who signs.

A session is a pure function of the world's state and pre-drawn uniforms (docs/ODD.md, section 6.8):

1. invitees by the venue's rule: ``all`` (UN: every member), ``like_minded`` (countries whose
   alignment leans at least ``like_minded`` toward the host's side, plus explicit invitees;
   Downing Street's framing of the UK summit in 000), an explicit list (bilateral, Geneva),
   minus exclusions: who is left out follows from the camps the dynamics formed;
2. attendance: a logit of the venue type's legitimacy to the invitee plus its mean trust in the
   other invitees, against a cost (Chinese experts want the UN, 001); the host always comes, and
   both parties to a scheduled bilateral meeting come;
3. ideal depths: risk concern, lowered by hawkishness under race pressure;
4. the decision rule sets depth: ``consensus`` the depth all can accept (the minimum ideal, UN
   texts are shallow); ``host_proposal`` the host tables its ideal and each attendee signs or not
   (summits: signatories vary, 002); ``bargaining`` a two-party Nash bargain over depth, or a
   dialogue only when there is no zone of agreement or no ambition (Geneva 2024, 002/003);
   ``pledge`` voluntary lab commitments (track two, 004);
5. signing: a logit of ideal depth minus the depth on the table minus a verification cost that
   grows with distrust of the host (intrusive verification from a distrusted host is costly),
   plus what membership of the club brings (the caller's ``club_bonus``); labs sign by their
   own safety and trust in the host, pulled toward the host's camp when their home is in it
   and away when it is in the other (one Chinese lab signed the Seoul commitments of 2024:
   trust can carry a lab across);
6. exclusion: a host-proposal venue with a restricted invitation leaves the uninvited out, and
   they lose trust in the host and the attendees (applied by the model).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

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


def attendance_probability(invited: np.ndarray, legitimacy: np.ndarray, trust: np.ndarray,
                           cost: float, sensitivity: float) -> np.ndarray:
    """P(attend) = logistic(k (legitimacy_i + mean trust of i in the other invitees - cost))."""
    inv = invited.astype(float)
    others = np.maximum(np.count_nonzero(invited) - inv, 1.0)
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


def decide_depth(rule: str, ambition: float, ideal: np.ndarray, attended: np.ndarray,
                 host: int, narrowing: float = 0.0) -> float:
    """Depth put to signature by the decision rule (0 when nothing is on the table).

    ``narrowing`` (bargaining only): how far rivalry between the parties shrinks the zone of
    agreement, in depth units; a zone shrunk to nothing leaves a dialogue."""
    if rule == "pledge" or ambition <= 0:
        return float(max(ambition, 0.0))  # pledge: the text labs are asked to sign
    if not attended.any():
        return 0.0
    if rule == "consensus":
        return float(min(ambition, ideal[attended].min()))
    if rule == "host_proposal":
        proposer = ideal[host] if host >= 0 and attended[host] else ideal[attended].max()
        return float(min(ambition, proposer))
    if rule == "bargaining":
        # Nash bargain with gains linear in depth up to each party's ideal: the lower ideal.
        if attended.sum() != 2:
            return 0.0
        return float(max(min(ambition, ideal[attended].min()) - narrowing, 0.0))
    raise ValueError(f"unknown decision rule {rule!r}")


def hold_session(*, rule: str, decision: str, host: int, ambition: float, verification: float,
                 trust: np.ndarray, legitimacy: np.ndarray, ideal: np.ndarray, also: np.ndarray,
                 exclude: np.ndarray, lab_invite: np.ndarray, lab_home: np.ndarray,
                 lab_safety: np.ndarray, lab_propensity: np.ndarray, lab_host_home: int,
                 cost: float, sensitivity: float, sign_noise: float, verification_cost: float,
                 u_attend: np.ndarray, u_sign: np.ndarray, u_lab_attend: np.ndarray,
                 u_lab_sign: np.ndarray, alignment: np.ndarray, like_minded: float = 0.0,
                 narrowing: float = 0.0, club_bonus: np.ndarray | float = 0.0,
                 lab_follow: float = 0.0, invited: np.ndarray | None = None) -> SessionResult:
    """Run one session (see the module docstring). ``u_*`` are pre-drawn uniforms in [0, 1).

    ``invited``: the invitation mask when the caller has it already (a rule that does not
    depend on the state gives the same mask every session); else :func:`invitees` computes it.
    ``club_bonus`` (N,): what joining the venue's regime is worth to each country, added to
    its signing utility; ``lab_follow``: how far a lab's signing follows its home country's.
    """
    if invited is None:
        invited = invitees(rule, host, alignment, also, exclude, like_minded)
    p_att = attendance_probability(invited, legitimacy, trust, cost, sensitivity)
    if host >= 0:
        p_att[host] = 1.0
    if decision == "bargaining":
        p_att = invited.astype(float)  # a scheduled leaders' meeting: both parties come
    attended = invited & (u_attend < p_att)
    depth = decide_depth(decision, ambition, ideal, attended, host, narrowing)

    signed = np.zeros(attended.size, bool)
    dialogue_only = depth < NO_AGREEMENT_DEPTH
    host_row = lab_host_home if host < 0 else host
    trust_in_host = trust[:, host_row] if host_row >= 0 else np.full(len(ideal), 0.5)
    if not dialogue_only and decision != "pledge":
        if decision == "consensus":
            signed = attended.copy()
        else:
            u = signing_utility(ideal, depth, verification, trust_in_host,
                                verification_cost) + club_bonus
            signed = attended & (u_sign < logistic(u / sign_noise))
            if decision == "host_proposal" and host >= 0 and attended[host]:
                signed[host] = True  # the host signs the text it tables
            if decision == "bargaining" and signed.sum() < 2:
                signed[:] = False
                dialogue_only = True

    labs_attended = lab_invite & (u_lab_attend < lab_propensity)
    labs_signed = np.zeros(labs_attended.size, bool)
    if depth >= NO_AGREEMENT_DEPTH and labs_attended.any():
        lab_u = 0.5 * (lab_safety + trust_in_host[lab_home]) - depth
        if lab_follow and host_row >= 0:  # labs follow their home camp (trust can cross it)
            side = 1.0 if alignment[host_row] >= 0 else -1.0
            lab_u = lab_u + (0.5 * lab_follow * side) * alignment[lab_home]
        labs_signed = labs_attended & (u_lab_sign < logistic(lab_u / sign_noise))

    exclusive = decision == "host_proposal" and not (isinstance(rule, str) and rule == "all")
    excluded = ~invited if exclusive else np.zeros(invited.size, bool)
    return SessionResult(depth=depth, invited=invited, attended=attended, signed=signed,
                         excluded=excluded, labs_invited=lab_invite, labs_attended=labs_attended,
                         labs_signed=labs_signed, dialogue_only=bool(dialogue_only))
