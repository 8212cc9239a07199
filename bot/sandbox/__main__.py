"""`python -m bot.sandbox --port 8765`: serve the sandbox job board on loopback."""

from __future__ import annotations

import argparse
import sys

from .jobs import DEMO_EMAIL, DEMO_PASSWORD, JOBS
from .server import SandboxBoard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--slow-seconds", type=float, default=2.0,
                        help="delay of the deliberately slow application page (default 2.0)")
    parser.add_argument("--page-delay", type=float, default=0.0,
                        help="delay added to every job page, e.g. 1.5 to watch a run on the dashboard (default 0)")
    parser.add_argument("--page-size", type=int, default=5, help="search results per page (default 5)")
    args = parser.parse_args(argv)
    board = SandboxBoard(args.host, args.port, slow_seconds=args.slow_seconds, page_size=args.page_size,
                         page_delay=args.page_delay)
    print(f"Sandbox job board on {board.url} ({len(JOBS)} jobs; demo login {DEMO_EMAIL} / {DEMO_PASSWORD})",
          flush=True)
    try:
        board.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        board.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
