"""Months: scenario dates ('YYYY-MM' or 'YYYY-MM-DD') to month indices and back to labels."""

from __future__ import annotations

import functools
import re
from typing import Any

from sim.errors import ConfigError

YEARS = (1900, 2200)  # dates the calendar can carry (pandas dates end in 2262)
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


def parse_month(key: str, value: Any) -> tuple[int, int]:
    """'2023-07' or '2023-07-18' -> (2023, 7); years outside :data:`YEARS` are refused."""
    m = MONTH_RE.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(key, value, "must be a month 'YYYY-MM' (or a date 'YYYY-MM-DD')")
    if not YEARS[0] <= int(m.group(1)) <= YEARS[1]:
        raise ConfigError(key, value, f"must be a month of the years {YEARS[0]}-{YEARS[1]}")
    return int(m.group(1)), int(m.group(2))


def month_index(start: tuple[int, int], ym: tuple[int, int]) -> int:
    """Months from the start month (0 = the month of step 1); negative before the start."""
    return (ym[0] - start[0]) * 12 + (ym[1] - start[1])


@functools.cache
def month_label(start: tuple[int, int], index: int) -> str:
    """The month ``index`` months after ``start``, as 'YYYY-MM'."""
    y, m = divmod(start[0] * 12 + start[1] - 1 + index, 12)
    return f"{y:04d}-{m + 1:02d}"
