"""Hydra-shaped overrides for the batch runner: parsing ``KEY=VALUES`` (Hydra's syntax and
``linspace(lo,hi,n)``) into an :class:`Axis`, the points of their cartesian product
(:class:`Points`, made on demand), and applying a value to a composed config dict."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError

LINSPACE_RE = re.compile(r"^\s*linspace\(\s*([^,]+),\s*([^,]+),\s*(\d+)\s*\)\s*$")


# -- parsing Hydra-shaped overrides -------------------------------------------------------------


def split_path(key: str) -> tuple[str, ...]:
    """``a.'United States'.b`` -> ('a', 'United States', 'b'): dots split, quotes protect."""
    parts, cur, quote = [], [], None
    for ch in key:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == ".":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if quote:
        raise ConfigError("override", key, "unbalanced quote in the key")
    parts.append("".join(cur))
    if any(not p for p in parts):
        raise ConfigError("override", key, "empty key segment")
    return tuple(parts)


def parse_values(key: str, text: str) -> list:
    """Values of one override: Hydra syntax (``a,b``, ``range(0,5)``, ``choice(...)``, a single
    value, a dict) or ``linspace(lo,hi,n)`` (n evenly spaced numbers, ends included)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    m = LINSPACE_RE.match(text)
    if m:
        try:
            lo, hi, n = float(m.group(1)), float(m.group(2)), int(m.group(3))
        except ValueError:
            raise ConfigError(key, text, "linspace(lo, hi, n) needs numbers") from None
        if n < 1:
            raise ConfigError(key, text, "linspace needs n >= 1")
        return [round(float(v), 12) for v in np.linspace(lo, hi, n)]
    try:
        o = OverridesParser.create().parse_override(f"x={text}")
    except Exception as exc:
        raise ConfigError(key, text, f"not a Hydra value: {' '.join(str(exc).split())}") \
            from None
    if not o.is_sweep_override():
        return [o.value()]
    if not o.is_discrete_sweep():
        raise ConfigError(key, text, "only discrete sweeps (a,b,c; range; choice) can be run")
    values = list(o.sweep_iterator())
    if not values:
        raise ConfigError(key, text, "the sweep has no values")
    return values


@dataclass(frozen=True)
class Axis:
    """One override: its column name, path in the config, values, and whether it adds a key."""

    key: str
    path: tuple[str, ...]
    values: tuple
    add: bool = False


def parse_override(text: str) -> Axis:
    """``KEY=VALUES`` (Hydra-shaped) -> :class:`Axis`."""
    quote, eq = None, -1
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "=":
            eq = i
            break
    if eq <= 0:
        raise ConfigError("override", text, "must be KEY=VALUE (Hydra override syntax)")
    raw_key, value_text = text[:eq], text[eq + 1:]
    add = raw_key.startswith("+")
    if raw_key.startswith(("~", "++")):
        raise ConfigError("override", text, "deleting (~) or forcing (++) keys is not supported")
    path = split_path(raw_key.lstrip("+"))
    if path[0] == "hydra" or "/" in path[0]:
        raise ConfigError("override", text, "Hydra settings (hydra..., launchers) do not apply "
                          "to the batch runner; use -j for workers")
    return Axis(key=".".join(path), path=path, values=tuple(parse_values(raw_key, value_text)),
                add=add)


# -- the points of a plan -----------------------------------------------------------------------


class Points(Sequence):
    """A plan's points, each made when asked for (a sweep of a million points holds none):
    point ``i`` is ``(selection, assigns)``, the ``i``-th of the cartesian product of the
    axes (last varying fastest, as Hydra numbers jobs), times each of the extra points.

    ``axes``: per axis, whether it selects a config file (a group: goes into the selection as
    ``(key, value)``), the key or slim :class:`Axis` to pair with each value, and its values;
    ``extra``: the ``(Axis, value)`` pairs of each extra point (at least one, maybe empty).
    """

    def __init__(self, axes: list[tuple[bool, Any, tuple]], extra: list[tuple]):
        self.axes, self.extra = axes, extra
        self._n = math.prod(len(values) for _, _, values in axes) * len(extra)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        k = i + self._n if i < 0 else i
        if not 0 <= k < self._n:
            raise IndexError(f"point {i} of {self._n}")
        k, e = divmod(k, len(self.extra))
        picks = []
        for _, _, values in reversed(self.axes):
            k, j = divmod(k, len(values))
            picks.append(values[j])
        return self._point(picks[::-1], self.extra[e])

    def __iter__(self):
        for picks in itertools.product(*[values for _, _, values in self.axes]):
            for extra in self.extra:
                yield self._point(picks, extra)

    def _point(self, picks, extra: tuple) -> tuple[tuple, tuple]:
        pairs = [(group, tag, v) for (group, tag, _), v in zip(self.axes, picks, strict=True)]
        sel = tuple((tag, v) for group, tag, v in pairs if group)
        assigns = tuple((tag, v) for group, tag, v in pairs if not group)
        return sel, assigns + extra


# -- applying overrides to a composed config ----------------------------------------------------


def _merge(old: Any, new: Any) -> Any:
    """Hydra's dict override: dicts merge key by key, anything else replaces."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = _merge(old.get(k), v)
        return out
    return new


def assign(data: dict, axis: Axis, value: Any) -> dict:
    """A copy of ``data`` with ``value`` at ``axis.path`` (only the dicts on the path are
    copied). Unknown keys are an error unless the override was written ``+key=...``."""
    head, *rest = axis.path
    if not isinstance(data, dict):
        raise ConfigError(axis.key, value, "the path runs into a value, not a mapping")
    if head not in data and not (axis.add and not rest):
        near = ", ".join(sorted(map(str, data))[:12])
        raise ConfigError(axis.key, value, f"no key {head!r} here (available: {near}); "
                          "prefix + to add a key")
    out = dict(data)
    if rest:
        out[head] = assign(data[head], Axis(axis.key, tuple(rest), axis.values, axis.add), value)
    else:
        out[head] = _merge(data.get(head), value)
    return out
