"""The monthly mechanisms of the model, as pure functions over numpy arrays.

Each module owns one idea (trust, compliance, controls, capability, labs, incidents). A
mechanism never reads configuration or draws random numbers itself: the model passes parameter
values and pre-drawn random arrays, so each function can be tested alone against a hand-computed
case. Shapes: N countries, L labs; matrices are indexed [observer/supplier i, target j].
"""

import numpy as np


def _clip_by_min_max(x, lo, hi, out=None):
    return np.minimum(np.maximum(x, lo, out=out), hi, out=out)


try:  # the ufunc behind np.clip, without np.clip's Python-level wrapper (3x cheaper at N = 14)
    from numpy._core.umath import clip as _clip_ufunc
except ImportError:  # pragma: no cover - another numpy layout
    _clip_ufunc = _clip_by_min_max


def clip(x, lo, hi, out=None):
    """np.clip(x, lo, hi) for the small arrays of the model, at a third of its call cost."""
    return _clip_ufunc(x, lo, hi) if out is None else _clip_ufunc(x, lo, hi, out=out)


def fill_diagonal(a: np.ndarray, value) -> None:
    """np.fill_diagonal for a square matrix, in place, at half its cost (any memory layout)."""
    a.flat[:: a.shape[0] + 1] = value
