"""The trust ledger: each month's change in trust, split by cause.

Every mechanism that moves trust reports the change it made (a (N, N) matrix of differences);
the ledger keeps, per month and cause, the mean change per ordered pair of countries, and, for
rosters up to :data:`PAIRS_UP_TO` countries, the cumulative change of every pair by cause, so a
run can say why trust between two countries ended where it did. ``drift`` is the change of the
baseline trust relaxes to (trust with memory), the rest are changes of trust itself; their sum
over causes is the month's change in trust exactly (``bounds`` is what clipping to [0, 1] took).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CAUSES = ("cosigning", "dialogue", "exclusion", "verification", "rivalry", "relaxation",
          "bounds")
DRIFT = "drift"
PAIRS_UP_TO = 400


class TrustLedger:
    """Monthly trust changes by cause (see the module docstring)."""

    def __init__(self, n: int):
        self.n = n
        self._pairs = max(n * (n - 1), 1)
        self._month = dict.fromkeys((*CAUSES, DRIFT), 0.0)
        self.rows: list[dict[str, float]] = []
        self.cumulative: dict[str, np.ndarray] | None = (
            {c: np.zeros((n, n)) for c in (*CAUSES, DRIFT)} if n <= PAIRS_UP_TO else None)

    def add(self, cause: str, delta: np.ndarray) -> None:
        """Record a change of trust (or, for ``drift``, of the baseline) made by ``cause``."""
        self._month[cause] += float(delta.sum())
        if self.cumulative is not None:
            self.cumulative[cause] += delta

    def close(self, step: int) -> None:
        """End the month: one row of mean changes per ordered pair."""
        self.rows.append({"step": step, **{c: v / self._pairs for c, v in self._month.items()}})
        self._month = dict.fromkeys(self._month, 0.0)

    def table(self) -> pd.DataFrame:
        """One row per month: step and the mean change per ordered pair by cause."""
        return pd.DataFrame(self.rows, columns=["step", *CAUSES, DRIFT])

    def pair(self, i: int, j: int) -> dict[str, float]:
        """Cumulative change of trust[i, j] by cause (rosters up to PAIRS_UP_TO countries)."""
        if self.cumulative is None:
            raise ValueError(f"per-pair ledger kept only up to {PAIRS_UP_TO} countries")
        return {c: float(m[i, j]) for c, m in self.cumulative.items()}
