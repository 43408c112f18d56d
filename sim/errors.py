"""One kind of user-facing error, and the one way it reaches the terminal.

Every front door (Hydra app, plain CLIs) turns a :class:`ConfigError` into a single line on
stderr and exit code 2: no traceback, nothing half-written. :func:`check_output` refuses an
output location that could not be created, before anything is computed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

EXIT_BAD_INPUT = 2
MAX_VALUE_CHARS = 80  # a value longer than this is shortened in messages (never echo a file)


def shown(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class ConfigError(ValueError):
    """Bad user input: names the key, the value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={shown(value)}: {allowed}")


def fail(message: str | BaseException) -> NoReturn:
    """Print one line `error: ...` to stderr and exit with code 2."""
    text = " ".join(str(message).split())
    print(f"error: {text}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


class OneLineParser(argparse.ArgumentParser):
    """argparse for the plain front doors: a usage error is one `error: ...` line (with a
    pointer to ``--help``), exit 2. Every such command has ``--version``, ``-v`` and ``-q``
    (:mod:`sim.logs`); parsing configures the ``sim`` logger from them."""

    def __init__(self, *args, **kwargs):
        from sim.logs import add_common_flags

        kwargs.setdefault("conflict_handler", "resolve")  # a command may redefine -q
        super().__init__(*args, **kwargs)
        add_common_flags(self)

    def parse_known_args(self, args=None, namespace=None):
        from sim.logs import configure

        ns, rest = super().parse_known_args(args, namespace)
        configure(getattr(ns, "verbose", 0), getattr(ns, "quiet", 0))
        return ns, rest

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see {self.prog} --help)")


def int_at_least(lo: int, hi: int | None = None):
    """An argparse ``type`` accepting integers >= ``lo`` (and <= ``hi`` if given), with a
    one-line reason otherwise."""
    allowed = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
        return value

    parse.__name__ = allowed.removeprefix("an ")
    return parse


def number_in(lo: float, hi: float):
    """An argparse ``type`` accepting finite numbers in [lo, hi]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not lo <= value <= hi:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be a number in [{lo:g}, {hi:g}], got {text}")
        return value

    parse.__name__ = f"number in [{lo:g}, {hi:g}]"
    return parse


def check_output(key: str, path: Path | str, *, kind: str = "dir") -> Path:
    """Refuse an output location that cannot be created, before anything is computed.

    ``kind`` is ``"dir"`` (a folder the command creates or fills) or ``"file"``. Refused with a
    :class:`ConfigError` naming ``key``: a path below an existing file, an existing path of the
    other kind, a broken link on the way, or a folder that may not be written. Creates nothing.
    """
    path = Path(path)
    shown_path = str(path)
    try:
        if path.exists():
            if kind == "dir" and not path.is_dir():
                raise ConfigError(key, shown_path, "exists and is not a directory")
            if kind == "file" and path.is_dir():
                raise ConfigError(key, shown_path, "is a directory; name a file")
            _writable(key, shown_path, path if kind == "dir" else path.parent)
            return path
        for parent in path.parents:
            if parent.is_symlink() and not parent.exists():
                raise ConfigError(key, shown_path, f"{parent} is a broken link")
            if parent.exists():
                if not parent.is_dir():
                    raise ConfigError(key, shown_path, f"{parent} is a file, not a directory")
                _writable(key, shown_path, parent)
                break
    except OSError as exc:
        raise ConfigError(key, shown_path, f"cannot be used ({exc.strerror or exc})") from None
    return path


def _writable(key: str, shown_path: str, folder: Path) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(key, shown_path, f"directory {folder} is not writable")
