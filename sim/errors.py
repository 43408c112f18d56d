"""One kind of user-facing error, and the one way it reaches the terminal.

Every front door (Hydra app, plain CLIs) turns a :class:`ConfigError` into a single line on
stderr and exit code 2: no traceback, nothing half-written.
"""

from __future__ import annotations

import sys
from typing import NoReturn

EXIT_BAD_INPUT = 2


class ConfigError(ValueError):
    """Bad user input: names the key, the value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r}: {allowed}")


def fail(message: str | BaseException) -> NoReturn:
    """Print one line `error: ...` to stderr and exit with code 2."""
    text = " ".join(str(message).split())
    print(f"error: {text}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)
