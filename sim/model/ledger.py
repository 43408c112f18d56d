"""The trust ledger: each month's change in trust, split by cause.

Every mechanism that moves trust reports the change it made (a (N, N) matrix of differences);
the ledger keeps, per month and cause, the mean change per ordered pair of countries, and, for
rosters up to :data:`PAIRS_UP_TO` countries, the cumulative change of every pair by cause, so a
run can say why trust between two countries ended where it did. ``drift`` is the change of the
baseline trust relaxes to (trust with memory), the rest are changes of trust itself; their sum
over causes is the month's change in trust exactly (``bounds`` is what clipping to [0, 1] took).
A month's totals are kept as they are closed and divided into the rows of means per pair when
the rows are read (the same numbers: the same additions, in the same order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.mechanisms.support import Support, put_crossing

CAUSES = ("cosigning", "dialogue", "exclusion", "verification", "rivalry", "relaxation",
          "bounds")
DRIFT = "drift"
PAIRS_UP_TO = 400
SUM_WHOLE_UP_TO = 64  # rosters up to this size sum the step's slots in one call
STEP_CAUSES = ("verification", "rivalry", "relaxation", "bounds", DRIFT)  # once a month each
_STEP = {c: k for k, c in enumerate(STEP_CAUSES)}
_KEYS = (*CAUSES, DRIFT)  # a month's totals, in this order: the step's causes last, in order
assert _KEYS[-len(STEP_CAUSES):] == STEP_CAUSES


class PairwiseSum:
    """numpy's sum of ``size`` contiguous values (pairwise summation), from partial sums.

    ``np.add.reduce`` of a contiguous float64 array sums it pairwise: it halves the range
    (the first half a multiple of 8 long) until a part is 128 values or fewer. The sum of a
    range that is a node of that tree is the node's value, so the whole sum is recovered
    exactly from the sums of the nodes at any depth (:attr:`leaves`, at most ``leaf`` values
    each, in order), added up the tree (:meth:`total`). A large roster sums each month's
    changes of trust this way while it computes them, without writing them to an (N, N)
    matrix first (tests/test_speed_equivalence.py pins it to ``ndarray.sum``)."""

    def __init__(self, size: int, leaf: int = 1 << 15):
        self.leaves: list[tuple[int, int]] = []  # (start, stop) of each leaf, in order
        self._tree = self._split(0, size, max(leaf, 128))

    def _split(self, lo: int, n: int, leaf: int):
        if n <= leaf:
            self.leaves.append((lo, lo + n))
            return len(self.leaves) - 1
        half = n // 2
        half -= half % 8
        return (self._split(lo, half, leaf), self._split(lo + half, n - half, leaf))

    def total(self, sums: list[float]) -> float:
        """The whole sum from the sums of :attr:`leaves` (in their order)."""
        def up(node):
            return sums[node] if isinstance(node, int) else up(node[0]) + up(node[1])
        return float(up(self._tree))


class TrustLedger:
    """Monthly trust changes by cause (see the module docstring)."""

    def __init__(self, n: int):
        self.n = n
        self._pairs = max(n * (n - 1), 1)
        self._month = dict.fromkeys(_KEYS, 0.0)  # this month's totals by cause, so far
        self._sums: np.ndarray | None = None  # the step's totals (close_step), not yet added
        self._closed: list[tuple] = []  # (step, totals, step's totals) of months closed
        self._rows: list[dict[str, float]] = []  # rows of the months read already
        self.cumulative: dict[str, np.ndarray] | None = None
        self.pairwise: PairwiseSum | None = None  # past PAIRS_UP_TO: the step's sums alone
        if n <= PAIRS_UP_TO:  # one array, the step's causes last and in STEP_CAUSES order
            order = (*(c for c in CAUSES if c not in _STEP), *STEP_CAUSES)
            self._cumulative = np.zeros((len(order), n, n))
            self.cumulative = {c: self._cumulative[order.index(c)] for c in (*CAUSES, DRIFT)}
        else:
            self.pairwise = PairwiseSum(n * n)
        self._zero: np.ndarray | None = None
        # the monthly step's changes, one (N, N) slot per cause of STEP_CAUSES, recorded
        # together by close_step(); a slot is zero wherever it was not written this month
        self.step = np.zeros((len(STEP_CAUSES), n, n))
        self._held: list = [None] * len(STEP_CAUSES)  # what each slot holds besides zeros
        self._written = [False] * len(STEP_CAUSES)
        self._summed = [False] * len(STEP_CAUSES)  # recorded by add_step_sum this month

    def add(self, cause: str, delta: np.ndarray) -> None:
        """Record a change of trust (or, for ``drift``, of the baseline) made by ``cause``."""
        if self._sums is not None:
            self._add_sums()
        self._month[cause] += float(delta.sum())
        if self.cumulative is not None:
            self.cumulative[cause] += delta

    def add_rows(self, cause: str, rows: np.ndarray, delta_rows: np.ndarray) -> None:
        """add() for a change that is zero outside ``rows`` (sorted, distinct; its rows given,
        (|rows|, N)): the same sums, taken over the whole matrix."""
        if rows.size == self.n:  # every row, in order (rows are sorted and distinct)
            self.add(cause, delta_rows)
            return
        z = self._zeros()
        z[rows] = delta_rows
        self.add(cause, z)
        z[rows] = 0.0

    def add_crossing(self, cause: str, s: Support, rows: np.ndarray, cols: np.ndarray) -> None:
        """add() for a change that is zero off a support's rows and columns, given as
        :func:`sim.model.mechanisms.support.crossing` takes it: the same sums."""
        if not s.others.size:  # the support is every row: ``rows`` is the whole matrix
            self.add(cause, rows)
            return
        z = self._zeros()
        put_crossing(z, s, rows, cols)
        self.add(cause, z)
        put_crossing(z, s, 0.0, 0.0)

    def add_step_sum(self, cause: str, total: float) -> None:
        """Record the step's change for ``cause`` by its sum alone (rosters past PAIRS_UP_TO,
        which keep no per-pair record): what close_step() would add for a slot holding it.
        The slot stays zero and is not summed again."""
        k = _STEP[cause]
        self._clear(k)
        if self._sums is not None:
            self._add_sums()
        self._month[cause] += total
        self._summed[k] = True

    def slot(self, cause: str) -> np.ndarray:
        """The step's (N, N) slot for ``cause``, for the caller to write whole this month."""
        k = _STEP[cause]
        self._held[k] = self._written[k] = True
        return self.step[k]

    def slot_rows(self, cause: str, rows: np.ndarray) -> np.ndarray:
        """The step's (N, N) slot for ``cause``, zero outside ``rows`` (sorted, distinct), for
        the caller to write whole on ``rows`` this month (what put_rows writes)."""
        k = _STEP[cause]
        held = self._held[k]
        if isinstance(held, np.ndarray) and held.size:  # rows held from an earlier month
            stale = held[~np.isin(held, rows)]
            if stale.size:
                self.step[k][stale] = 0.0
            self._held[k] = None
        else:
            self._clear(k)
        self._held[k], self._written[k] = rows, True
        return self.step[k]

    def put_rows(self, cause: str, rows: np.ndarray, delta_rows: np.ndarray) -> None:
        """Write the step's change for ``cause``, zero outside ``rows`` (its rows given)."""
        k = self._clear(_STEP[cause])
        self.step[k][rows] = delta_rows
        self._held[k], self._written[k] = rows, True

    def put_crossing(self, cause: str, s: Support, rows: np.ndarray, cols: np.ndarray) -> None:
        """Write the step's change for ``cause``, zero off the support ``s`` (given as
        :func:`sim.model.mechanisms.support.crossing` takes it)."""
        k = self._clear(_STEP[cause])
        put_crossing(self.step[k], s, rows, cols)
        self._held[k], self._written[k] = s, True

    def _clear(self, k: int) -> int:
        """Zero what slot k holds (from an earlier month); returns k."""
        held, slot = self._held[k], self.step[k]
        if held is True:
            slot.fill(0.0)
        elif isinstance(held, Support):
            put_crossing(slot, held, 0.0, 0.0)
        elif held is not None:
            slot[held] = 0.0
        self._held[k] = None
        return k

    def close_step(self, zero: tuple[str, ...] = ()) -> None:
        """Record the step's changes (the slots written this month; the others are zeroed):
        the same sums and cumulative changes as add() of each, taken in one pass. ``zero``:
        causes whose slot the caller knows holds only zeros this month (their sum is 0.0; a
        large roster skips reading them: the sum of each slot is the one the stacked sum
        takes, tests/test_speed_equivalence.py)."""
        for k, written in enumerate(self._written):
            if not written and self._held[k] is not None:
                self._clear(k)
        if self._sums is not None:  # a second close this month
            self._add_sums()
        if self.n <= SUM_WHOLE_UP_TO:
            sums = np.add.reduce(self.step, axis=(1, 2))
        else:
            sums = np.array([0.0 if c in zero or self._held[k] is None
                             else float(self.step[k].sum()) for k, c in enumerate(STEP_CAUSES)])
        if any(self._summed):  # recorded by add_step_sum: not added again
            sums[self._summed] = 0.0  # (a total starts at +0.0, so is never -0.0: adding
            # +0.0 to it changes nothing)
        self._sums = sums  # added to the month's totals when it closes (or at the next add)
        if self.cumulative is not None:
            self._cumulative[-len(STEP_CAUSES):] += self.step
        self._written = [False] * len(STEP_CAUSES)
        self._summed = [False] * len(STEP_CAUSES)

    def _add_sums(self) -> None:
        """Add the step's totals to the month's, now (a change recorded after close_step)."""
        for cause, total in zip(STEP_CAUSES, self._sums.tolist(), strict=True):
            self._month[cause] += total
        self._sums = None

    def _zeros(self) -> np.ndarray:
        """An (N, N) matrix of zeros kept for add_rows and add_crossing (zero between uses)."""
        if self._zero is None:
            self._zero = np.zeros((self.n, self.n))
        return self._zero

    def close(self, step: int) -> None:
        """End the month: its totals kept for :attr:`rows` (one row of mean changes per ordered
        pair, divided when read)."""
        self._closed.append((step, tuple(self._month.values()), self._sums))
        self._sums = None
        self._month = dict.fromkeys(_KEYS, 0.0)

    @property
    def rows(self) -> list[dict[str, float]]:
        """One dict per month closed: step and the mean change per ordered pair by cause
        (the month's totals, the step's added to the causes before it, over N (N - 1))."""
        if self._closed:
            closed, self._closed = self._closed, []
            totals = np.array([t for _, t, _ in closed])
            stepped = [k for k, c in enumerate(closed) if c[2] is not None]
            if stepped:
                totals[stepped, -len(STEP_CAUSES):] += np.array([closed[k][2] for k in stepped])
            means = (totals / self._pairs).tolist()
            self._rows.extend({"step": c[0], **dict(zip(_KEYS, m, strict=True))}
                              for c, m in zip(closed, means, strict=True))
        return self._rows

    def table(self) -> pd.DataFrame:
        """One row per month: step and the mean change per ordered pair by cause."""
        return pd.DataFrame(self.rows, columns=["step", *_KEYS])

    def pair(self, i: int, j: int) -> dict[str, float]:
        """Cumulative change of trust[i, j] by cause (rosters up to PAIRS_UP_TO countries)."""
        if self.cumulative is None:
            raise ValueError(f"per-pair ledger kept only up to {PAIRS_UP_TO} countries")
        return {c: float(m[i, j]) for c, m in self.cumulative.items()}
