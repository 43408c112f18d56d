"""Random draws of the monthly step that only some of their entries are needed from.

Verification draws one uniform for every ordered pair of countries each month, but only the
pairs with a verification link can use theirs: the rest are compared with a probability of
zero. :func:`uniform_rows` returns the rows that are needed and moves the generator past the
others without computing them, so the stream (and every later draw) is the one a full
(N, N) draw would leave.
"""

from __future__ import annotations

import numpy as np


def uniform_rows(rng: np.random.Generator, n: int, runs: list[tuple[int, int]]) -> np.ndarray:
    """Rows of ``rng.random((n, n))`` for the (start, stop) ``runs`` of rows, stacked in
    order ((sum of run lengths, n)); the generator ends where that full draw would leave it.

    A float64 uniform takes exactly one 64-bit output of the bit generator, so skipping k
    uniforms is ``advance(k)``; a bit generator that cannot advance draws the whole matrix.
    """
    total = sum(stop - start for start, stop in runs)
    bitgen = rng.bit_generator
    if not hasattr(bitgen, "advance"):
        full = rng.random((n, n))
        return np.concatenate([full[a:b] for a, b in runs]) if runs else full[:0]
    out = np.empty((total, n))
    pos = k = 0
    for start, stop in runs:
        if start > pos:
            bitgen.advance((start - pos) * n)
        rng.random(out=out[k:k + stop - start])
        k += stop - start
        pos = stop
    if pos < n:
        bitgen.advance((n - pos) * n)
    return out
