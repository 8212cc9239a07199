"""Command line of the bot.

    python -m bot --playwright [API_TOKEN] [run flags]      what the dashboard launches (token from
                                                            $JOBELIX_API_TOKEN when not given)
    python -m bot run --token T --server URL --board URL [flags]
    python -m bot simulate ...                              scripted session, no browser (bot.simulate)
    python -m bot sandbox --port 8765                       the practice board (same as python -m bot.sandbox)

Exit codes: 0 the run completed, 2 it was stopped (dashboard Stop, Ctrl-C,
SIGTERM), 1 it failed (bad arguments, no profile, login refused, browser error).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .runner import DEFAULT_BOARD_URL, DEFAULT_CHROMIUM, EXIT_CODES, FAILED, INTERRUPT, RunConfig

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"

EPILOG = f"""environment:
  JOBELIX_API_TOKEN     API token when none is given (the dashboard's launch passes it so, never on the command line)
  JOBELIX_API_URL       server URL when --server is not given (default {DEFAULT_SERVER_URL})
  JOBELIX_BOARD_URL     board URL when --board is not given (default {DEFAULT_BOARD_URL})
  JOBELIX_CHROMIUM      Chromium executable (default {DEFAULT_CHROMIUM})
  JOBELIX_BOARD_EMAIL / JOBELIX_BOARD_PASSWORD   board login (default: the sandbox demo account)
  JOBELIX_DAILY_CAP     daily application cap when --daily-cap is not given (default 25)
  JOBELIX_BOT_OUTPUT    folder for tailored resumes and the local ledger (default ./bot-output)
  JOBELIX_LLM_URL       OpenAI-compatible base URL for free-text answers (optional; 1 credit per call)

exit codes: 0 completed, 2 stopped, 1 failed"""


def _run_flags(parser: argparse.ArgumentParser) -> None:
    env = os.environ
    parser.add_argument("--server", default=None, help="Jobelix server URL (default: $JOBELIX_API_URL)")
    parser.add_argument("--board", default=None, help="job board URL (default: $JOBELIX_BOARD_URL)")
    parser.add_argument("--site", default="sandbox", help="board adapter (default sandbox)")
    parser.add_argument("--max-applications", type=int, default=None, metavar="N",
                        help="submit at most N applications in this run")
    parser.add_argument("--daily-cap", type=int, default=int(env.get("JOBELIX_DAILY_CAP", "25")), metavar="N",
                        help="at most N applications per day, counting earlier runs (default 25; 0 = none)")
    parser.add_argument("--dry-run", action="store_true", help="fill every form but submit nothing")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument("--profile", type=Path, default=None, metavar="FILE",
                        help="use this profile JSON instead of the server's")
    parser.add_argument("--output-dir", type=Path, default=Path(env.get("JOBELIX_BOT_OUTPUT", "bot-output")),
                        metavar="DIR", help="tailored resumes and the local ledger (default ./bot-output)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="page load timeout (default 30)")
    parser.add_argument("--heartbeat-interval", type=float, default=45.0, metavar="SECONDS",
                        help="keep-alive heartbeat when a step takes long (default 45)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Jobelix auto-apply bot.",
        usage="python -m bot --playwright API_TOKEN [flags]\n       python -m bot {run,simulate,sandbox} ...",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--playwright", metavar="API_TOKEN",
                        help="run with this token; server from $JOBELIX_API_URL, board from $JOBELIX_BOARD_URL")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", prog="python -m bot run", help="run the bot", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--token", default=os.environ.get("JOBELIX_API_TOKEN"), help="API token (scope bot)")
    _run_flags(run)
    sub.add_parser("simulate", help="a scripted session without a browser (see python -m bot simulate --help)",
                   add_help=False)
    sub.add_parser("sandbox", help="serve the sandbox job board (see python -m bot sandbox --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["simulate"]:
        from . import simulate

        return simulate.main(argv[1:]) or 0
    if argv[:1] == ["sandbox"]:
        from .sandbox.__main__ import main as sandbox_main

        return sandbox_main(argv[1:])
    if argv[:1] == ["--playwright"]:
        given = len(argv) >= 2 and not argv[1].startswith("-")
        token = argv[1] if given else os.environ.get("JOBELIX_API_TOKEN", "")
        if not token:
            print("Usage: python -m bot --playwright <API_TOKEN> [flags] (or set JOBELIX_API_TOKEN)", file=sys.stderr)
            return EXIT_CODES[FAILED]
        parser = argparse.ArgumentParser(prog="python -m bot --playwright API_TOKEN", epilog=EPILOG,
                                         formatter_class=argparse.RawDescriptionHelpFormatter)
        _run_flags(parser)
        args = parser.parse_args(argv[2 if given else 1:])
        args.token = token
    else:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            return int(exc.code or 0) and EXIT_CODES[FAILED]
        if args.command != "run":
            parser.print_help()
            return EXIT_CODES[FAILED]
        if not args.token:
            print("error: --token is required (or set JOBELIX_API_TOKEN)", file=sys.stderr)
            return EXIT_CODES[FAILED]
    return run(args)


def run(args) -> int:
    from .api import JobelixAPI
    from .console import ConsoleProgress
    from .llm import LLMClient
    from .runner import BotRunner, board_credentials
    from .sites import get_adapter

    env = os.environ
    board_email, board_password = board_credentials(env)
    server = (args.server or env.get("JOBELIX_API_URL") or DEFAULT_SERVER_URL).rstrip("/")
    config = RunConfig(
        board_url=(args.board or env.get("JOBELIX_BOARD_URL") or DEFAULT_BOARD_URL).rstrip("/"),
        site=args.site,
        board_email=board_email,
        board_password=board_password,
        max_applications=args.max_applications,
        daily_cap=args.daily_cap if args.daily_cap and args.daily_cap > 0 else None,
        dry_run=args.dry_run,
        headed=args.headed,
        chromium_path=env.get("JOBELIX_CHROMIUM", DEFAULT_CHROMIUM),
        output_dir=args.output_dir,
        heartbeat_interval=args.heartbeat_interval,
        page_timeout_ms=int(args.timeout * 1000),
        profile_path=args.profile,
    )
    try:
        adapter_class = get_adapter(config.site)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CODES[FAILED]
    console = ConsoleProgress(quiet=args.quiet)
    runner = BotRunner(config, make_reporter(args.token, server), JobelixAPI(server, args.token), console,
                       llm=LLMClient.from_env(), adapter_class=adapter_class)
    console.note(f"Jobelix bot: server {server}, board {config.board_url}"
                 + (" (dry run: nothing will be submitted)" if config.dry_run else ""))
    _install_signal_handlers()
    return runner.run().exit_code


def make_reporter(token: str, server: str):
    from .reporter import StatusReporter

    return StatusReporter(token, base_url=server)


def _install_signal_handlers() -> None:
    def interrupt(signum, frame):
        INTERRUPT.set()  # the runner stops before the next job, like a stop from the dashboard

    for sig in (signal.SIGTERM,):  # Ctrl-C arrives as KeyboardInterrupt
        try:
            signal.signal(sig, interrupt)
        except (ValueError, OSError):  # not the main thread
            pass
