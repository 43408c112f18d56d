"""What every command shares besides its errors: ``--version``, ``-v``/``-q`` and logging.

Results (tables, summaries, the paths of files written) are printed to stdout; progress and
diagnostics go through :mod:`logging`, under the ``sim`` logger, to stderr: INFO by default,
DEBUG with ``-v``, WARNING with ``-q`` and ERROR with ``-qq``. The Hydra app (``aigov``) maps the
same flags to its job logging (``hydra.job_logging.loggers.sim.level``), which also writes the
messages to the run's log file. The version is the installed distribution's
(:func:`importlib.metadata.version`).
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "aigov-sim"
LOGGER = "sim"
VERBOSE_FLAGS = ("-v", "--verbose")
QUIET_FLAGS = ("-q", "--quiet")


def package_version() -> str:
    """The installed version of the ``aigov-sim`` distribution, e.g. ``0.2.0``."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def level(verbose: int = 0, quiet: int = 0) -> int:
    """The ``sim`` logger's level for ``-v`` (``verbose`` times) and ``-q`` (``quiet`` times)."""
    if verbose:
        return logging.DEBUG
    if quiet:
        return logging.WARNING if quiet == 1 else logging.ERROR
    return logging.INFO


class StderrHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a message is emitted (so a caller
    that redirects stderr, a test capturing it, sees the messages)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(verbose: int = 0, quiet: int = 0) -> logging.Logger:
    """Send the ``sim`` logger's messages to stderr (bare text) at :func:`level`."""
    log = logging.getLogger(LOGGER)
    log.setLevel(level(int(verbose or 0), int(quiet or 0)))
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        log.addHandler(StderrHandler())
        log.propagate = False
    return log


def add_common_flags(parser) -> None:
    """``--version``, ``-v/--verbose`` and ``-q/--quiet`` on an argparse parser (a command's own
    ``-q`` is kept: it also means "fewer messages")."""
    parser.add_argument("--version", action="version",
                        version=f"{parser.prog} {package_version()}")
    parser.add_argument(*VERBOSE_FLAGS, action="count", default=0,
                        help="more messages (debugging details)")
    parser.add_argument(*QUIET_FLAGS, action="count", default=0,
                        help="fewer messages: warnings and errors only")
