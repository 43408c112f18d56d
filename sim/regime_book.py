"""The model's regimes: their arrays, what the regimes in force imply, and their monthly record.

:class:`RegimeBook` holds one regime per venue series (docs/ODD.md 6.11) as compact arrays
(``members`` (R, N), ``depth``, ``verification``, ``renewed``, ``active`` (R,)) and keeps
what the regimes in force imply for the monthly step: the deepest regime each pair shares
(``shared_depth``), the verification links (``verif``, with the rows that have any, which is
where the step draws its verification uniforms) and each country's deepest kept depth. The
mechanisms themselves are the pure functions of :mod:`sim.mechanisms.regimes`.

The monthly regime table (``regimes.csv``, one row per month and regime in force) is recorded
compactly, a reference to the regimes' state at that month and the coverage of each regime,
and expanded into rows only when it is read (:meth:`RegimeBook.rows`).
"""

from __future__ import annotations

from itertools import compress
from typing import NamedTuple

import numpy as np

from sim import metrics
from sim.config import month_label
from sim.mechanisms import regimes as reg_m


class _State(NamedTuple):
    """The regimes as they stood after a change (shared by the months that follow it)."""

    series: tuple[str, ...]
    types: tuple[str, ...]
    members: np.ndarray
    depth: np.ndarray
    verification: np.ndarray
    renewed: np.ndarray
    active: np.ndarray


class RegimeBook:
    """Regimes as clubs for a roster of ``n`` countries (see the module docstring)."""

    def __init__(self, n: int):
        self.n = n
        self.series: list[str] = []
        self.types: list[str] = []
        self.members = np.zeros((0, n), dtype=bool)
        self.depth = np.zeros(0)
        self.verification = np.zeros(0)
        self.renewed = np.zeros(0)
        self.active = np.zeros(0, dtype=bool)
        self.shared_depth = np.zeros((n, n))  # deepest regime in force both belong to
        self.verif = np.zeros((n, n))  # monthly probability that i observes j's compliance
        self.link_rows = np.zeros(0, dtype=np.intp)  # rows of verif with a link
        self.link_runs: list[tuple[int, int]] = []  # the same, as runs of consecutive rows
        self._states: list[_State] = []
        self._months: list[tuple[int, int, np.ndarray]] = []  # (step, state, coverage)

    def index(self, series: str) -> int:
        """Row of a venue series' regime, -1 if it has none yet."""
        return self.series.index(series) if series in self.series else -1

    def renew(self, series: str, kind: str, depth: float, verification: float,
              signed: np.ndarray, invited: np.ndarray, attended: np.ndarray,
              month: int) -> None:
        """A text signed by two or more: the series' regime enters into force or is renewed.
        Its members are the signatories and the members invited who stayed away (absence is
        not withdrawal); a member at the table that does not sign, or not invited to the
        renewal, is out. The caller refreshes (:meth:`refresh`)."""
        r = self.index(series)
        if r >= 0:
            self.members[r] = signed | (self.members[r] & invited & ~attended)
            self.depth[r] = depth
            self.verification[r] = verification
            self.renewed[r] = month
        else:
            self.series.append(series)
            self.types.append(kind)
            self.members = np.vstack([self.members, signed])
            self.depth = np.append(self.depth, depth)
            self.verification = np.append(self.verification, verification)
            self.renewed = np.append(self.renewed, float(month))

    def in_force(self, month: int, lapse: float) -> np.ndarray:
        """(R,) regimes in force at ``month`` (:func:`sim.mechanisms.regimes.in_force`)."""
        return reg_m.in_force(self.members, self.renewed, month, lapse)

    def refresh(self, month: int, lapse: float) -> np.ndarray:
        """Recompute the regimes in force and what they imply (shared depth, verification
        links); returns each country's deepest kept depth (0: none)."""
        self.active = act = self.in_force(month, lapse)
        self.shared_depth = reg_m.shared_max_blocks(self.members, self.depth, act)
        self.verif = reg_m.shared_max_blocks(self.members, self.verification, act)
        self.link_rows = reg_m.linked_rows(self.members, self.verification, act)
        self.link_runs = reg_m.runs(self.link_rows)
        self._states.append(_State(tuple(self.series), tuple(self.types), self.members.copy(),
                                   self.depth.copy(), self.verification.copy(),
                                   self.renewed.copy(), act))
        return reg_m.member_max(self.members, self.depth, act)

    def structure(self, capability: np.ndarray, a: int, b: int) -> metrics.RegimeStructure:
        """The regimes in force, as the outcome reads them."""
        return metrics.regime_structure(self.members, self.depth, self.active, capability, a, b)

    def club_members(self, series: str) -> np.ndarray | None:
        """Members of the series' regime if it is in force (None: no such regime)."""
        r = self.index(series)
        return None if r < 0 else self.members[r] & self.active[r]

    def record(self, step: int, capability: np.ndarray) -> None:
        """Note this month's regimes in force for the regime table (compact; see rows)."""
        if self.active.any():
            self._months.append((step, len(self._states) - 1,
                                 reg_m.coverage(self.members, capability)))

    def rows(self, start, names: list[str], poles: tuple[int, int]) -> list[dict]:
        """One dict per month and regime in force, in the order they were recorded."""
        out = []
        for step, k, cov in self._months:
            st = self._states[k]
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
