"""aigov-app: serve the what-if dashboard on this machine.

    aigov-app                   # http://localhost:8765
    aigov-app --port 9000 --host 0.0.0.0

Works offline: solara's front end comes from the ``solara-assets`` package (the ``app``
extra pins solara to its release), and solara's usage telemetry is switched off.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence

from sim.errors import ConfigError, OneLineParser, fail

DEFAULT_PORT = 8765
PAGE = "sim.app.page"


def parse_args(argv: Sequence[str] | None):
    ap = OneLineParser(prog="aigov-app", description="Serve the what-if dashboard.")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT,
                    help=f"port to listen on ({DEFAULT_PORT})")
    ap.add_argument("--host", default="localhost",
                    help="address to listen on (localhost; 0.0.0.0 for every interface)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="worker processes that run the seeds (2)")
    return ap.parse_args(argv)


def check_args(args) -> None:
    if not 1 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "must be an integer in [1, 65535]")
    if not 1 <= args.jobs <= 256:
        raise ConfigError("--jobs", args.jobs, "must be an integer in [1, 256]")
    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((args.host, args.port))
    except OSError as exc:
        raise ConfigError("--port", args.port, f"cannot listen on {args.host}:{args.port} "
                          f"({exc.strerror or exc}); choose another port") from None


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)  # --version, -v and -q come with the parser (sim.logs)
    try:
        check_args(args)
        import solara  # noqa: F401
    except ConfigError as exc:
        fail(exc)
    except ImportError:
        print("error: solara is not installed; install the dashboard's extra: "
              "pip install -e '.[app]' (or run make app)", file=sys.stderr)
        raise SystemExit(2) from None
    os.environ["SOLARA_APP"] = PAGE
    os.environ["AIGOV_APP_JOBS"] = str(args.jobs)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn

    print(f"aigov-app: serving http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
