"""The two servers under test behind one interface: Jobelix (daphne) and the socket.io peer.

A `Target` knows how to open a dashboard client for a user, start a bot session
and send the i-th heartbeat; latency.py and ingest.py drive both the same way.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

from _harness import Client, Server, heartbeat_body, jobelix_ws_url, socketio_ws_url, start_daphne, start_peer


class Target:
    name = "?"
    event_type = "bot.session_updated"
    scope = "bot"

    def __init__(self, server: Server):
        self.server = server

    def client(self, token: str, on_event=None) -> Client:
        raise NotImplementedError

    async def start_session(self, http: HttpClient, token: str) -> str:
        response = await http.post(f"{self.server.http}{self.start_path}", json={
            "token": token, "bot_version": "bench-1.0", "platform": "linux"})
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} start: {response.status_code} {response.text[:300]}")
        return response.json()["session_id"]

    async def heartbeat(self, http: HttpClient, token: str, session_id: str, i: int) -> Response:
        return await http.post(f"{self.server.http}{self.heartbeat_path}", json=heartbeat_body(session_id, i, token))


class JobelixTarget(Target):
    name = "jobelix"
    start_path = "/api/autoapply/bot/start"
    heartbeat_path = "/api/autoapply/bot/heartbeat"

    def client(self, token, on_event=None):
        return Client(jobelix_ws_url(self.server, "bot"), "jobelix", on_event=on_event, token=token)

    def final_stats(self, session_ids: list[str]) -> dict[str, dict]:
        from sessions_app.models import BotSession

        return {str(s.id): s.stats() for s in BotSession.objects.filter(pk__in=session_ids)}


class ProgressTarget(JobelixTarget):
    """Workers on `POST /api/worker/update-progress`: each owns one job and reports its
    completed count going up (i), with a Bearer `worker` token."""

    name = "jobelix-progress"
    scope = "worker"

    async def start_session(self, http, token):
        return self._make_job(token)  # the bench process's ORM, between the timed phases

    def _make_job(self, token: str) -> str:
        from accounts.models import ApiToken, hash_token
        from submissions.models import SubmissionJob

        owner = ApiToken.objects.get(token_hash=hash_token(token)).user
        return str(SubmissionJob.objects.create(owner=owner, total=10**6, applier="bench").pk)

    async def heartbeat(self, http, token, session_id, i):
        return await http.post(f"{self.server.http}/api/worker/update-progress",
                               json={"job_id": session_id, "status": "in_progress", "completed": i,
                                     "current_target": f"Directory {i}"},
                               headers={"Authorization": f"Bearer {token}"})

    def final_stats(self, session_ids):
        from submissions.models import SubmissionJob

        return {str(job.pk): {"completed": job.completed} for job in SubmissionJob.objects.filter(pk__in=session_ids)}


class PeerTarget(Target):
    name = "socketio-peer"
    start_path = "/bot/start"
    heartbeat_path = "/bot/heartbeat"

    def client(self, token, on_event=None):
        return Client(socketio_ws_url(self.server), "socketio", auth={"token": token}, on_event=on_event)

    def final_stats(self, session_ids: list[str]) -> dict[str, dict]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id::text, jobs_found, jobs_applied, jobs_failed, credits_used "
                "FROM peer_bot_session WHERE id::text = ANY(%s)", [session_ids])
            return {row[0]: dict(zip(("jobs_found", "jobs_applied", "jobs_failed", "credits_used"), row[1:]))
                    for row in cursor.fetchall()}


JOBELIX_TARGETS = {"jobelix": JobelixTarget, "progress": ProgressTarget}


def runs_of(targets: str, processes: str) -> list[tuple[str, int]]:
    """(target, web processes) for each run: Jobelix's targets once per process count, the peer once."""
    runs: list[tuple[str, int]] = []
    for name in targets.split(","):
        if name in JOBELIX_TARGETS:
            runs += [(name, int(n)) for n in processes.split(",")]
        elif name == "peer":
            runs.append((name, 1))
    return runs


def start_target(name: str, processes: int, bench: str) -> Target:
    """`name`'s server started (logs named after `bench`), behind its Target; stop target.server."""
    if name in JOBELIX_TARGETS:
        return JOBELIX_TARGETS[name](start_daphne(f"daphne-{bench}", processes=processes))
    return PeerTarget(start_peer(f"peer-{bench}"))


class Response:
    def __init__(self, status_code: int, body: bytes):
        self.status_code, self.content = status_code, body

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self):
        return json.loads(self.content)


class HttpClient:
    """A raw keep-alive HTTP/1.1 client on asyncio streams: POST JSON, read Content-Length bodies.

    httpx costs the client ~0.3 ms of CPU per request; on 2 cores shared with the servers
    that was part of what was measured. This does only what the bench needs.
    """

    def __init__(self, concurrency: int, timeout: float = 30.0):
        self.gate = asyncio.Semaphore(concurrency)
        self.idle: dict[tuple[str, int], list] = {}
        self.timeout = timeout

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        for connections in self.idle.values():
            for _, writer in connections:
                writer.close()
        self.idle.clear()

    async def post(self, url: str, json: dict | None = None, headers: dict | None = None) -> Response:
        parts = urlsplit(url)
        key = (parts.hostname, parts.port or 80)
        body = _json_bytes(json)
        head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n")
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        request = (head + "\r\n").encode() + body
        async with self.gate:
            pool = self.idle.setdefault(key, [])
            reused = bool(pool)
            reader, writer = pool.pop() if pool else await asyncio.open_connection(*key)
            try:
                writer.write(request)
                response, keep = await asyncio.wait_for(_read_response(reader), self.timeout)
            except ConnectionError:
                writer.close()
                if not reused:
                    raise
                # A kept-alive connection the server closed while idle (uvicorn: after 5 s): once more.
                reader, writer = await asyncio.open_connection(*key)
                writer.write(request)
                response, keep = await asyncio.wait_for(_read_response(reader), self.timeout)
            except BaseException:
                writer.close()
                raise
            if keep:
                pool.append((reader, writer))
            else:
                writer.close()
            return response


def _json_bytes(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    try:
        status_line = await reader.readline()
    except OSError as exc:
        raise ConnectionError(str(exc)) from exc
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length, keep = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
        elif name == b"transfer-encoding":
            raise ConnectionError("chunked responses are not supported by the bench client")
    return Response(status, await reader.readexactly(length) if length else b""), keep


def http_client(concurrency: int = 64) -> HttpClient:
    return HttpClient(concurrency)
