"""Serve every ATS form replica on loopback, for the demo and for trying the bot by hand.

    python -m devtools.ats.server [--port 8811]

Greenhouse, Lever, Ashby and the unseen form listen on four consecutive ports; the printed
JOBELIX_GREENHOUSE_URL / JOBELIX_LEVER_URL / JOBELIX_ASHBY_URL lines make the bot's
job_for_url treat those hosts as the real boards. Applications received are printed as they arrive.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .ashby import AshbyReplica
from .common import Replica
from .generic_unseen import UnseenFormReplica
from .greenhouse import GreenhouseReplica
from .lever import LeverReplica


def start_all(port: int = 0, host: str = "127.0.0.1") -> dict[str, Replica]:
    """The four replicas, started (on port, port+1, ... when port is given; else free ports)."""
    replicas: dict[str, Replica] = {"greenhouse": GreenhouseReplica(), "lever": LeverReplica(),
                                    "ashby": AshbyReplica(), "generic": UnseenFormReplica()}
    for i, replica in enumerate(replicas.values()):
        replica.start(port + i if port else 0, host)
    return replicas


def postings(replicas: dict[str, Replica]) -> dict[str, str]:
    """Each replica's posting URL (what a scraped posting would point at)."""
    return {name: replica.posting_url() for name, replica in replicas.items()}  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.ats.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8811, help="first of four ports (default 8811)")
    args = parser.parse_args(argv)
    replicas = start_all(args.port, args.host)
    for name, url in postings(replicas).items():
        print(f"{name:10} {url}", flush=True)
    for name in ("greenhouse", "lever", "ashby"):
        print(f"JOBELIX_{name.upper()}_URL={replicas[name].url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = dict.fromkeys(replicas, 0)
    try:
        while not stop.wait(0.5):
            for name, replica in replicas.items():
                for submission in replica.received[seen[name]:]:
                    print(f"[{name}] application received: {submission.answers}", flush=True)
                seen[name] = len(replica.received)
    except KeyboardInterrupt:
        pass
    finally:
        for replica in replicas.values():
            replica.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
