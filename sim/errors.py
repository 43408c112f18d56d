"""One kind of user-facing error, and the one way it reaches the terminal.

Every front door (Hydra app, plain CLIs) turns a :class:`ConfigError` into a single line on
stderr and exit code 2: no traceback, nothing half-written.
"""

from __future__ import annotations

import argparse
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


class OneLineParser(argparse.ArgumentParser):
    """argparse for the plain front doors: a usage error is one `error: ...` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        fail(message)


def int_at_least(lo: int):
    """An argparse ``type`` accepting integers >= ``lo``, with a one-line reason otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be an integer >= {lo}, got {value}")
        return value

    parse.__name__ = f"integer >= {lo}"
    return parse
