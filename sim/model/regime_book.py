"""The model's regimes: their arrays, what the regimes in force imply, and their monthly record.

:class:`RegimeBook` holds one regime per venue series (docs/ODD.md 6.11) as compact arrays
(``members`` (R, N), ``depth``, ``verification``, ``renewed``, ``active`` (R,)) and keeps
what the regimes in force imply for the monthly step: the deepest regime each pair shares
(``shared_depth``), the verification links (``verif``, with the rows that have any, which is
where the step draws its verification uniforms) and each country's deepest kept depth. The
mechanisms themselves are the pure functions of :mod:`sim.model.mechanisms.regimes`.

The monthly regime table (``regimes.csv``, one row per month and regime in force) is recorded
compactly, a reference to the regimes' state at that month and the coverage of each regime,
and expanded into rows only when it is read (:meth:`RegimeBook.rows`).
"""

from __future__ import annotations

from itertools import compress
from typing import NamedTuple

import numpy as np

from sim.config import month_label
from sim.model import metrics
from sim.model.mechanisms import regimes as reg_m


class _State(NamedTuple):
    """The regimes as they stood after a change (shared by the months that follow it)."""

    series: tuple[str, ...]
    types: tuple[str, ...]
    members: np.ndarray
    depth: np.ndarray
    verification: np.ndarray
    renewed: np.ndarray
    active: np.ndarray


class _StructureParts(NamedTuple):
    """What metrics.regime_structure reads from the regimes in force, apart from capability."""

    members: np.ndarray  # (K, N) members of the regimes in force, as 0.0 / 1.0
    depth: np.ndarray  # (K,)
    top: float  # the deepest depth
    deepest: np.ndarray  # indices (of K) of the deepest regimes
    shared: np.ndarray  # indices (of K) of the regimes with both leaders
    in_force: int
    a_own: bool
    b_own: bool
    shared_top: float  # the deepest depth among the regimes with both leaders (0: none)

    @classmethod
    def of(cls, members, depth, active, a: int, b: int) -> _StructureParts:
        m, d = members[active], depth[active]
        top = d.max()
        shared = (m[:, a] & m[:, b]).nonzero()[0]
        return cls(m.astype(float), d, float(top), (d == top).nonzero()[0], shared,
                   int(active.sum()), bool((m[:, a] & ~m[:, b]).any()),
                   bool((m[:, b] & ~m[:, a]).any()),
                   float(d[shared].max()) if shared.size else 0.0)

    def structure(self, capability: np.ndarray, total: float | None = None
                  ) -> metrics.RegimeStructure:
        """metrics.regime_structure at this capability (the dot of a 0/1 float matrix is the
        dot numpy takes of the boolean one); ``total``: float(capability.sum()) if known."""
        cov = self.members.dot(capability) / (float(capability.sum()) if total is None else total)
        d, shared, deepest = self.depth, self.shared, self.deepest
        if shared.size:
            k = shared[0] if shared.size == 1 else shared[np.lexsort((cov[shared],
                                                                      d[shared]))[-1]]
            shared_depth, shared_cov = float(d[k]), float(cov[k])
        else:
            shared_depth = shared_cov = 0.0
        coverage = float(cov[deepest[0]]) if deepest.size == 1 else float(cov[deepest].max())
        return metrics.RegimeStructure(self.in_force, self.top, coverage, shared_depth,
                                       shared_cov, self.a_own, self.b_own)


class RegimeBook:
    """Regimes as clubs for a roster of ``n`` countries (see the module docstring)."""

    def __init__(self, n: int):
        self.n = n
        self.series: list[str] = []
        self.types: list[str] = []
        self.members = np.zeros((0, n), dtype=bool)
        self._values = np.zeros((2, 0))  # depth and verification, the rows of one array
        self.depth, self.verification = self._values
        self.renewed = np.zeros(0)
        self.active = np.zeros(0, dtype=bool)
        self.shared_depth = np.zeros((n, n))  # deepest regime in force both belong to
        self.verif = np.zeros((n, n))  # monthly probability that i observes j's compliance
        self.link_rows = np.zeros(0, dtype=np.intp)  # rows of verif with a link
        self._runs: list[tuple[int, int]] | None = []  # link_rows as runs (None: not yet)
        self._oldest = np.inf  # the earliest renewal among the regimes in force
        self._states: list[_State] = []
        # (step, state, capability[, the structure but its coverage's division])
        self._months: list[tuple] = []
        self._parts: tuple | None = None  # (state key, _StructureParts) for structure()
        self._kept = np.zeros(n)  # each country's deepest kept depth, as of the last refresh
        self._version = 0  # counts the refreshes that changed what the regimes imply
        self._clubs: tuple[int, dict] = (0, {})  # (version, series -> club_members)

    def index(self, series: str) -> int:
        """Row of a venue series' regime, -1 if it has none yet."""
        return self.series.index(series) if series in self.series else -1

    def renew(self, series: str, kind: str, depth: float, verification: float,
              signed: np.ndarray, invited: np.ndarray, attended: np.ndarray,
              month: int) -> bool:
        """A text signed by two or more: the series' regime enters into force or is renewed.
        Its members are the signatories and the members invited who stayed away (absence is
        not withdrawal); a member at the table that does not sign, or not invited to the
        renewal, is out. ``depth`` and ``verification`` are in [0, 1]. Returns whether the
        regimes changed other than in their renewal month (a new regime, or the series' members,
        depth or verification changed). The caller refreshes (:meth:`refresh`)."""
        self._clubs = (-1, {})
        r = self.index(series)
        if r >= 0:
            members = signed | (self.members[r] & invited & ~attended)
            changed = not (depth == self.depth[r] and verification == self.verification[r]
                           and (members == self.members[r]).all())
            self.members[r] = members
            self.depth[r] = depth
            self.verification[r] = verification
            self.renewed[r] = month
            return changed
        self.series.append(series)
        self.types.append(kind)
        self.members = np.concatenate((self.members, signed[None]))
        self._values = np.concatenate((self._values, [[depth], [verification]]), axis=1)
        self.depth, self.verification = self._values
        self.renewed = np.concatenate((self.renewed, [float(month)]))
        return True

    def in_force(self, month: int, lapse: float) -> np.ndarray:
        """(R,) regimes in force at ``month`` (:func:`sim.model.mechanisms.regimes.in_force`)."""
        return reg_m.in_force(self.members, self.renewed, month, lapse)

    @property
    def link_runs(self) -> list[tuple[int, int]]:
        """The rows of ``verif`` with a link as (start, stop) runs of consecutive rows."""
        if self._runs is None:
            self._runs = reg_m.runs(self.link_rows)
        return self._runs

    def lapsing(self, month: int, lapse: float) -> bool:
        """Whether :meth:`in_force` at ``month`` differs from the regimes in force at the last
        :meth:`refresh`. Membership changes only before a refresh, so the regimes in force
        change in between only when one of them lapses, the one renewed earliest first:
        ``month - renewed >= lapse`` for the earliest renewal (the same comparison)."""
        return month - self._oldest >= lapse

    def refresh(self, month: int, lapse: float, changed: bool = True) -> np.ndarray:
        """Recompute the regimes in force and what they imply (shared depth, verification
        links); returns each country's deepest kept depth (0: none). ``changed=False`` says
        that members, depths and verification are as they were at the last refresh (a renewal
        that :meth:`renew` found changed nothing but its month): what they imply is then kept
        unless the regimes in force changed. The arrays it sets are new ones, never written
        in place (what they imply is kept by reference)."""
        act = self.in_force(month, lapse)
        if changed or not np.array_equal(act, self.active):
            self._version += 1
            shared, top = reg_m.shared_max_stacked(self.members, self._values, act)
            self.shared_depth, self.verif = shared
            self._kept = top[0]
            self.link_rows = top[1].nonzero()[0]
            self._runs = None
        self.active = act
        rs = act.nonzero()[0]
        self._oldest = float(self.renewed[rs].min()) if rs.size else np.inf
        self._states.append(_State(tuple(self.series), tuple(self.types), self.members.copy(),
                                   self.depth.copy(), self.verification.copy(),
                                   self.renewed.copy(), act))
        return self._kept

    def structure(self, capability: np.ndarray, a: int, b: int, total: float | None = None
                  ) -> metrics.RegimeStructure:
        """The regimes in force, as the outcome reads them: metrics.regime_structure, the same
        numbers, with what does not depend on capability kept from one change to the next
        (``total``: float(capability.sum()), when the caller has it)."""
        if self._oldest == np.inf:  # no regime in force
            return metrics.RegimeStructure(0, 0.0, 0.0, 0.0, 0.0, False, False)
        return self._structure_parts(a, b).structure(capability, total)

    def own(self, a: int, b: int) -> tuple[bool, bool]:
        """(a_own, b_own) of :meth:`structure`: whether each leader is in a regime in force
        that leaves the other out (what does not depend on capability)."""
        if self._oldest == np.inf:
            return False, False
        parts = self._structure_parts(a, b)
        return parts.a_own, parts.b_own

    def _structure_parts(self, a: int, b: int) -> _StructureParts:
        """The structure's parts for the regimes in force now (kept until they change)."""
        key = (self._version, a, b)
        if self._parts is None or self._parts[0] != key:
            self._parts = (key, _StructureParts.of(self.members, self.depth, self.active, a, b))
        return self._parts[1]

    def club_members(self, series: str) -> tuple[np.ndarray, int] | None:
        """Members of the series' regime if it is in force, and their number (None: no such
        regime). Kept until the regimes change (a renewal, or a refresh that changes what they
        imply; membership is written only before a refresh): the caller must not write into
        the mask."""
        if self._clubs[0] != self._version:
            self._clubs = (self._version, {})
        club = self._clubs[1].get(series, False)
        if club is False:
            r = self.index(series)
            if r < 0:
                club = None
            else:
                members = self.members[r] & self.active[r]
                club = members, int(np.count_nonzero(members))
            self._clubs[1][series] = club
        return club

    def record(self, step: int, capability: np.ndarray, a: int | None = None,
               b: int | None = None) -> None:
        """Note this month's regimes in force for the regime table (compact: the state and the
        capability, the coverage is computed in :meth:`rows`) and, given the leaders ``a`` and
        ``b``, for :meth:`structures`: what :meth:`structure` gives but its coverage's division
        by world capability, the one part that cannot wait (the product of the in-force
        membership with this capability, its largest over the deepest regimes)."""
        if self._oldest == np.inf:  # no regime in force
            return
        if a is None or b is None:
            self._months.append((step, len(self._states) - 1, capability))
            return
        parts = self._structure_parts(a, b)
        dots, deepest = parts.members.dot(capability), parts.deepest
        top = dots[deepest[0]] if deepest.size == 1 else dots[deepest].max()
        self._months.append((step, len(self._states) - 1, capability,
                             (parts.in_force, parts.top, top, parts.shared_top)))

    def structures(self, steps: np.ndarray, totals: np.ndarray) -> np.ndarray:
        """(T, 4) regimes in force, depth, coverage and shared depth of :meth:`structure` at
        each of ``steps`` (T,) (increasing; the months recorded with the leaders; zeros where
        no regime was in force), ``totals`` (T,) their world capability (positive): the same
        numbers, the coverages divided at once (the largest product over the deepest regimes
        divided by a positive total is the largest of the quotients)."""
        out = np.zeros((len(steps), 4))
        row = {int(s): i for i, s in enumerate(steps)}
        rows, found = [], []
        for month in reversed(self._months):
            if month[0] < steps[0]:
                break
            i = row.get(month[0])
            if i is not None and len(month) == 4:
                rows.append(i)
                found.append(month[3])
        if rows:
            out[rows] = found
            out[rows, 2] /= totals[rows]
        return out

    def rows(self, start, names: list[str], poles: tuple[int, int]) -> list[dict]:
        """One dict per month and regime in force, in the order they were recorded."""
        out = []
        for step, k, capability, *_ in self._months:
            st = self._states[k]
            cov = reg_m.coverage(st.members, capability)
            for r in np.flatnonzero(st.active):
                m = st.members[r]
                out.append({
                    "step": step, "regime": st.series[r], "type": st.types[r],
                    "depth": float(st.depth[r]), "verification": float(st.verification[r]),
                    "members": int(m.sum()), "coverage": float(cov[r]),
                    "leader_a": bool(m[poles[0]]), "leader_b": bool(m[poles[1]]),
                    "renewed": month_label(start, int(st.renewed[r])),
                    "member_names": ";".join(compress(names, m))})
        return out
