"""Where a heartbeat's (or a worker progress update's) time goes on the fast path: N requests
through jobelix.asgi.application in this process (no daphne, no sockets, one at a time) under
cProfile, and two parts timed on their own: the throttle check, and the token check when it is
not cached.

    python -m jobelix.launch bench -- bench/_profile_fastpath.py [rounds] [heartbeat|progress]
    (not run by plain `make bench`: it starts with _)
"""
from __future__ import annotations

import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from typing import Any

from _harness import BENCH_SERVER_ENV, figure, make_users, ms_summary, setup_django

os.environ.update(BENCH_SERVER_ENV)
setup_django()
from django.test import Client  # noqa: E402

from accounts.auth import verified_token  # noqa: E402
from core import throttles  # noqa: E402
from jobelix.asgi import application  # noqa: E402
from realtime.fasthttp import Caller  # noqa: E402
from sessions_app.api import HeartbeatView  # noqa: E402

HEARTBEAT, PROGRESS = "/api/autoapply/bot/heartbeat", "/api/worker/update-progress"


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.fast = self.django = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.fast += message.startswith("fast path answered")
        self.django += message.startswith("fast path handed")


async def request(kind: str, token: str, ref: str, i: int) -> int:
    """One heartbeat of session `ref`, or one progress update of job `ref`, as ingest sends them."""
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    if kind == "progress":
        path = PROGRESS
        body = json.dumps({"job_id": ref, "status": "in_progress", "completed": i, "current_target": f"Directory {i}"})
        headers.append((b"authorization", f"Bearer {token}".encode()))
    else:
        path = HEARTBEAT
        body = json.dumps({"token": token, "session_id": ref, "activity": "applying", "details": {"n": i},
                           "stats": {"jobs_found": i, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}})
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": body.encode(), "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()
        return {}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await application(scope, receive, send)
    return sent[0]["status"]


async def run(kind: str, token: str, ref: str, rounds: int) -> tuple[list[float], cProfile.Profile]:
    samples, profiler = [], cProfile.Profile()
    for i in range(1, rounds + 1):
        t0 = time.perf_counter()
        if i > 20:
            profiler.enable()
        status = await request(kind, token, ref, i)
        if i > 20:
            profiler.disable()
        samples.append(time.perf_counter() - t0)
        assert status == 200, status
    return samples[20:], profiler


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    counter = Counter()
    fast_logger = logging.getLogger("realtime.fasthttp")
    fast_logger.setLevel(logging.DEBUG)
    fast_logger.propagate = False
    fast_logger.addHandler(counter)
    kind = sys.argv[2] if len(sys.argv) > 2 else "heartbeat"
    if kind not in ("heartbeat", "progress"):
        raise SystemExit(f"unknown kind {kind!r}: heartbeat or progress")
    (_, token), = make_users(f"profile-{kind}", 1, scope="worker" if kind == "progress" else "bot")
    if kind == "progress":
        from accounts.models import ApiToken, hash_token
        from submissions.models import SubmissionJob

        owner = ApiToken.objects.get(token_hash=hash_token(token)).user
        ref = str(SubmissionJob.objects.create(owner=owner, total=10**6, applier="bench").pk)
    else:
        started = Client(HTTP_HOST="127.0.0.1").post(
            "/api/autoapply/bot/start", {"token": token, "bot_version": "p", "platform": "linux"},
            content_type="application/json")
        ref = started.json()["session_id"]
    # Not asyncio.run: its closing cancel waits on outbox tasks whose queue was first bound to
    # the outbox's own thread loop (the test client's start above); the process ends with os._exit.
    samples, profiler = asyncio.new_event_loop().run_until_complete(run(kind, token, ref, rounds))
    print(f"{kind}s done", flush=True)
    figure(f"fast-path {kind} in process (ASGI app, no daphne)", ms_summary(samples))
    figure("answered by the fast path / handed to Django", f"{counter.fast} / {counter.django}")

    cached = verified_token(token)
    throttle_samples, lookup_samples = [], []
    for _ in range(200):
        t0 = time.perf_counter()
        counted, _ = throttles.count(throttles.windows_of(HeartbeatView.throttle_classes, Caller(cached)))
        throttle_samples.append(time.perf_counter() - t0)
        if counted is not None:
            throttles.give_back(counted)
        t0 = time.perf_counter()
        from accounts.services import authenticate_token
        authenticate_token(token)
        lookup_samples.append(time.perf_counter() - t0)
    figure("throttle check (2 throttles, one Redis round trip; the sync client of the views)", ms_summary(throttle_samples))
    figure("token lookup uncached (PostgreSQL; once per API_TOKEN_CACHE_SECONDS)", ms_summary(lookup_samples))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    print(out.getvalue(), flush=True)


main()
sys.stdout.flush()
os._exit(0)  # the outbox's and the fast paths' executor threads would keep the process alive
