"""Pairwise terms that vanish outside a few rows and their columns.

Export controls are set by chip suppliers only, and rivalry outside AI joins the countries named
in rivalry events, so the controls matrix, the rivalry felt by each pair (rivalry plus the
controls either way) and the compute dependence of one country on another (which only a
supplier gives) are zero except in the rows and columns of a few countries. The model keeps
those countries as a :class:`Support` and applies these terms to their rows and columns only.
Adding or multiplying by the value a term has outside its support (0, or a factor of 1) leaves
a number unchanged, so the results are the same, bit for bit, as with the full matrices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Support(NamedTuple):
    """Sorted ``rows`` outside of which (in rows and in columns) a term is zero, and the
    ``others`` (empty when the support is every row: then the terms are applied whole)."""

    rows: np.ndarray
    others: np.ndarray

    @property
    def dense(self) -> bool:
        """The support is every row (the terms are worked on the whole matrices)."""
        return not self.others.size


def support(n: int, rows, dense_share: float = 0.5) -> Support:
    """The support of terms confined to ``rows`` of an (n, n) matrix; all rows when they are
    at least ``dense_share`` of them (cheaper whole than in pieces)."""
    rows = np.unique(np.asarray(rows, dtype=np.intp))
    if rows.size >= dense_share * n:
        return Support(np.arange(n), np.zeros(0, dtype=np.intp))
    return Support(rows, np.setdiff1d(np.arange(n), rows))


def crossing(m: np.ndarray, s: Support) -> tuple[np.ndarray, np.ndarray]:
    """The parts of ``m`` on the support: its rows ``m[rows]`` (|rows|, N) and, for the other
    rows, the support's columns ``m[others][:, rows]`` (|others|, |rows|). Copies."""
    return m[s.rows], m[np.ix_(s.others, s.rows)]


def put_crossing(m: np.ndarray, s: Support, rows: np.ndarray, cols: np.ndarray) -> None:
    """Write back what :func:`crossing` took (in place)."""
    m[s.rows] = rows
    if s.others.size:
        m[np.ix_(s.others, s.rows)] = cols


def symmetric_rows(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Rows of m + m.T on the support, from m's support rows (|rows|, N) and support columns
    of every row, ``m[:, rows]`` (N, |rows|): (m + m.T)[rows] = m[rows] + m[:, rows].T."""
    return rows + cols.T


def add_symmetric(m: np.ndarray, s: Support, rows: np.ndarray) -> None:
    """m += x in place for a symmetric x zero off the support, given x's support rows
    (|rows|, N): the rows are added, then the support columns of the other rows (x[i, r] =
    x[r, i]). Each element of m receives one addition."""
    m[s.rows] += rows
    if s.others.size:
        m[np.ix_(s.others, s.rows)] += rows[:, s.others].T
