"""Decision rules of venue sessions: how deep a text is tabled and who may sign it.

One small class per rule (docs/ODD.md 6.8, step 4), one instance of each in :data:`RULES`, the
registry that maps a scenario's ``decision`` value to its rule; the configuration's allowed
values are the registry's keys. A rule holds no state: the model looks its venues' rules up
once, when it builds them, and :func:`sim.model.venues.hold_session` asks the rule what differs.

Units: depths and ambition are depth of commitment in [0, 1] (0 nothing, 1 the deepest text a
country could sign; the Bletchley declaration is read as 0.3, Seoul as 0.35); ideal depths are
the countries' d_i of ODD 6.8 step 3, in the same units.

To add a rule: subclass :class:`DecisionRule`, set its ``name`` and flags, write
:meth:`~DecisionRule.table` (and :meth:`~DecisionRule.signatories` when signing is not each
attendee's own choice), give its source in the docstring and add an instance to :data:`RULES`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.errors import ConfigError


class DecisionRule:
    """What differs between decision rules (flags read by the session and its effects)."""

    name: ClassVar[str] = ""
    #: every invitee comes: a scheduled meeting of leaders (else attendance is drawn)
    parties_meet: ClassVar[bool] = False
    #: rivalry between the two parties of an explicit invitation narrows the zone of agreement
    rivalry_narrows: ClassVar[bool] = False
    #: countries sign the text (False: only labs pledge)
    countries_sign: ClassVar[bool] = True
    #: each attendee decides to sign by its own signing utility (False: every attendee signs)
    free_choice: ClassVar[bool] = True
    #: every session is a dialogue that builds trust among those present, text or no text
    dialogue: ClassVar[bool] = False
    #: a track-two meeting: the labs' home countries gain some trust in each other
    track_two: ClassVar[bool] = False
    #: a restricted invitation (anything but ``all``) excludes the uninvited
    excludes: ClassVar[bool] = False
    #: a leader's counter forum may use the rule (a text among any number of countries)
    forum: ClassVar[bool] = False

    def depth(self, ambition: float, ideal: np.ndarray, attended: np.ndarray, host: int,
              narrowing: float = 0.0) -> float:
        """Depth put to signature, in [0, ambition]: 0 when nothing is on the table (no
        ambition, or nobody came), else the rule's :meth:`table`."""
        if ambition <= 0:
            return float(max(ambition, 0.0))
        if not attended.any():
            return 0.0
        return self.table(ambition, ideal, attended, host, narrowing)

    def table(self, ambition: float, ideal: np.ndarray, attended: np.ndarray, host: int,
              narrowing: float) -> float:
        """Depth of the text the rule tables, given ambition > 0 and someone present."""
        raise NotImplementedError

    def signatories(self, willing: np.ndarray, attended: np.ndarray,
                    host: int) -> tuple[np.ndarray, bool]:
        """Who signs, from the attendees ``willing`` to (all attendees when the choice is not
        free), and whether the session ends as a dialogue only."""
        return willing, False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Consensus(DecisionRule):
    """``consensus``: the depth all attendees can accept, min(ambition, min of their ideal
    depths), and every attendee signs (ODD 6.8 step 4).

    The United Nations way: a text adopted without a vote goes no deeper than its least
    ambitious member wants, so UN texts are shallow but leave no one out (every Chinese expert
    interviewed in 001 wants the UN, or a body that excludes no one, to lead; the General
    Assembly resolutions of March and July 2024, governance_events data, passed by consensus)."""

    name = "consensus"
    free_choice = False
    forum = True

    def table(self, ambition, ideal, attended, host, narrowing):
        return float(min(ambition, ideal[attended].min()))


class HostProposal(DecisionRule):
    """``host_proposal``: the host tables its ideal depth, min(ambition, d_host) (the deepest
    attendee's ideal when the host is absent or not a country), and each attendee signs or not
    by its signing utility; the host signs the text it tables (ODD 6.8 step 4).

    Summits: the host's text, signatories vary (the Bletchley declaration and its safety-
    testing statement, which China attended but did not join, 002 and governance_events data);
    a restricted invitation excludes the uninvited, who lose trust (001: exclusive circles of
    allies would end any chance of collaboration). The signing utility's club term follows
    Nordhaus (2015): club benefits make membership worth having."""

    name = "host_proposal"
    excludes = True
    forum = True

    def table(self, ambition, ideal, attended, host, narrowing):
        proposer = ideal[host] if host >= 0 and attended[host] else ideal[attended].max()
        return float(min(ambition, proposer))

    def signatories(self, willing, attended, host):
        if host >= 0 and attended[host]:
            willing[host] = True  # the host signs the text it tables
        return willing, False


class Bargaining(DecisionRule):
    """``bargaining``: a two-party Nash bargain over depth (Nash 1950) with gains linear in
    depth up to each party's ideal, i.e. the lower ideal capped by ambition, minus the
    narrowing rivalry brings (``rivalry_narrowing`` x the parties' rivalry, depth units); both
    parties must sign, else the meeting is a dialogue only (ODD 6.8 step 4).

    Leaders' bilateral meetings: both parties come, and every meeting builds some trust. The
    US-China dialogue of Geneva, May 2024, had no text on the table (ambition 0, a dialogue by
    design; 002, 003), and US tariffs announced the same day narrowed the zone (002)."""

    name = "bargaining"
    parties_meet = True
    rivalry_narrows = True
    dialogue = True

    def table(self, ambition, ideal, attended, host, narrowing):
        if attended.sum() != 2:
            return 0.0
        return float(max(min(ambition, ideal[attended].min()) - narrowing, 0.0))

    def signatories(self, willing, attended, host):
        if willing.sum() < 2:
            willing[:] = False
            return willing, True
        return willing, False


class Pledge(DecisionRule):
    """``pledge``: the text is the ambition, put to the invited labs as a voluntary
    commitment; labs attend by their track-two propensity and sign by their own utility;
    countries sign nothing (ODD 6.8 steps 4-5).

    Track two: the privately mediated Geneva talks of July and October 2023 between US and
    Chinese labs and institutions (004); the labs' home countries gain some trust in each other
    (``track2_spillover``); one Chinese lab signed the Seoul lab commitments of May 2024
    (governance_events data)."""

    name = "pledge"
    countries_sign = False
    track_two = True

    def depth(self, ambition, ideal, attended, host, narrowing=0.0):
        return float(max(ambition, 0.0))  # the text labs are asked to sign


#: the registry: a scenario's ``decision`` value -> its rule
RULES: dict[str, DecisionRule] = {r.name: r for r in (Consensus(), HostProposal(),
                                                       Bargaining(), Pledge())}
#: the rules a leader's counter forum may use
FORUM_RULES: tuple[str, ...] = tuple(name for name, r in RULES.items() if r.forum)


def rule(name: object, key: str = "decision") -> DecisionRule:
    """The registered rule called ``name``; an unknown name is a :class:`ConfigError` naming
    ``key``, the value and the allowed names."""
    found = RULES.get(name) if isinstance(name, str) else None
    if found is None:
        raise ConfigError(key, name, f"must be one of {', '.join(RULES)}")
    return found
